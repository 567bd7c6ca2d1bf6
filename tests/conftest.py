"""What every test shares: the CLI's per-document cache kept out of the user's home,
and a writable copy of the sample corpus.

The `timeline` command caches per-document results in ``~/.cache/cn-timeline`` by
default; the suite points it (``TIMELINE_CACHE_DIR``) at a folder of its own, so a
test run neither reads a developer's cache nor leaves one behind. Tests of the
cache itself set their own folder.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "corpus"


@pytest.fixture(autouse=True, scope="session")
def _private_cache(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("timeline-cache")
    previous = os.environ.get("TIMELINE_CACHE_DIR")
    os.environ["TIMELINE_CACHE_DIR"] = str(folder)
    yield folder
    if previous is None:
        os.environ.pop("TIMELINE_CACHE_DIR", None)
    else:
        os.environ["TIMELINE_CACHE_DIR"] = previous


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """A copy of the sample corpus (``data/corpus``) to build from or change.

    Test modules that need another corpus define their own ``corpus`` fixture.
    """
    folder = tmp_path / "corpus"
    shutil.copytree(SAMPLE, folder)
    return folder
