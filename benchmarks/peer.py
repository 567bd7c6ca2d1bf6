"""The peer of a benchmark: another commit's code, extracted beside this checkout.

Every benchmark compares this checkout with a named earlier commit in the same
run. The peer is ``reference``'s merge base with ``HEAD`` (the code this branch
started from; ``reference`` itself when there is none), written out with
``git archive`` so that it is imported instead of the working tree.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


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
