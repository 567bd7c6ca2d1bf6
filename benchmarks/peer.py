"""The peer of a benchmark: another commit's code, extracted beside this checkout.

Every benchmark compares this checkout with a named earlier commit in the same
run. The peer is ``reference``'s merge base with ``HEAD`` (the code this branch
started from; ``reference`` itself when there is none), written out with
``git archive`` so that it is imported instead of the working tree.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
#: The head of a rebuild benchmark's child code: the table ``{table}`` read, and
#: ``smaller`` its rows without its last ``{drop}`` documents by name (the 99 % of
#: a +1 % rebuild). Format it with the rest of the child's code.
SMALLER_TABLE = """
from pathlib import Path
from timeline.schema import read_table

table = read_table(Path({table!r}))
documents = sorted(table["doc"].astype(str).unique())
keep = set(documents[: len(documents) - {drop}])
smaller = table[table["doc"].astype(str).isin(keep)].reset_index(drop=True)
"""


def peer_code(reference: str, folder: Path) -> Path:
    """The code of ``reference`` (its merge base with this checkout) under ``folder``."""
    base = subprocess.run(
        ["git", "merge-base", "HEAD", reference], cwd=REPO, capture_output=True, text=True
    )
    commit = base.stdout.strip() or reference
    folder.mkdir(parents=True, exist_ok=True)
    archive = subprocess.run(["git", "archive", commit], cwd=REPO, capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive.stdout, check=True)
    return folder


def run_json(source: Path, code: str, what: str = "") -> dict:
    """Run ``code`` in a fresh Python importing ``source``; the JSON of its last line.

    A fresh process per measurement keeps one tree's imports and caches out of the
    other's figures. A failing child stops the benchmark with the end of its stderr.
    """
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=source,
        env=dict(os.environ, PYTHONPATH=str(source)),
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"{what or source} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def rebuild_arguments(
    description: str, drop_help: str
) -> tuple[argparse.Namespace, Path, Path, int]:
    """The command line of the +1 % rebuild benchmarks: the table, the work folder
    (emptied), ``--peer``, ``--rounds`` and ``--drop``, the documents the rebuild adds
    (1 % of the table's by default). Returns the arguments, the table's resolved path,
    the work folder and the number of documents dropped."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("table", type=Path)
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--peer", default="main", help="a git reference to compare with")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--drop", type=int, default=0, help=drop_help)
    arguments = parser.parse_args()
    work, table = arguments.work, arguments.table.resolve()
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    drop = arguments.drop
    if not drop:
        import pandas as pd

        drop = max(1, pd.read_parquet(table, columns=["doc"])["doc"].nunique() // 100)
    return arguments, table, work, drop
