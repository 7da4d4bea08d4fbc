#!/usr/bin/env python3
"""What a user would otherwise write: walk the library, parse each asset.json, fill SQLite + FTS5.

Usage: baseline-indexer.py LIBRARY DB [WORD:USER ...]
Builds DB from LIBRARY/assets, then runs each search (a word within one user's assets, 20 per
page, by relevance) and prints JSON: {"buildSeconds", "searchP50Ms", "searchP99Ms", "assets"}.
"""
import json, os, sqlite3, sys, time

library, db_path, queries = sys.argv[1], sys.argv[2], sys.argv[3:]
if os.path.exists(db_path):
    os.remove(db_path)
start = time.perf_counter()
db = sqlite3.connect(db_path)
db.execute("CREATE TABLE asset (id TEXT PRIMARY KEY, userId TEXT, type TEXT, category TEXT, createdAt TEXT, path TEXT, json TEXT)")
db.execute("CREATE VIRTUAL TABLE asset_fts USING fts5(title, description, prompt, negativePrompt, tags)")
count = 0
for folder, dirs, files in os.walk(os.path.join(library, "assets")):
    dirs[:] = [d for d in dirs if not d.startswith(".")]
    if "asset.json" not in files:
        continue
    with open(os.path.join(folder, "asset.json"), "rb") as f:
        raw = f.read()
    a = json.loads(raw)
    cur = db.execute("INSERT INTO asset VALUES (?, ?, ?, ?, ?, ?, ?)",
                     (a["id"], a["userId"], a["type"], a.get("category"), a["createdAt"], folder, raw.decode()))
    db.execute("INSERT INTO asset_fts (rowid, title, description, prompt, negativePrompt, tags) VALUES (?, ?, ?, ?, ?, ?)",
               (cur.lastrowid, a["title"], a.get("description") or "", a.get("prompt") or "",
                a.get("negativePrompt") or "", " ".join(a.get("tags", []))))
    count += 1
db.execute("CREATE INDEX asset_user ON asset(userId, createdAt)")
db.commit()
build = time.perf_counter() - start
times = []
for query in queries:
    word, user = query.split(":", 1)
    t = time.perf_counter()
    rows = db.execute("SELECT a.json FROM asset_fts JOIN asset a ON a.rowid = asset_fts.rowid "
                      "WHERE asset_fts MATCH ? AND a.userId = ? ORDER BY rank LIMIT 20", (word, user)).fetchall()
    [json.loads(r[0]) for r in rows]
    times.append(time.perf_counter() - t)
times.sort()
pick = lambda p: times[min(len(times) - 1, round((len(times) - 1) * p))] * 1000 if times else 0
print(json.dumps({"assets": count, "buildSeconds": build, "searchP50Ms": pick(0.5), "searchP99Ms": pick(0.99)}))
