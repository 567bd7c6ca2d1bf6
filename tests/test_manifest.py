"""The user's manifest: publication dates and metadata beside the documents."""

from datetime import date
from pathlib import Path

import pytest

from timeline.documents import resolved
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
