#!/usr/bin/env python3
"""The floor of a folder-per-file library: for each file in SRC, a folder in DST holding a copy and
a small JSON sidecar (name, size, SHA-256), as `creative import` lays a library out, but reading
nothing from the image. Usage: baseline-layout.py SRC DST
"""
import hashlib, json, os, shutil, sys

src, dst = sys.argv[1], sys.argv[2]
for name in sorted(os.listdir(src)):
    folder = os.path.join(dst, os.path.splitext(name)[0])
    os.makedirs(folder)
    with open(os.path.join(src, name), "rb") as f:
        data = f.read()
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)
    sidecar = {"name": name, "fileSize": len(data), "contentHash": "sha256:" + hashlib.sha256(data).hexdigest()}
    with open(os.path.join(folder, "asset.json"), "w") as f:
        json.dump(sidecar, f, indent=2, sort_keys=True)
os.sync()
