"""The rebuild shortcut (exports.rebuild): nothing changed renders and touches nothing;
any change of a document, a manifest row, a review, an option or a published file
is built again, and the result is what a fresh build into an empty folder gives.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

import exports.site
from exports.rebuild import STATE, table_fingerprint
from timeline.cli import app

runner = CliRunner()


def build(corpus: Path, out: Path, *extra: str) -> None:
    done = runner.invoke(app, ["--workers", "0", "build", str(corpus), "-o", str(out), *extra])
    assert done.exit_code == 0, done.output


def files(folder: Path) -> dict[str, bytes]:
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def inodes(folder: Path) -> dict[str, tuple[int, int]]:
    """Every file's inode and modification time: what a touched file changes."""
    return {
        path.relative_to(folder).as_posix(): (path.stat().st_ino, path.stat().st_mtime_ns)
        for path in folder.rglob("*")
        if path.is_file()
    }


HISTORY = (b"SEQUENCE:", b"LAST-MODIFIED:", b"DTSTAMP:")


def published(out: Path) -> dict[str, bytes]:
    """The folder's files without what keeps history (the feeds' state, revision stamps)."""
    found = {}
    for name, data in files(out).items():
        if "state.json" in name:
            continue
        if name.endswith(".ics"):
            data = b"".join(
                line for line in data.splitlines(keepends=True) if not line.startswith(HISTORY)
            )
        found[name] = data
    return found


def fresh(corpus: Path, tmp_path: Path, name: str, *extra: str) -> dict[str, bytes]:
    """What a build into an empty folder writes, history left out."""
    build(corpus, tmp_path / name, *extra)
    return published(tmp_path / name)


def test_nothing_changed_renders_nothing_and_touches_no_file(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "public"
    build(corpus, out)
    assert (out / STATE).is_file()
    before, folder = inodes(out), out.stat().st_ino

    def must_not_render(*arguments, **keywords):
        raise AssertionError("rendered although nothing changed")

    for name in ("plan_feeds", "write_feeds", "write_timeline", "write_table_files"):
        monkeypatch.setattr(exports.site, name, must_not_render)
    build(corpus, out)
    assert inodes(out) == before and out.stat().st_ino == folder  # no file, no switch


def test_a_changed_document_is_built_again(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "public"
    build(corpus, out)
    document = corpus / "003_c33f681bf6538398.txt"
    document.write_text(
        document.read_text(encoding="utf-8") + "\n2024年5月1日，协会召开年会。\n", encoding="utf-8"
    )
    build(corpus, out)
    assert "2024年5月1日" in (out / "events.csv").read_text(encoding="utf-8")
    assert published(out) == fresh(corpus, tmp_path, "fresh")


def test_a_changed_manifest_row_is_built_again(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "public"
    build(corpus, out)
    manifest = corpus / "documents.csv"
    manifest.write_text(
        manifest.read_text(encoding="utf-8").replace(
            "004_508937cf9c40d0b3.txt,,,", "004_508937cf9c40d0b3.txt,,测试手工协会,"
        ),
        encoding="utf-8",
    )
    build(corpus, out)
    assert "测试手工协会" in set(pd.read_csv(out / "events.csv")["association"])
    assert published(out) == fresh(corpus, tmp_path, "fresh")


def test_a_changed_review_is_built_again(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "public"
    build(corpus, out)
    rejected = pd.read_csv(out / "events.csv")["event_id"].iloc[0]
    (corpus / "reviews.csv").write_text(f"event_id,status\n{rejected},rejected\n", "utf-8")
    build(corpus, out)
    assert rejected not in set(pd.read_csv(out / "events.csv")["event_id"])
    assert published(out) == fresh(corpus, tmp_path, "fresh")


def test_a_changed_option_is_built_again(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "public"
    build(corpus, out)
    build(corpus, out, "--include-years")
    assert published(out) == fresh(corpus, tmp_path, "fresh", "--include-years")


def test_an_edited_or_missing_published_file_is_written_again(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "public"
    build(corpus, out)
    expected = files(out)
    (out / "index.html").write_text("defaced", encoding="utf-8")
    (out / "events.parquet").unlink()
    build(corpus, out)
    assert files(out) == expected


def test_a_damaged_state_only_costs_a_full_build(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "public"
    build(corpus, out)
    expected = files(out)
    (out / STATE).write_bytes(b"\x00{not json")
    os.utime(out / STATE, ns=(0, 0))
    build(corpus, out)
    assert files(out) == expected


def test_the_fingerprint_sees_every_cell_and_its_type() -> None:
    table = pd.DataFrame({"a": ["1", "x"], "b": [1, 2]})
    seen = {table_fingerprint(table)}
    for changed in (
        table.assign(a=["1", "y"]),
        table.assign(a=[1, "x"]),  # the same text, another type
        table.assign(b=[1, 3]),
        table.rename(columns={"b": "c"}),
        table.iloc[:1],
        table.iloc[::-1].reset_index(drop=True),
    ):
        seen.add(table_fingerprint(changed))
    assert len(seen) == 7
    assert table_fingerprint(table.copy()) == table_fingerprint(table)


def test_one_set_of_row_keys_serves_the_shortcut_and_the_fragments() -> None:
    """exports.row_keys: the rows' keys are made once per table and shared by the rebuild
    shortcut and the kept fragments; a fragment's key tells a None or a number from its
    text (the 64-bit key the fragments had did not: 1 and "1" were one key)."""
    from exports import fragments, row_keys

    table = pd.DataFrame(
        {"event_id": ["e1", "e1", "e1", "e1"], "title": [None, "None", 1, "1"]}, dtype=object
    )
    keys = fragments.row_keys(table)
    assert len({key.tobytes() for key in keys}) == 4
    assert [key.tobytes() for key in keys] == row_keys.row_key_bytes(table)
    assert row_keys.row_keys(table) is row_keys.row_keys(table)  # made once
    assert table_fingerprint(table) == row_keys.table_digest(table)
    changed = table.copy()
    changed.loc[3, "title"] = "2"
    assert (fragments.row_keys(changed)[:3] == keys[:3]).all()
    assert (fragments.row_keys(changed)[3] != keys[3]).any()
    assert table_fingerprint(changed) != table_fingerprint(table)


@pytest.mark.parametrize("long", [False, True], ids=["short: pandas", "long: BLAKE2b"])
def test_texts_are_keyed_from_their_arrow_buffers(long: bool) -> None:
    """A column of long texts (the table's ``sources``) is hashed by BLAKE2b from its Arrow
    buffers, cell by cell, not by pandas; short ones stay pandas'. Either way every cell
    counts, a missing cell is not an empty one, and the keys do not depend on how the
    column's Arrow data is cut in chunks or sliced."""
    import pyarrow as pa

    from exports import row_keys

    text = "来源" * 100 if long else "来源"  # 600 bytes: past row_keys.LONG_TEXT on average
    cells = [text + "1", text + "2", "", None, text + "1"]
    table = pd.DataFrame({"sources": pd.array(cells, dtype=pd.StringDtype("pyarrow"))})
    hashes = row_keys._text_hashes(table["sources"])
    assert (hashes is not None) == long  # BLAKE2b for long texts only
    if long:
        assert hashes[0] == hashes[4] and len(set(hashes.tolist())) == 4  # "" is not missing
    keys = row_keys._made(table)
    assert (keys[0] == keys[4]).all() and len({key.tobytes() for key in keys}) == 4

    for kind in (pa.large_string(), pa.string()):
        halves = pa.chunked_array([pa.array(cells[:2], kind), pa.array(cells[2:], kind)])
        chunked = pd.DataFrame({"sources": pd.Series(pd.arrays.ArrowStringArray(halves))})
        if long:
            assert (row_keys._text_hashes(chunked["sources"]) == hashes).all()
        assert (row_keys._made(chunked) == keys).all()
    sliced = pd.DataFrame({"sources": table["sources"].iloc[1:].reset_index(drop=True)})
    assert (row_keys._made(sliced) == keys[1:]).all()  # a slice's offsets are its own
    assert row_keys._text_hashes(table["sources"].astype(object)) is None  # pandas' hashes
