"""Build the captioned-drawings corpus: render every drawing, write the caption table.

    python -m rnnzoo.applications.image_captioning.prepare_drawings            # all sources found
    python -m rnnzoo.applications.image_captioning.prepare_drawings --sources openmoji twemoji

What it reads (install what you want; a missing source is skipped with a note):

    openclipart  sudo apt-get install openclipart-svg librsvg2-bin wamerican
    tuxpaint     sudo apt-get install tuxpaint-stamps-default librsvg2-bin
    openmoji     npm pack openmoji@17.0.0                  (done for you when npm is on the PATH)
    twemoji      npm pack emoji-datasource-twitter@16.0.0  (idem)
    noto         npm pack emoji-datasource-google@16.0.0   (idem)

SVG is rendered by librsvg's `rsvg-convert`. Everything lands in the data cache
($RNNZOO_CACHE_DIR/drawings, default ~/.cache/rnnzoo/drawings), never in git:
`images/<style>/<name>.png` (RENDER_SIZE px, aspect kept, transparent
padding) and `drawings.jsonl`, one record per drawing (see drawings.py). A
rerun renders only what is missing, so an interrupted build resumes.
"""

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from rnnzoo.applications.common.arguments import positive_int  # noqa: E402
from rnnzoo.applications.image_captioning import drawings  # noqa: E402

RENDER_SIZE = 96  # pixels per side of the cached images; training resizes them
WORKERS = 2  # rsvg-convert processes at once
OPENCLIPART_DIR = Path("/usr/share/openclipart/svg")
TUXPAINT_DIR = Path("/usr/share/tuxpaint/stamps")
NPM_PACKAGES = {
    "openmoji": ("openmoji", "17.0.0"),
    "twemoji": ("emoji-datasource-twitter", "16.0.0"),
    "noto": ("emoji-datasource-google", "16.0.0"),
}
SOURCES = ("openclipart", "tuxpaint", "openmoji", "twemoji", "noto")
INSTALL = {
    "openclipart": "sudo apt-get install openclipart-svg librsvg2-bin wamerican",
    "tuxpaint": "sudo apt-get install tuxpaint-stamps-default librsvg2-bin",
    **{style: f"npm pack {name}@{version} (needs npm)" for style, (name, version) in NPM_PACKAGES.items()},
}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description="Render the captioned drawings and write their caption table.")
    parser.add_argument("--folder", help="output folder (default: the data cache's drawings/)")
    parser.add_argument("--sources", nargs="+", default=list(SOURCES), choices=SOURCES)
    parser.add_argument("--openclipart-dir", default=str(OPENCLIPART_DIR))
    parser.add_argument("--tuxpaint-dir", default=str(TUXPAINT_DIR))
    parser.add_argument("--npm-dir", help="where the npm packages are unpacked (default: FOLDER/npm)")
    parser.add_argument("--limit", type=positive_int, help="at most this many drawings per source (for a quick look)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    return parser.parse_args(argv)


# ---------------------------------------------------------------------------
# Sources: each yields items {id, source, style, origin, title, description, keywords, creator, category, group, emoji}.
# ---------------------------------------------------------------------------
def _first(pattern, text):
    match = re.search(pattern, text, re.S)
    return re.sub(r"<[^>]+>|\s+", " ", match.group(1)).strip() if match else ""


def svg_metadata(path):
    """Title, description, keywords and author from an SVG's RDF metadata (Openclipart's layout)."""
    head = Path(path).read_bytes()[:60000].decode("utf-8", errors="replace")
    creator = _first(r"<dc:creator>.*?<dc:title>(.*?)</dc:title>", head)
    work = re.sub(r"<cc:Agent.*?</cc:Agent>", " ", head, flags=re.S)
    subject = _first(r"<dc:subject>(.*?)</dc:subject>", head.replace("<rdf:li>", "<rdf:li>|"))
    keywords = [k.strip() for k in subject.split("|") if k.strip()]
    return {"title": _first(r"<dc:title>(.*?)</dc:title>", work), "description": _first(r"<dc:description>(.*?)</dc:description>", work),
            "keywords": keywords, "creator": creator}


def openclipart_items(root):
    """One item per distinct SVG file (symlinks and copies in several categories counted once)."""
    root = Path(root)
    by_content = {}
    for path in sorted(root.rglob("*.svg")):
        real = path.resolve()
        digest = hashlib.sha256(real.read_bytes()).hexdigest()[:16]
        category = str(path.parent.relative_to(root))
        if digest in by_content:
            by_content[digest]["categories"].append(category)
            continue
        by_content[digest] = {"path": real, "categories": [category]}
    for digest, found in by_content.items():
        meta = svg_metadata(found["path"])
        leaves = [c.rsplit("/", 1)[-1].replace("_", " ") for c in found["categories"]]
        yield {"id": f"openclipart/{digest}", "source": "openclipart", "style": "openclipart", "origin": str(found["path"]),
               "title": meta["title"] or found["path"].stem, "description": meta["description"],
               "keywords": meta["keywords"] + leaves, "creator": meta["creator"], "category": found["categories"][0],
               "file_name": found["path"].stem,
               "group": digest, "emoji": False}


def tuxpaint_items(root):
    """Stamps with an English first line in their .txt; the PNG if there is one, else the SVG."""
    root = Path(root)
    for text in sorted(root.rglob("*.txt")):
        image = next((text.with_suffix(s) for s in (".png", ".svg") if text.with_suffix(s).is_file()), None)
        lines = text.read_text(encoding="utf-8", errors="replace").splitlines()
        if image is None or not lines or "=" in lines[0]:
            continue
        category = str(text.parent.relative_to(root))
        name = re.sub(r"[^A-Za-z0-9_-]+", "_", str(text.relative_to(root).with_suffix("")))
        yield {"id": f"tuxpaint/{name}", "source": "tuxpaint", "style": "tuxpaint", "origin": str(image),
               "title": "", "caption": lines[0], "description": "", "keywords": category.split("/"), "creator": "",
               "category": category, "group": name, "emoji": False}


def _key(hexcode):
    """Emoji code points without variation selectors, upper case: how the sets are matched."""
    return "-".join(p for p in hexcode.upper().split("-") if p != "FE0F")


def openmoji_names(package):
    """{code key: (CLDR name, tags)} from OpenMoji's data file: names for every emoji set."""
    data = json.loads((Path(package) / "data" / "openmoji.json").read_text(encoding="utf-8"))
    names = {}
    for entry in data:
        tags = [t.strip() for t in f"{entry.get('tags', '')},{entry.get('openmoji_tags', '')}".split(",") if t.strip()]
        names[_key(entry["hexcode"])] = (entry["annotation"], tags, entry.get("group", ""))
    return names


def openmoji_items(package):
    package = Path(package)
    files = {_key(p.stem): p for p in sorted((package / "color" / "svg").glob("*.svg"))}
    for key, (name, tags, group) in openmoji_names(package).items():
        if group == "component" or not name or key not in files:
            continue
        yield {"id": f"openmoji/{key}", "source": "emoji", "style": "openmoji", "origin": str(files[key]), "title": name,
               "description": "", "keywords": tags, "creator": "", "category": group, "group": f"openmoji/{key}", "emoji": True}


def emoji_datasource_items(package, style, names):
    """Twemoji or Noto images of emoji-datasource (64 px PNG), named through OpenMoji's CLDR names."""
    package = Path(package)
    folder = {"twemoji": "twitter", "noto": "google"}[style]
    for entry in json.loads((package / "emoji.json").read_text(encoding="utf-8")):
        variants = [entry] + list((entry.get("skin_variations") or {}).values())
        for variant in variants:
            path = package / "img" / folder / "64" / variant["image"]
            key = _key(variant["unified"])
            if not variant.get(f"has_img_{folder}", True) or not path.is_file() or entry.get("category") == "Component":
                continue
            name, tags, _ = names.get(key, (entry["name"].lower(), [], ""))
            short = [w for s in entry.get("short_names", []) for w in re.split(r"[_-]", s)]
            yield {"id": f"{style}/{key}", "source": "emoji", "style": style, "origin": str(path), "title": name,
                   "description": "", "keywords": tags + short, "creator": "", "category": entry.get("category", ""),
                   "group": f"{style}/{key}", "emoji": True}


def npm_package(style, npm_dir):
    """The unpacked folder of a style's npm package, fetched with `npm pack` when missing; None if unavailable."""
    name, version = NPM_PACKAGES[style]
    target = Path(npm_dir) / f"{name}-{version}"
    if (target / "package" / "package.json").is_file():
        return target / "package"
    npm = shutil.which("npm")
    if npm is None:
        return None
    Path(npm_dir).mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=npm_dir) as scratch:
        result = subprocess.run([npm, "pack", f"{name}@{version}", "--silent"], cwd=scratch, capture_output=True, text=True)
        archives = list(Path(scratch).glob("*.tgz"))
        if result.returncode != 0 or not archives:
            print(f"note: npm pack {name}@{version} failed: {(result.stderr or result.stdout).strip()[:200]}", file=sys.stderr)
            return None
        unpacked = Path(scratch) / "unpacked"
        with tarfile.open(archives[0]) as archive:
            archive.extractall(unpacked, filter="data")
        unpacked.replace(target)
    return target / "package"


def collect(args, folder):
    """All items of the sources asked for and found; a note for each one missing."""
    items, npm_dir = [], Path(args.npm_dir or folder / "npm")
    names = None
    for source in args.sources:
        if source == "openclipart":
            found = Path(args.openclipart_dir).is_dir() and shutil.which("rsvg-convert")
            source_items = openclipart_items(args.openclipart_dir) if found else None
        elif source == "tuxpaint":
            found = Path(args.tuxpaint_dir).is_dir()
            source_items = tuxpaint_items(args.tuxpaint_dir) if found else None
        else:
            package = npm_package(source, npm_dir)
            if source != "openmoji" and names is None:
                openmoji = npm_package("openmoji", npm_dir)
                names = openmoji_names(openmoji) if openmoji else {}
            if source == "openmoji":
                source_items = openmoji_items(package) if package and shutil.which("rsvg-convert") else None
            else:
                source_items = emoji_datasource_items(package, source, names) if package else None
        if source_items is None:
            print(f"note: {source} skipped: not installed (install with: {INSTALL[source]})", file=sys.stderr)
            continue
        taken = [item for _, item in zip(range(args.limit or 10**9), source_items)]
        print(f"{source}: {len(taken)} drawings")
        items += taken
    return items


# ---------------------------------------------------------------------------
# Rendering and the table.
# ---------------------------------------------------------------------------
def image_path(item):
    return Path("images") / item["style"] / (re.sub(r"[^A-Za-z0-9_.-]+", "_", item["id"].split("/", 1)[1]) + ".png")


def render(item, folder):
    """Write the item's RENDER_SIZE PNG (through a temporary file); None when done, else why it failed."""
    from rnnzoo.applications.image_captioning import augment, data

    target = folder / image_path(item)
    if target.is_file():
        return None
    target.parent.mkdir(parents=True, exist_ok=True)
    origin = Path(item["origin"])
    with tempfile.TemporaryDirectory(dir=target.parent) as scratch:
        source = origin
        if origin.suffix.lower() == ".svg":
            source = Path(scratch) / "render.png"
            command = ["rsvg-convert", "-w", str(RENDER_SIZE), "-h", str(RENDER_SIZE), "-a", "-o", str(source), str(origin)]
            try:
                result = subprocess.run(command, capture_output=True, text=True, timeout=60)
            except subprocess.TimeoutExpired:
                return "rsvg-convert took over 60 s"
            if result.returncode != 0 or not source.is_file():
                return f"rsvg-convert failed: {result.stderr.strip()[:120]}"
        try:
            rgba = augment.read_rgba(source, RENDER_SIZE)
        except ValueError as error:
            return str(error)
        if rgba[..., 3].max() < 16:
            return "blank rendering (nothing opaque)"
        data.write_png(target, rgba)
    return None


def record(item, combinations):
    captions = drawings.reference_captions(item["title"], item["description"], item["keywords"], item["creator"],
                                           item["emoji"], item.get("caption", ""), item.get("file_name", ""))
    if not captions:
        return None
    attributes = drawings.emoji_attributes(item["title"]) if item["emoji"] else None
    entry = {
        "id": item["id"], "source": item["source"], "style": item["style"], "image": str(image_path(item)),
        "captions": captions, "objects": drawings.object_words(captions, item["keywords"], item["category"]),
        "attributes": attributes, "group": item["group"],
    }
    entry["split"] = drawings.assign_split(entry, combinations)
    return entry


def write_table(folder, records):
    table = folder / "drawings.jsonl"
    partial = table.with_name(".drawings.jsonl.partial")
    partial.write_text("".join(json.dumps(r, sort_keys=True) + "\n" for r in records), encoding="utf-8")
    partial.replace(table)
    return table


def build(args):
    import keras

    folder = Path(args.folder or drawings.default_folder())
    folder.mkdir(parents=True, exist_ok=True)
    if not drawings.english_words():
        print(f"note: {drawings.DICTIONARY} not found (sudo apt-get install wamerican): every title counts as English",
              file=sys.stderr)
    items = collect(args, folder)
    if not items:
        raise ValueError(f"no drawings found in any of the sources {args.sources}: install one (see --help)")
    bar = None if args.quiet else keras.utils.Progbar(len(items), unit_name="drawing")
    failures = {}
    with ThreadPoolExecutor(WORKERS) as pool:
        for k, (item, failure) in enumerate(zip(items, pool.map(lambda i: render(i, folder), items)), 1):
            if failure:
                failures[item["id"]] = failure
            if bar is not None and (k % 50 == 0 or k == len(items)):
                bar.update(k)
    activities = [a["activity"] for i in items if i["emoji"] for a in [drawings.emoji_attributes(i["title"])] if a]
    combinations = drawings.held_out_combinations(activities)
    records = [r for i in items if i["id"] not in failures for r in [record(i, combinations)] if r]
    table = write_table(folder, records)
    counts = {split: sum(r["split"] == split for r in records) for split in drawings.SPLITS}
    print(f"{len(records)} captioned drawings in {table} ({len(failures)} could not be rendered, "
          f"{len(items) - len(failures) - len(records)} had no English caption): {counts}")
    return records


def main(argv=None):
    try:
        return build(parse_args(argv))
    except (ValueError, FileNotFoundError, OSError) as error:
        sys.exit(f"prepare_drawings: error: {error}")


if __name__ == "__main__":
    main()
