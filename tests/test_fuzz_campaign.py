"""The long fuzz campaign (``benchmarks/fuzz_campaign.py``) still runs, and its inputs reproduce.

The campaign is outside CI (a million examples take an hour of CPU), but its
generators (``benchmarks/fuzz_inputs.py``) build on the tables of the property
tests here, so a change to those could break it unnoticed. A short run of every
property checks that it works end to end and counts honestly; the same seed,
property and index must give the same bytes in another process at another
time, else ``--reproduce`` would replay a different input. CI also puts a few
dozen of the campaign's malformed zip and PDF structures and damaged review
sheets through the readers, seeded by hypothesis.
"""

from __future__ import annotations

import hashlib
import random
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_fuzz_readers import READERS, check_document, check_reviews

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "benchmarks"))

import fuzz_campaign  # noqa: E402
import fuzz_inputs  # noqa: E402


@pytest.fixture(scope="module")
def pools() -> dict[str, list[bytes]]:
    return {"docx": fuzz_inputs.docx_pool(3, size=4), "xlsx": fuzz_inputs.xlsx_pool(3, size=4)}


def test_a_short_campaign_runs_every_property_and_counts_each_example(tmp_path) -> None:
    result = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "fuzz_campaign.py"), "--examples", "120"]
        + ["--seed", "7", "--failures", str(tmp_path / "failures")],
        capture_output=True,
        text=True,
        timeout=600,
    )
    out = result.stdout
    assert result.returncode == 0, out + result.stderr
    summary = out[out.index("Fuzz campaign:") :].splitlines()
    counts = {
        name: int(line.split()[-4])
        for line in summary
        for name in fuzz_campaign.PROPERTIES
        if line.strip().startswith(name)
    }
    assert set(counts) == set(fuzz_campaign.PROPERTIES), out
    assert all(count >= 1 for count in counts.values()), counts
    assert sum(counts.values()) == 120
    assert "Distinct failures: 0" in out


_DIGEST = """
import hashlib, sys
sys.path[:0] = [{benchmarks!r}, {tests!r}, {repo!r}]
import fuzz_campaign as c, fuzz_inputs as f
pools = {{"docx": f.docx_pool(11, size=3), "xlsx": f.xlsx_pool(11, size=3)}}
for name in ("documents: load_document", "reviews: load_reviews"):
    for index in range(40):
        suffix, data = c.PROPERTIES[name][0](c.example_rng(11, name, index), pools)
        print(name, index, suffix, hashlib.sha256(data).hexdigest())
"""


def test_the_same_seed_and_index_give_the_same_bytes_in_another_process() -> None:
    """Pools of .docx and .xlsx carry no clock (python-docx and openpyxl stamp one)."""
    script = _DIGEST.format(
        benchmarks=str(REPO / "benchmarks"), tests=str(REPO / "tests"), repo=str(REPO)
    )
    runs = []
    for attempt in range(2):
        if attempt:
            time.sleep(2.1)  # zip times have a resolution of two seconds
        result = subprocess.run(
            [sys.executable, "-c", script], capture_output=True, text=True, check=True
        )
        runs.append(result.stdout)
    assert runs[0] == runs[1]
    assert len(set(runs[0].split()[3::4])) > 40  # and they are not all one input


@READERS
@given(seed=st.integers(0, 2**32))
def test_malformed_zip_and_pdf_structures_give_a_document_or_a_document_error(
    tmp_path_factory, pools, seed
) -> None:
    suffix, data = fuzz_inputs.document_input(random.Random(seed), pools["docx"])
    check_document(tmp_path_factory.mktemp("doc"), suffix, data)


@READERS
@given(seed=st.integers(0, 2**32))
def test_damaged_review_sheets_give_reviews_or_a_review_error(
    tmp_path_factory, pools, seed
) -> None:
    suffix, data = fuzz_inputs.review_input(random.Random(seed), pools["xlsx"])
    check_reviews(tmp_path_factory.mktemp("rev"), suffix, data)


def test_the_malformed_zips_are_zips_with_hostile_fields(pools) -> None:
    """The generator does what it says: the header fields change, the zip stays a zip."""
    rng = random.Random(5)
    base = pools["docx"][0]
    changed = {hashlib.sha256(fuzz_inputs.malformed_zip(rng, base)).digest() for _ in range(30)}
    assert len(changed) > 20
    assert all(fuzz_inputs.malformed_zip(rng, base)[:2] == b"PK" for _ in range(10))
