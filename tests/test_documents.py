"""Reading documents: encodings Chinese text comes in, and folder expansion."""

from pathlib import Path

import pytest

from timeline.documents import DocumentError, expand_paths, read_text

TEXT = "发布时间:2023-09-08\n8月22日，服装制造军团与宁夏联通开展党建共建活动。\n"


@pytest.mark.parametrize(
    "encoded",
    [
        pytest.param(TEXT.encode("utf-8"), id="utf-8"),
        pytest.param(TEXT.encode("utf-8-sig"), id="utf-8-with-bom"),
        pytest.param(TEXT.encode("gb18030"), id="gb18030"),
        pytest.param(TEXT.encode("utf-16"), id="utf-16-with-bom"),
        pytest.param(TEXT.encode("utf-16-le"), id="utf-16-without-bom"),
    ],
)
def test_encodings_decode_to_the_same_text(tmp_path: Path, encoded: bytes) -> None:
    path = tmp_path / "doc.txt"
    path.write_bytes(encoded)
    assert read_text(path) == TEXT


def test_big5_is_not_mistaken_for_gb18030(tmp_path: Path) -> None:
    traditional = "香港紡織業聯會於2023年9月8日舉行周年大會，農曆新年期間暫停辦公"
    path = tmp_path / "big5.txt"
    path.write_bytes(traditional.encode("big5"))
    assert read_text(path) == traditional


def test_gb18030_is_not_mistaken_for_utf8(tmp_path: Path) -> None:
    path = tmp_path / "gbk.txt"
    path.write_bytes(TEXT.encode("gb18030"))
    assert path.read_bytes() != TEXT.encode("utf-8")
    assert "党建共建" in read_text(path)


def test_windows_line_endings_are_kept_so_offsets_match_the_file(tmp_path: Path) -> None:
    path = tmp_path / "crlf.txt"
    path.write_bytes("2023年\r\n8月22日".encode())
    text = read_text(path)
    assert text == "2023年\r\n8月22日"
    assert text.index("8月22日") == 7


def test_undecodable_bytes_give_an_error_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.txt"
    path.write_bytes(b"\x80\x00\xff\xfe\x81" * 20)
    with pytest.raises(DocumentError, match="broken.txt"):
        read_text(path)


def test_missing_file_gives_an_error_naming_it(tmp_path: Path) -> None:
    with pytest.raises(DocumentError, match="absent.txt"):
        read_text(tmp_path / "absent.txt")


def test_folders_expand_recursively_to_sorted_documents(tmp_path: Path) -> None:
    for name in [
        "b.txt",
        "a.md",
        "sub/c.txt",
        "sub/e.pdf",
        "notes.csv",
        "image.png",
        ".hidden/d.txt",
    ]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x", encoding="utf-8")
    assert expand_paths([tmp_path]) == [
        tmp_path / "a.md",
        tmp_path / "b.txt",
        tmp_path / "sub" / "c.txt",
        tmp_path / "sub" / "e.pdf",
    ]


def test_named_files_are_kept_in_order_even_when_missing(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("x", encoding="utf-8")
    named = [tmp_path / "zz.html", tmp_path / "a.txt", tmp_path / "a.txt"]
    assert expand_paths(named) == [tmp_path / "zz.html", tmp_path / "a.txt"]
