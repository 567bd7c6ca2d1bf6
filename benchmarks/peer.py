"""The peer of a benchmark: another commit's code, extracted beside this checkout.

Every benchmark compares this checkout with a named earlier commit in the same
run. The peer is ``reference``'s merge base with ``HEAD`` (the code this branch
started from; ``reference`` itself when there is none), written out with
``git archive`` so that it is imported instead of the working tree.
"""

from __future__ import annotations

import json
import os
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
