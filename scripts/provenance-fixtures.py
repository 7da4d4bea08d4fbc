#!/usr/bin/env python3
"""Provenance fixtures for Creative Engine's metadata-reader tests.

  write DIR        write tiny images carrying AI-generation metadata the way
                   popular tools store it (A1111, Fooocus, ComfyUI, InvokeAI,
                   NovelAI, XMP, IPTC, sidecar text, Eagle) plus DIR/expected.json
  sdparsers FILE…  print what sd-parsers reads from each file, as JSON
  check DIR        re-read the written files with plain Pillow (writer self-test)

Pillow is the independent writer; sd-parsers is the independent reader the Swift
tests compare against. It is imported only by the `sdparsers` command.
"""
import argparse
import io
import json
import struct
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from xml.sax.saxutils import escape

from PIL import Image, IptcImagePlugin, PngImagePlugin

W, H = 16, 12
EAGLE_DIR = "eagle/images/KABCDEF12345.info"
EXIF_IFD, USER_COMMENT = 0x8769, 0x9286

# file, colour, prompt, negative, settings line, expected settings
A1111_CASES = [
    ("a1111.png", (40, 90, 160),
     "(masterpiece:1.2), best quality, a lighthouse on a basalt cliff,\n"
     "storm clouds, (dramatic lighting:1.1), [rain|mist]",
     "lowres, (blurry:1.3), watermark,\ntext, jpeg artifacts",
     "Steps: 28, Sampler: DPM++ 2M Karras, CFG scale: 6.5, Seed: 3141592653, Size: 16x12, "
     "Model hash: 31e35c80fc, Model: sd_xl_base_1.0, Version: v1.9.4",
     dict(seed=3141592653, steps=28, guidance=6.5, sampler="DPM++ 2M Karras", model="sd_xl_base_1.0")),
    ("a1111-unicode.png", (200, 120, 180),
     "星空の下の桜並木 🌸, (masterpiece:1.2),\n古い寺 (lantern glow:1.15), 🐉 dragon silhouette",
     "低品質, (blurry:1.4),\n❌ text, signature",
     "Steps: 30, Sampler: Euler a, CFG scale: 7.5, Seed: 1234567, Size: 16x12, "
     "Model hash: 6ce0161689, Model: v1-5-pruned-emaonly, Version: v1.10.1",
     dict(seed=1234567, steps=30, guidance=7.5, sampler="Euler a", model="v1-5-pruned-emaonly")),
    ("a1111.jpg", (180, 140, 60),
     "portrait of an old fisherman, (weathered skin:1.3),\nrope, harbour at dawn, (film grain:0.9)",
     "cartoon, (extra fingers:1.2)",
     "Steps: 24, Sampler: DPM++ 2M, Schedule type: Karras, CFG scale: 5.5, Seed: 987654321, "
     "Size: 16x12, Model hash: e6bb9ea85b, Model: juggernautXL_v9, Version: v1.10.1",
     dict(seed=987654321, steps=24, guidance=5.5, sampler="DPM++ 2M", model="juggernautXL_v9")),
    ("a1111.webp", (30, 150, 90),
     "isometric tiny greenhouse, (succulents:1.1), soft light,\nminiature, tilt-shift",
     "(noise:1.2), oversaturated,\nduplicate",
     "Steps: 20, Sampler: DPM++ SDE, CFG scale: 4.5, Seed: 42424242, Size: 16x12, "
     "Model hash: 879db523c3, Model: dreamshaper_8, Denoising strength: 0.35, Version: v1.8.0",
     dict(seed=42424242, steps=20, guidance=4.5, sampler="DPM++ SDE", model="dreamshaper_8")),
]


def image(color):
    return Image.new("RGB", (W, H), color)


def save_png(path, color, chunks):
    """chunks: (keyword, text) pairs; text that is not Latin-1 goes into iTXt."""
    info = PngImagePlugin.PngInfo()
    for key, text in chunks:
        try:
            text.encode("latin-1")
            info.add_text(key, text)
        except UnicodeEncodeError:
            info.add_itxt(key, text)
    path.parent.mkdir(parents=True, exist_ok=True)
    image(color).save(path, "PNG", pnginfo=info)


def expect(fmt, generator, **fields):
    return {**fields, "width": W, "height": H, "format": fmt, "generator": generator}


def write_a1111(root, out):
    for name, color, prompt, negative, settings, fields in A1111_CASES:
        text = f"{prompt}\nNegative prompt: {negative}\n{settings}"
        if name.endswith(".png"):
            save_png(root / name, color, [("parameters", text)])
        else:  # EXIF UserComment as A1111 writes it via piexif: "UNICODE\0" + UTF-16BE
            exif = Image.Exif()
            exif.get_ifd(EXIF_IFD)[USER_COMMENT] = b"UNICODE\0" + text.encode("utf-16-be")
            fmt = "JPEG" if name.endswith(".jpg") else "WEBP"
            image(color).save(root / name, fmt, exif=exif)
        fmt = {"png": "png", "jpg": "jpeg", "webp": "webp"}[name.rsplit(".", 1)[1]]
        out[name] = expect(fmt, "a1111", prompt=prompt, negativePrompt=negative, **fields)


def write_fooocus(root, out):
    prompt = "cinematic still of a (red fox:1.2) in fresh snow,\nshallow depth of field, (bokeh:0.8)"
    negative = "(worst quality:1.5), deformed paws,\nextra limbs"
    params = {  # Fooocus writes these keys sorted; the seed is stored as a string
        "adm_guidance": "(1.5, 0.8, 0.3)", "base_model": "juggernautXL_v8Rundiffusion.safetensors",
        "base_model_hash": "aeb7e9e689", "clip_skip": 2, "full_negative_prompt": [negative],
        "full_prompt": [prompt], "guidance_scale": 4.0, "loras": [], "metadata_scheme": "fooocus",
        "negative_prompt": negative, "performance": "Speed", "prompt": prompt, "prompt_expansion": "",
        "refiner_model": "None", "refiner_switch": 0.8, "resolution": f"({W}, {H})",
        "sampler": "dpmpp_2m_sde_gpu", "scheduler": "karras", "seed": "5829301746", "sharpness": 2.0,
        "steps": 30, "styles": "[]", "vae": "Default (model)", "version": "Fooocus v2.5.5",
    }
    save_png(root / "fooocus.png", (240, 110, 40),
             [("parameters", json.dumps(params, sort_keys=True)), ("fooocus_scheme", "fooocus")])
    out["fooocus.png"] = expect("png", "fooocus", prompt=prompt, negativePrompt=negative,
                                model=params["base_model"], seed=5829301746, steps=30,
                                guidance=4.0, sampler="dpmpp_2m_sde_gpu")


COMFY_OUTPUT_TYPES = {"CheckpointLoaderSimple": ["MODEL", "CLIP", "VAE"],
                      "CLIPTextEncode": ["CONDITIONING"], "EmptyLatentImage": ["LATENT"],
                      "KSampler": ["LATENT"], "VAEDecode": ["IMAGE"], "SaveImage": []}


def comfy_workflow(prompt):
    """Build a UI-format workflow whose links mirror the API graph's inputs."""
    nodes, links = {}, []
    for order, (node_id, node) in enumerate(prompt.items()):
        outputs = [{"name": t, "type": t, "links": [], "slot_index": i}
                   for i, t in enumerate(COMFY_OUTPUT_TYPES[node["class_type"]])]
        nodes[node_id] = {"id": int(node_id), "type": node["class_type"], "pos": [80 + 260 * order, 120],
                          "size": [240, 90], "flags": {}, "order": order, "mode": 0, "inputs": [],
                          "outputs": outputs, "properties": {},
                          "widgets_values": [v for v in node["inputs"].values() if not isinstance(v, list)]}
    for node_id, node in prompt.items():
        for slot, (name, value) in enumerate(i for i in node["inputs"].items() if isinstance(i[1], list)):
            source, source_slot = value
            kind = COMFY_OUTPUT_TYPES[prompt[source]["class_type"]][source_slot]
            link = [len(links) + 1, int(source), source_slot, int(node_id), slot, kind]
            links.append(link)
            nodes[node_id]["inputs"].append({"name": name, "type": kind, "link": link[0]})
            nodes[source]["outputs"][source_slot]["links"].append(link[0])
    return {"last_node_id": max(map(int, prompt)), "last_link_id": len(links),
            "nodes": list(nodes.values()), "links": links, "groups": [], "config": {}, "extra": {},
            "version": 0.4}


def write_comfyui(root, out):
    positive = "a (cozy reading nook:1.3), rain on the window,\nwarm lamp light, bookshelves, (detailed:1.1)"
    negative = "(bad anatomy:1.2), blurry,\nlow contrast"
    prompt = {  # negative encoder first and non-sequential ids: readers must follow the links
        "7": {"class_type": "CLIPTextEncode", "inputs": {"text": negative, "clip": ["31", 1]}},
        "31": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "dreamshaper_8.safetensors"}},
        "12": {"class_type": "CLIPTextEncode", "inputs": {"text": positive, "clip": ["31", 1]}},
        "5": {"class_type": "EmptyLatentImage", "inputs": {"width": W, "height": H, "batch_size": 1}},
        "24": {"class_type": "KSampler", "inputs": {
            "seed": 8675309123, "steps": 25, "cfg": 7.25, "sampler_name": "dpmpp_2m", "scheduler": "karras",
            "denoise": 1.0, "model": ["31", 0], "positive": ["12", 0], "negative": ["7", 0],
            "latent_image": ["5", 0]}},
        "9": {"class_type": "VAEDecode", "inputs": {"samples": ["24", 0], "vae": ["31", 2]}},
        "40": {"class_type": "SaveImage", "inputs": {"filename_prefix": "ComfyUI", "images": ["9", 0]}},
    }
    save_png(root / "comfyui.png", (90, 60, 130),
             [("prompt", json.dumps(prompt)), ("workflow", json.dumps(comfy_workflow(prompt)))])
    out["comfyui.png"] = expect("png", "comfyui", prompt=positive, negativePrompt=negative,
                                model="dreamshaper_8.safetensors", seed=8675309123, steps=25,
                                guidance=7.25, sampler="dpmpp_2m")


def write_invokeai(root, out):
    meta = {
        "generation_mode": "txt2img", "app_version": "5.6.0",
        "positive_prompt": "retro-futuristic city skyline, (neon signs:1.2),\nflying cars, dusk",
        "negative_prompt": "(jpeg artifacts:1.1), fog,\ncropped",
        "positive_style_prompt": "", "negative_style_prompt": "",
        "width": W, "height": H, "seed": 1618033988, "rand_device": "cpu",
        "cfg_scale": 6.75, "cfg_rescale_multiplier": 0, "steps": 32, "scheduler": "dpmpp_2m_k",
        # InvokeAI 4+ writes "name"; sd-parsers 0.6 only reads "model_name" (older InvokeAI),
        # so both carry the same value to let sd-parsers see the model too.
        "model": {"key": "6f0c5a42-91d3-4e55-b5b6-1c2d7e8f9a0b", "hash": "blake3:5e1f0a9c3b7d",
                  "name": "Juggernaut XL v9", "model_name": "Juggernaut XL v9", "base": "sdxl",
                  "type": "main"},
    }
    save_png(root / "invokeai.png", (20, 170, 200), [("invokeai_metadata", json.dumps(meta))])
    out["invokeai.png"] = expect("png", "invokeai", prompt=meta["positive_prompt"],
                                 negativePrompt=meta["negative_prompt"], model="Juggernaut XL v9",
                                 seed=1618033988, steps=32, guidance=6.75, sampler="dpmpp_2m_k")


def write_novelai(root, out):
    prompt = "{{masterpiece}}, best quality, 1girl, silver hair,\nstarry sky, (night:1.1), paper lanterns"
    negative = "lowres, bad hands, (worst quality:1.4),\nmissing fingers"
    source = "NovelAI Diffusion V3 4BDE2A90"
    comment = {"prompt": prompt, "uc": negative, "steps": 28, "scale": 5.0, "seed": 1902456781,
               "sampler": "k_euler_ancestral", "width": W, "height": H, "n_samples": 1,
               "noise_schedule": "native", "request_type": "PromptGenerateRequest"}
    save_png(root / "novelai.png", (250, 220, 230), [
        ("Title", "NovelAI generated image"), ("Description", prompt), ("Software", "NovelAI"),
        ("Source", source), ("Comment", json.dumps(comment))])
    out["novelai.png"] = expect("png", "novelai", prompt=prompt, negativePrompt=negative, model=source,
                                seed=1902456781, steps=28, guidance=5.0, sampler="k_euler_ancestral")


def xmp_packet(title, description, tags):
    items = "".join(f"<rdf:li>{escape(t)}</rdf:li>" for t in tags)
    return ('<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
            '<x:xmpmeta xmlns:x="adobe:ns:meta/">\n'
            ' <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n'
            '  <rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">\n'
            f'   <dc:title><rdf:Alt><rdf:li xml:lang="x-default">{escape(title)}</rdf:li></rdf:Alt></dc:title>\n'
            '   <dc:description><rdf:Alt><rdf:li xml:lang="x-default">'
            f'{escape(description)}</rdf:li></rdf:Alt></dc:description>\n'
            f'   <dc:subject><rdf:Bag>{items}</rdf:Bag></dc:subject>\n'
            '  </rdf:Description>\n </rdf:RDF>\n</x:xmpmeta>\n<?xpacket end="w"?>')


def write_xmp(root, out):
    jpg = ("Harbour lights at dusk", "Long exposure of boats & cranes, Hamburg", ["harbour", "night", "long exposure"])
    png = ("Café in Zürich ☕", "Morning light <through> the window", ["café", "morning", "interior"])
    image((70, 80, 110)).save(root / "xmp.jpg", "JPEG", xmp=xmp_packet(*jpg).encode("utf-8"))
    info = PngImagePlugin.PngInfo()
    info.add_itxt("XML:com.adobe.xmp", xmp_packet(*png))
    image((150, 100, 70)).save(root / "xmp.png", "PNG", pnginfo=info)
    for name, fmt, (title, description, tags) in (("xmp.jpg", "jpeg", jpg), ("xmp.png", "png", png)):
        out[name] = expect(fmt, "xmp", title=title, description=description, tags=tags)


def iptc_segment(title, caption, keywords):
    """APP13 'Photoshop 3.0' segment holding one 8BIM 0x0404 IPTC-IIM resource."""
    def dataset(record, number, value):
        return struct.pack(">BBBH", 0x1C, record, number, len(value)) + value
    iim = (dataset(1, 90, b"\x1b%G") + dataset(2, 0, b"\x00\x04") + dataset(2, 5, title.encode())
           + dataset(2, 120, caption.encode()) + b"".join(dataset(2, 25, k.encode()) for k in keywords))
    resource = b"8BIM" + struct.pack(">H", 0x0404) + b"\x00\x00" + struct.pack(">I", len(iim)) + iim
    payload = b"Photoshop 3.0\x00" + resource + b"\x00" * (len(iim) % 2)
    return b"\xff\xed" + struct.pack(">H", len(payload) + 2) + payload


def write_iptc(root, out):
    title, caption = "Glacier tongue", "Aerial view of a glacier, Vatnajökull (Iceland)"
    tags = ["glacier", "ice", "航空写真"]
    buf = io.BytesIO()
    image((200, 220, 240)).save(buf, "JPEG")
    data = buf.getvalue()
    # after SOI, and after the JFIF APP0 segment Pillow writes (JFIF wants APP0 first)
    pos = 4 + struct.unpack(">H", data[4:6])[0] if data[2:4] == b"\xff\xe0" else 2
    (root / "iptc.jpg").write_bytes(data[:pos] + iptc_segment(title, caption, tags) + data[pos:])
    out["iptc.jpg"] = expect("jpeg", "iptc", title=title, description=caption, tags=tags)


def write_sidecar_and_eagle(root, out):
    save_png(root / "plain.png", (120, 120, 120), [])
    prompt = "a paper boat on a puddle, (macro:1.2),\nreflections of city lights"
    (root / "plain.txt").write_text(prompt + "\n", encoding="utf-8")
    out["plain.png"] = expect("png", "sidecar-text", prompt=prompt)

    folder = root / EAGLE_DIR
    save_png(folder / "sunset.png", (250, 160, 60), [])
    save_png(folder / "sunset_thumbnail.png", (250, 160, 60), [])
    meta = {"id": "KABCDEF12345", "name": "Sunset over dunes", "size": (folder / "sunset.png").stat().st_size,
            "btime": 1717171717000, "mtime": 1717171718000, "ext": "png", "tags": ["desert", "sunset"],
            "folders": [], "isDeleted": False, "url": "", "annotation": "Golden hour test",
            "modificationTime": 1717171719000, "width": W, "height": H, "palettes": []}
    (folder / "metadata.json").write_text(json.dumps(meta, indent=2), encoding="utf-8")
    out[f"{EAGLE_DIR}/sunset.png"] = expect("png", "eagle", title=meta["name"],
                                            description=meta["annotation"], tags=meta["tags"])


def cmd_write(root):
    root.mkdir(parents=True, exist_ok=True)
    out = {}
    for writer in (write_a1111, write_fooocus, write_comfyui, write_invokeai, write_novelai,
                   write_xmp, write_iptc, write_sidecar_and_eagle):
        writer(root, out)
    save_png(root / "broken.png", (10, 10, 10), [
        ("parameters", "banana umbrella quantum\nnothing here looks like settings"),
        ("invokeai_metadata", '{"positive_prompt": "x",')])
    out["__ignored__"] = [f"{EAGLE_DIR}/sunset_thumbnail.png"]
    out["__broken__"] = ["broken.png"]
    (root / "expected.json").write_text(json.dumps(out, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def sdparsers_fields(info):
    keys = ("generator", "prompt", "negativePrompt", "seed", "steps", "guidance", "sampler", "model", "modelHash")
    if info is None:
        return dict.fromkeys(keys)
    sampler = info.samplers[0] if info.samplers else None
    params = {**info.metadata, **(sampler.parameters if sampler else {})}  # NovelAI keeps steps in metadata
    model = next((s.model for s in info.samplers if s.model), None)

    def number(key, kind):
        try:
            return kind(params[key])
        except (KeyError, TypeError, ValueError):
            return params.get(key)
    return dict(zip(keys, (
        info.generator.value.lower(),
        ", ".join(p.value for p in info.prompts) or None,
        ", ".join(p.value for p in info.negative_prompts) or None,
        number("seed", int), number("steps", int), number("cfg_scale", float),
        sampler.name if sampler else None, model and model.name, model and model.hash)))


def cmd_sdparsers(files):
    from sd_parsers import ParserManager
    manager, result = ParserManager(), {}
    for name in files:
        try:
            result[name] = sdparsers_fields(manager.parse(name))
        except Exception as error:  # report per file, keep going
            result[name] = {"error": f"{type(error).__name__}: {error}"}
    print(json.dumps(result, indent=2))


def parse_json(text):
    try:
        return json.loads(text)
    except ValueError:
        return None


def flatten(value):
    """All strings and numbers inside a JSON value, as strings."""
    if isinstance(value, (dict, list)):
        return [s for v in (value.values() if isinstance(value, dict) else value) for s in flatten(v)]
    return [] if value is None else [str(value)]


def raw_texts(path, im):
    """Every metadata text Pillow (or the file system) exposes for this image, JSON unpacked."""
    texts = list(getattr(im, "text", {}).values())
    comment = im.getexif().get_ifd(EXIF_IFD).get(USER_COMMENT)
    if comment:
        assert comment.startswith(b"UNICODE\0"), "UserComment lacks the UNICODE prefix"
        texts.append(comment[8:].decode("utf-16-be"))
    if "xmp" in im.info:
        xmp = im.info["xmp"]
        texts += ET.fromstring(xmp.encode() if isinstance(xmp, str) else xmp).itertext()
    for value in ((IptcImagePlugin.getiptcinfo(im) if im.format == "JPEG" else None) or {}).values():
        texts += [v.decode() for v in (value if isinstance(value, list) else [value])]
    for sidecar in (path.with_suffix(".txt"), path.parent / "metadata.json"):
        if sidecar.exists():
            texts.append(sidecar.read_text(encoding="utf-8"))
    return texts + [s for t in texts for s in flatten(parse_json(t))]


RAW_CHECKS = {  # what Pillow must see beyond the expected values themselves
    "fooocus": lambda im: im.text["fooocus_scheme"] == "fooocus",
    "comfyui": lambda im: parse_json(im.text["workflow"])["links"],
    "novelai": lambda im: im.text["Software"] == "NovelAI",
    "sidecar-text": lambda im: not im.text,
    "eagle": lambda im: not im.text,
}


def check_file(path, fields):
    with Image.open(path) as im:
        assert im.size == (fields["width"], fields["height"]), f"size {im.size}"
        assert im.format.lower() == fields["format"], f"format {im.format}"
        assert RAW_CHECKS.get(fields["generator"], bool)(im), "raw metadata check failed"
        if path.name == "a1111-unicode.png":
            assert isinstance(im.text["parameters"], PngImagePlugin.iTXt), "expected an iTXt chunk"
        hay = "\n".join(raw_texts(path, im))
    for key, value in fields.items():
        if key not in ("width", "height", "format", "generator"):
            for v in (value if isinstance(value, list) else [value]):
                assert str(v) in hay, f"{key} {v!r} not found"


def cmd_check(root):
    expected = json.loads((root / "expected.json").read_text(encoding="utf-8"))
    for name in expected.pop("__ignored__") + expected.pop("__broken__"):
        assert (root / name).exists(), f"missing {name}"
    with Image.open(root / "broken.png") as im:
        assert parse_json(im.text["invokeai_metadata"]) is None, "broken.png holds valid JSON"
    for name, fields in expected.items():
        try:
            check_file(root / name, fields)
        except (AssertionError, KeyError, ValueError) as error:
            sys.exit(f"{name}: {type(error).__name__}: {error}")
    print(f"ok {len(expected)} files")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("write").add_argument("dir", type=Path)
    commands.add_parser("sdparsers").add_argument("files", nargs="+")
    commands.add_parser("check").add_argument("dir", type=Path)
    args = parser.parse_args()
    if args.command == "write":
        cmd_write(args.dir)
    elif args.command == "sdparsers":
        cmd_sdparsers(args.files)
    else:
        cmd_check(args.dir)


if __name__ == "__main__":
    main()
