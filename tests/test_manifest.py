"""The user's manifest: publication dates and metadata beside the documents."""

from datetime import date
from pathlib import Path

import pytest

import timeline.manifest
from timeline.documents import expand_paths, resolved
from timeline.manifest import ManifestError, Resolver, default_manifest, load_manifest


def write_manifest(folder: Path, content: str, *, encoding: str = "utf-8") -> Path:
    path = folder / "documents.csv"
    path.write_text(content, encoding=encoding)
    return path


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    (tmp_path / "a.txt").write_text("7月12日,表彰大会在沈阳召开。", encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.txt").write_text("2023年", encoding="utf-8")
    return tmp_path


def test_paths_are_relative_to_the_manifest_folder(corpus: Path) -> None:
    path = write_manifest(
        corpus,
        "file,published,association,title,url\n"
        "a.txt,2022-07-13,辽宁省纺织服装协会,表彰大会,https://example.org/a\n"
        "sub/b.txt,,,,\n",
    )
    manifest = load_manifest(path)
    a = manifest[(corpus / "a.txt").resolve()]
    assert a.published == date(2022, 7, 13)
    assert (a.association, a.title, a.url) == (
        "辽宁省纺织服装协会",
        "表彰大会",
        "https://example.org/a",
    )
    assert manifest[(corpus / "sub" / "b.txt").resolve()].published is None


def test_only_the_file_column_is_required(corpus: Path) -> None:
    manifest = load_manifest(write_manifest(corpus, "file\na.txt\n"))
    assert list(manifest) == [(corpus / "a.txt").resolve()]


def test_excel_bom_header_is_understood(corpus: Path) -> None:
    path = write_manifest(corpus, "file,published\na.txt,2022-07-13\n", encoding="utf-8-sig")
    assert load_manifest(path)[(corpus / "a.txt").resolve()].published == date(2022, 7, 13)


@pytest.mark.parametrize("bad", ["2022-02-30", "2022/07/13", "yesterday"])
def test_bad_date_names_the_manifest_and_line(corpus: Path, bad: str) -> None:
    path = write_manifest(corpus, f"file,published\nsub/b.txt,\na.txt,{bad}\n")
    with pytest.raises(ManifestError) as error:
        load_manifest(path)
    message = str(error.value)
    assert str(path) in message
    assert "line 3" in message
    assert bad in message


def test_unknown_file_names_the_manifest_line_and_file(corpus: Path) -> None:
    path = write_manifest(corpus, "file,published\na.txt,\nmissing.txt,2022-07-13\n")
    with pytest.raises(ManifestError) as error:
        load_manifest(path)
    message = str(error.value)
    assert str(path) in message
    assert "line 3" in message
    assert "missing.txt" in message


def test_missing_file_column_is_an_error(corpus: Path) -> None:
    path = write_manifest(corpus, "name,published\na.txt,2022-07-13\n")
    with pytest.raises(ManifestError, match="'file' column"):
        load_manifest(path)


def test_misspelt_column_is_an_error_not_silently_ignored(corpus: Path) -> None:
    path = write_manifest(corpus, "file,publshed\na.txt,2022-07-13\n")
    with pytest.raises(ManifestError, match="publshed"):
        load_manifest(path)


def test_a_file_listed_twice_is_an_error(corpus: Path) -> None:
    path = write_manifest(corpus, "file\na.txt\n./a.txt\n")
    with pytest.raises(ManifestError, match="line 3.*twice"):
        load_manifest(path)


def test_a_folder_uses_its_documents_csv_by_default(corpus: Path) -> None:
    assert default_manifest(corpus) is None
    path = write_manifest(corpus, "file\na.txt\n")
    assert default_manifest(corpus) == path


def test_the_sample_corpus_supplies_only_the_user_supplied_date() -> None:
    folder = Path(__file__).resolve().parents[1] / "data" / "corpus"
    manifest = load_manifest(folder / "documents.csv")
    supplied = {path.name: meta.published for path, meta in manifest.items() if meta.published}
    assert len(manifest) == 5
    assert supplied == {"002_a982ae3a54d22653.txt": date(2022, 7, 13)}


def test_the_resolver_gives_what_resolved_gives_with_each_folder_resolved_once(
    corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Links to folders and to files, a link loop, an absent file, ``..``, a relative
    path: the same path ``resolved`` gives (the manifest's keys are looked up with it)."""
    (corpus / "linked").symlink_to(corpus / "sub")
    (corpus / "c.txt").symlink_to(corpus / "sub" / "b.txt")
    (corpus / "loop.txt").symlink_to(corpus / "loop.txt")
    monkeypatch.chdir(corpus)
    paths = [
        corpus / "a.txt",
        corpus / "sub" / "b.txt",
        corpus / "linked" / "b.txt",
        corpus / "c.txt",
        corpus / "loop.txt",
        corpus / "absent.txt",
        corpus / "sub" / ".." / "a.txt",
        Path("sub/b.txt"),
        Path("a.txt"),
        corpus / "sub" / "",
    ]
    resolve = Resolver()
    assert [resolve(path) for path in paths] == [resolved(path) for path in paths]
    assert resolve(corpus / "linked" / "b.txt") == corpus.resolve() / "sub" / "b.txt"


def test_a_resolver_told_the_walks_plain_files_answers_as_one_that_asks(corpus: Path) -> None:
    """The folder walk notes which documents its listing shows as regular files
    (expand_paths's ``plain``), and the resolver then asks them nothing: every other
    entry (a link to a file, a broken link, a link loop, a folder through a link) is still
    asked, so the paths and the manifest's rows and problems are those of a resolver
    that asks every one."""
    from timeline.documents import expand_paths

    (corpus / "linked").symlink_to(corpus / "sub")
    (corpus / "c.txt").symlink_to(corpus / "sub" / "b.txt")
    (corpus / "loop.txt").symlink_to(corpus / "loop.txt")
    (corpus / "gone.txt").symlink_to(corpus / "absent.txt")
    (corpus / "folder.txt").mkdir()
    manifest = write_manifest(
        corpus,
        "file,published\na.txt,2022-07-13\nsub/b.txt,\nlinked/b.txt,\nc.txt,2023-01-02\n"
        "loop.txt,\ngone.txt,\nfolder.txt,\nabsent.txt,\n",
    )
    told = Resolver()
    found = expand_paths([corpus], told.plain)
    # sub/ is walked as linked/, its first name; its b.txt is a regular file there
    assert set(told.plain) == {str(corpus / "a.txt"), str(corpus / "linked" / "b.txt")}
    assert all(str(path) == text for text, path in told.plain.items())
    assert {corpus / "c.txt", corpus / "loop.txt", corpus / "gone.txt"} <= set(found)
    asking = Resolver()
    assert [told(path) for path in found] == [asking(path) for path in found]
    assert [told.is_file(told(path)) for path in found] == [
        Path(asking(path)).is_file() for path in found
    ]
    problems: list[str] = []
    expected: list[str] = []
    assert load_manifest(manifest, problems, told) == load_manifest(manifest, expected)
    # linked/b.txt and c.txt are sub/b.txt again; loop, gone, folder and absent are no file
    assert problems == expected and len(problems) == 6


class Parses:
    """Each manifest row read from its CSV text (not taken from the last parse's rows)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.rows = 0
        row = timeline.manifest._row

        def counting(*arguments, **keywords):
            self.rows += 1
            return row(*arguments, **keywords)

        monkeypatch.setattr(timeline.manifest, "_row", counting)


def _walked(folder: Path, manifest: Path, parsed: dict | None) -> tuple[dict, list[str]]:
    """The manifest read as a build reads it: after the walk, with its resolver."""
    resolver = Resolver()
    expand_paths([folder], resolver.plain)
    problems: list[str] = []
    return load_manifest(manifest, problems, resolver, parsed), problems


def _many(corpus: Path, count: int) -> str:
    lines = ["file,published,association,title,url", "a.txt,2022-07-13,协会,,", "sub/b.txt,,,,"]
    for index in range(count):
        (corpus / "sub" / f"n{index}.txt").write_text("2023年", encoding="utf-8")
        lines.append(f"sub/n{index}.txt,2023-01-{index + 1:02d},,题{index},")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    "change",
    ["appended", "appended-bad", "same", "edited", "removed", "linked", "bad-before", "open-quote"],
)
def test_rows_of_the_last_parse_are_taken_only_while_they_still_stand(
    corpus: Path, monkeypatch: pytest.MonkeyPatch, change: str
) -> None:
    """A rebuild takes the rows of the manifest text it parsed last (ParsedRows) and
    reads only what follows; what it gives is what a fresh parse gives, problems and
    their lines too, whatever changed: rows appended (one of them bad), nothing, a row
    edited, a listed document removed, a folder replaced by a link, a bad row before,
    a last row whose quoted title is never closed (read to the end of the text, so
    rows appended after it are part of that title, not rows of their own)."""
    text = _many(corpus, 5)
    if change == "bad-before":
        text = text.replace("sub/n2.txt,2023-01-03", "sub/n2.txt,2023-02-30")
    if change == "open-quote":
        (corpus / "sub" / "q.txt").write_text("2024年", encoding="utf-8")
        text += 'sub/q.txt,,,"题\n'
    manifest = write_manifest(corpus, text)
    parsed: dict = {}
    _walked(corpus, manifest, parsed)
    # a parse that reported, or that ended inside a quoted field, is not kept
    assert (change in ("bad-before", "open-quote")) == (parsed == {})
    (corpus / "sub" / "late.txt").write_text("2024年", encoding="utf-8")
    if change in ("appended", "open-quote"):
        text += "sub/late.txt,2024-05-01,,,\n"
    elif change == "appended-bad":
        text += "sub/late.txt,2024-13-01,,,\nsub/absent.txt,,,,\n"
    elif change == "edited":
        text = text.replace("2023-01-02", "2023-01-09")
    elif change == "removed":
        (corpus / "sub" / "n3.txt").unlink()
    elif change == "linked":  # its documents still walked as sub/..., resolved elsewhere
        elsewhere = corpus.parent / f"{corpus.name}-elsewhere"
        (corpus / "sub").rename(elsewhere)
        (corpus / "sub").symlink_to(elsewhere)
    manifest.write_text(text, encoding="utf-8")
    parses = Parses(monkeypatch)
    again, problems = _walked(corpus, manifest, parsed)
    read = parses.rows
    fresh, fresh_problems = _walked(corpus, manifest, None)
    assert again == fresh and list(again) == list(fresh)
    assert problems == fresh_problems
    assert (
        read
        == {
            "appended": 1,
            "appended-bad": 2,
            "same": 0,
            "edited": 7,
            "removed": 7,
            "linked": 7,
            "bad-before": 7,
            "open-quote": 8,
        }[change]
    )
    if change == "appended-bad":
        lines = [problem.split(", line ")[1].split(":")[0] for problem in problems]
        assert lines == ["9", "10"]
    if change in ("appended", "same"):
        assert parsed[str(manifest)].length == len(text)  # kept for the next build
    if change == "removed":
        assert "unknown file 'sub/n3.txt'" in problems[0]


def test_rows_appended_that_leave_a_quote_open_are_not_kept(corpus: Path) -> None:
    """Rows taken from the last parse, then rows appended whose last opens a quoted title
    and never closes it: this parse is not kept (the rows taken ended a record, the new
    ones did not), so rows appended next are read into that title, as a fresh parse
    reads them."""
    text = _many(corpus, 3)
    manifest = write_manifest(corpus, text)
    parsed: dict = {}
    _walked(corpus, manifest, parsed)
    assert str(manifest) in parsed
    (corpus / "sub" / "q.txt").write_text("2024年", encoding="utf-8")
    text += 'sub/q.txt,,,"题\n'
    manifest.write_text(text, encoding="utf-8")
    first, _ = _walked(corpus, manifest, parsed)
    assert parsed == {}
    (corpus / "sub" / "late.txt").write_text("2024年", encoding="utf-8")
    text += "sub/late.txt,2024-05-01,,,\n"
    manifest.write_text(text, encoding="utf-8")
    again, problems = _walked(corpus, manifest, parsed)
    fresh, fresh_problems = _walked(corpus, manifest, None)
    assert again == fresh and problems == fresh_problems
    assert corpus / "sub" / "late.txt" not in again  # part of q.txt's title
    assert again[corpus / "sub" / "q.txt"].title.startswith("题")


def test_a_cached_build_after_rows_are_appended_or_a_document_removed_is_a_fresh_ones(
    corpus: Path, tmp_path: Path
) -> None:
    """The build keeps the manifest's parsed rows in its cache folder, and a rebuild gives
    the table and the problems of a build without cache."""
    from timeline.cache import DocumentCache
    from timeline.engine import Engine
    from timeline.table import build_events, table_bytes

    manifest = write_manifest(corpus, _many(corpus, 3))
    cache = tmp_path / "cache"

    def same() -> None:
        cached = build_events([corpus], engine=Engine(workers=0, cache=DocumentCache(cache)))
        fresh = build_events([corpus], engine=Engine(workers=0))
        assert table_bytes(cached.table, ".csv") == table_bytes(fresh.table, ".csv")
        assert cached.problems == fresh.problems

    same()
    (corpus / "late.txt").write_text("2024年5月1日，协会召开年会。", encoding="utf-8")
    manifest.write_text(
        manifest.read_text(encoding="utf-8") + "late.txt,2024-05-02,新协会,,\n", encoding="utf-8"
    )
    same()
    (corpus / "sub" / "n1.txt").unlink()
    same()
