"""Time to turn 1,000 documents into the event table, against jionlp on the same files.

The five sample documents are copied under distinct names (``copy-0001-000_….txt``)
into a temporary folder with a manifest, until there are ``--documents`` of them,
then ``timeline.table.build_events`` reads and processes every one of them (files
read from disk, dates resolved, boilerplate, associations, titles, the table).
The named peer is jionlp's time extraction over the texts of the same files (read
from disk too) — date extraction only, no table — on ``--peer-documents`` of them,
so the ratio is documents per second against documents per second.

Run ``python benchmarks/build_table.py`` (``pip install -e '.[bench]'`` first).
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import logging
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "data" / "corpus"
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))


def replicate(folder: Path, documents: int) -> list[Path]:
    """Copies of the sample corpus under distinct names, with their manifest rows."""
    sources = sorted(CORPUS.glob("*.txt"))
    with (CORPUS / "documents.csv").open(encoding="utf-8") as handle:
        manifest = {row["file"]: row for row in csv.DictReader(handle)}
    rows, paths = [], []
    for number in range(documents):
        source = sources[number % len(sources)]
        name = f"copy-{number // len(sources):04d}-{source.name}"
        shutil.copyfile(source, folder / name)
        paths.append(folder / name)
        if source.name in manifest:
            rows.append({**manifest[source.name], "file": name})
    with (folder / "documents.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(
            handle, fieldnames=["file", "published", "association", "title", "url"]
        )
        writer.writeheader()
        writer.writerows(rows)
    return paths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--documents", type=int, default=1000)
    parser.add_argument("--peer-documents", type=int, default=100)
    args = parser.parse_args(argv)

    from timeline.documents import read_text
    from timeline.table import build_events

    with contextlib.redirect_stdout(io.StringIO()):
        try:
            import jionlp
        except ImportError:
            raise SystemExit("error: jionlp is not installed: pip install -e '.[bench]'") from None
    logging.disable(logging.WARNING)

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        paths = replicate(folder, args.documents)
        started = time.perf_counter()
        result = build_events([folder])
        ours = time.perf_counter() - started
        peer_paths = paths[: args.peer_documents]
        started = time.perf_counter()
        found = 0
        for path in peer_paths:
            found += len(jionlp.ner.extract_time(read_text(path), time_base=1694131200))
        theirs = time.perf_counter() - started

    ours_rate = args.documents / ours
    theirs_rate = len(peer_paths) / theirs
    print(f"documents: {args.documents} (the sample corpus copied under distinct names)")
    print(f"{'tool':<34} {'documents':>9} {'seconds':>8} {'docs/s':>8} {'found':>7}")
    print(
        f"{'timeline build_events (table)':<34} {args.documents:>9} {ours:>8.2f} {ours_rate:>8.1f} {len(result.table):>7}"
    )
    print(
        f"{'jionlp.ner.extract_time (dates)':<34} {len(peer_paths):>9} {theirs:>8.2f} {theirs_rate:>8.1f} {found:>7}"
    )
    print(
        f"build_events is {ours_rate / theirs_rate:.1f}x jionlp's documents per second; errors: {len(result.errors)}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
