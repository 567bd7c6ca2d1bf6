"""Arrow's memory pool of a build (:mod:`timeline.arrow_pool`): jemalloc unless the user
names one, and the same output whichever pool made it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pytest
from folders import snapshot

from timeline.arrow_pool import ENVIRONMENT

CHOSEN = (
    "import pyarrow as pa; from timeline.arrow_pool import use_build_pool;"
    "print(use_build_pool(), use_build_pool(), pa.default_memory_pool().backend_name)"
)
NEW_DOCUMENT = "上海市纺织协会简报\n2025年4月8日，上海市纺织协会召开会员大会。\n"


def _has(pool: str) -> bool:
    try:
        getattr(pa, f"{pool}_memory_pool")()
    except NotImplementedError:
        return False
    return True


def _environment(pool: str | None) -> dict[str, str]:
    environment = {k: v for k, v in os.environ.items() if k != ENVIRONMENT}
    if pool is not None:
        environment[ENVIRONMENT] = pool
    return environment


def _chosen(pool: str | None) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-c", CHOSEN],
        env=_environment(pool),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


@pytest.mark.skipif(not _has("jemalloc"), reason="this pyarrow has no jemalloc")
def test_a_build_takes_jemalloc_when_no_pool_is_named() -> None:
    assert _chosen(None) == ["jemalloc"] * 3


@pytest.mark.parametrize("pool", ["mimalloc", "system"])
def test_a_pool_the_user_names_is_kept(pool: str) -> None:
    if not _has(pool):
        pytest.skip(f"this pyarrow has no {pool}")
    assert _chosen(pool) == [pool] * 3


def _build(corpus: Path, out: Path, cache: Path, pool: str | None) -> None:
    environment = _environment(pool)
    environment["TIMELINE_SPILL_FROM"] = "0"  # the rows as Arrow tables, as at scale
    environment["SOURCE_DATE_EPOCH"] = "1700000000"
    done = subprocess.run(
        [sys.executable, "-c", "from timeline.cli import app; app()", "--cache-dir", str(cache),
         "--workers", "2", "build", str(corpus), "-o", str(out), "-q"],
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr


@pytest.mark.skipif(not _has("jemalloc"), reason="this pyarrow has no jemalloc")
def test_the_pool_does_not_change_what_a_build_publishes(corpus: Path, tmp_path: Path) -> None:
    """A full build and a rebuild with one document added, each with the cache, publish
    the same bytes with Arrow's jemalloc (the build's own choice) and with mimalloc."""
    sites = {}
    for pool in (None, "mimalloc"):
        name = pool or "default"
        here = tmp_path / name / "corpus"
        shutil.copytree(corpus, here)
        out, cache = tmp_path / name / "public", tmp_path / name / "cache"
        _build(here, out, cache, pool)
        full = snapshot(out)
        (here / "新简报.txt").write_text(NEW_DOCUMENT, encoding="utf-8")
        _build(here, out, cache, pool)
        sites[name] = (full, snapshot(out))
    assert sites["default"][0] == sites["mimalloc"][0]
    assert sites["default"][1] == sites["mimalloc"][1]
    assert sites["default"][0] != sites["default"][1]  # the new document was published
