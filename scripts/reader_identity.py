"""Check that a change to the page reader leaves its output unchanged, page for page.

A speed-up of the reader must read every page exactly as before. This writes a fixed set of
pages once (seeded generators: A4 200 dpi JPEGs, 640x480 camera frames, chalkboards, screens and
negatives, degraded and turned worksheets, ruled paper, small heavily degraded pages and every
kind of hard page) and reads them, with the real photos of /work/shared/data/real, by the page
reader (scan settings) and the camera's reader. It writes per picture: each reader's result with
confidences at full precision, and the segmenter's candidates (box and a hash of the crop).
Run it once with the old code on the path and once with the new, then compare:

Usage:
    python scripts/reader_identity.py pages DIR                  # write the page set (once)
    PYTHONPATH=<old checkout> python scripts/reader_identity.py read DIR old.json
    PYTHONPATH=<new checkout> python scripts/reader_identity.py read DIR new.json
    python scripts/reader_identity.py compare old.json new.json  # exit 1 on any difference

`read` takes about 20 s. Exit codes: 0 identical (or done), 1 differences, 2 bad arguments.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

REAL_PHOTOS = Path("/work/shared/data/real")
SUFFIXES = (".png", ".jpg", ".bmp")


def write_pages(folder: Path) -> None:
    """The fixed page set: the same pages for every seed-for-seed run of the generators."""
    from benchmarks.commands import make_a4_pages, write_frames
    from benchmarks.hard_pages import KINDS, write_hard_pages
    from benchmarks.worksheets import WorksheetOptions, load_test_digits, write_worksheets

    bank = load_test_digits()
    make_a4_pages(folder / "a4", 8, 2026)
    (folder / "frames").mkdir(parents=True, exist_ok=True)
    write_frames(folder / "frames", 30, 2026)
    sets = {"chalk": (6, 31, WorksheetOptions(surface="mixed")),
            "mixed": (8, 7, WorksheetOptions(degrade="mixed", turned_rate=0.4)),
            "ruled": (3, 5, WorksheetOptions(degrade="photo", paper="ruled")),
            "small": (6, 9, WorksheetOptions(size=(640, 480), degrade="heavy"))}
    for name, (count, seed, options) in sets.items():
        write_worksheets(folder / name, count, seed, options, bank, progress=False)
    write_hard_pages(folder / "hard", len(KINDS), 11, tuple(KINDS), bank=bank, progress=False)


def read_pages(folder: Path) -> dict:
    """Every picture's readings, keyed by its path."""
    import cv2

    from runtime.camera.cli import build_page_reader
    from runtime.classifier import Classifier
    from runtime.images import to_gray
    from runtime.reading.ink import ink_map
    from runtime.reading.reader import PageReader
    from runtime.reading.segment import find_digits_in

    cv2.setNumThreads(1)
    readers = {"page": PageReader(Classifier.load(threads=1)),
               "camera": build_page_reader(None, threads=1, min_confidence=0.5)}
    paths = sorted(p for p in REAL_PHOTOS.glob("*") if p.suffix in SUFFIXES)
    paths += sorted(p for p in folder.rglob("*") if p.suffix in SUFFIXES)
    readings = {}
    for path in paths:
        gray = to_gray(cv2.imread(str(path), cv2.IMREAD_COLOR))
        entry = {}
        for name, reader in readers.items():
            result = reader.read(gray)
            entry[name] = [[d.digit, repr(float(d.confidence)), [int(v) for v in d.bbox]]
                           for line in result.lines for d in line.digits] + [result.rotation_deg]
        entry["candidates"] = [[[int(v) for v in c.bbox], hashlib.sha1(c.ink.tobytes()).hexdigest()]
                               for c in find_digits_in(ink_map(gray))]
        readings[str(path)] = entry
    return readings


def compare(old: dict, new: dict) -> int:
    """Print every picture whose readings differ; the number of differences."""
    differences = sorted(set(old) ^ set(new))
    for path in differences:
        print(f"only in one file: {path}")
    for path in sorted(set(old) & set(new)):
        for part in old[path]:
            if old[path][part] != new[path].get(part):
                differences.append(path)
                print(f"differs ({part}): {path}")
    print(f"{len(old)} pictures, {len(differences)} differences")
    return len(differences)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("pages", help="write the page set").add_argument("folder", type=Path)
    read = commands.add_parser("read", help="read the page set and the real photos")
    read.add_argument("folder", type=Path)
    read.add_argument("out", type=Path)
    both = commands.add_parser("compare", help="compare two readings")
    both.add_argument("old", type=Path)
    both.add_argument("new", type=Path)
    args = parser.parse_args(argv)
    if args.command == "pages":
        write_pages(args.folder)
        return 0
    if args.command == "read":
        if not args.folder.is_dir():
            parser.error(f"no page set at {args.folder}; write it first with: pages {args.folder}")
        args.out.write_text(json.dumps(read_pages(args.folder)), encoding="utf-8")
        return 0
    for path in (args.old, args.new):
        if not path.is_file():
            parser.error(f"no readings at {path}")
    return 1 if compare(*(json.loads(p.read_text(encoding="utf-8")) for p in (args.old, args.new))) else 0


if __name__ == "__main__":
    sys.exit(main())
