"""What every test shares: the CLI's per-document cache kept out of the user's home.

The `timeline` command caches per-document results in ``~/.cache/cn-timeline`` by
default; the suite points it (``TIMELINE_CACHE_DIR``) at a folder of its own, so a
test run neither reads a developer's cache nor leaves one behind. Tests of the
cache itself set their own folder.
"""

from __future__ import annotations

import os

import pytest


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
