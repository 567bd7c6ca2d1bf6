"""Issue 12: a copyright line is boilerplate by its structure, never by one word."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from timeline.boilerplate import boilerplate_spans
from timeline.cli import app
from timeline.table import build_events

A = "汕头市纺织服装产业协会"
runner = CliRunner()


def _events(tmp_path: Path, text: str) -> list[str]:
    (tmp_path / "a.txt").write_text(text, "utf-8")
    return list(build_events([tmp_path / "a.txt"]).table["date_text"])


def test_a_sentence_that_names_copyright_keeps_its_event(tmp_path: Path) -> None:
    text = f"{A}简报\n2023年8月22日，{A}举办讲座，讲解设计作品版权所有人的权益。\n"
    assert _events(tmp_path, text) == ["2023年8月22日"]
    assert boilerplate_spans(text) == []


def test_a_document_without_line_breaks_keeps_its_events(tmp_path: Path) -> None:
    text = (
        f"2023年8月22日，{A}召开会员大会。2023年9月1日，{A}召开理事会。"
        f"版权所有©2014 {A} 粤ICP备2020036264号"
    )
    assert _events(tmp_path, text) == ["2023年8月22日", "2023年9月1日"]
    assert [text[a:b] for a, b in boilerplate_spans(text)] == [
        f"版权所有©2014 {A} 粤ICP备2020036264号"
    ]


def test_a_real_footer_is_still_boilerplate(tmp_path: Path) -> None:
    text = (
        f"{A}简报\n2023年8月22日，{A}召开会员大会。\n\n"
        f"版权所有：{A}\n地址：汕头市某某路1号 电话：0754-1234567\n粤ICP备2020036264号"
    )
    spans = boilerplate_spans(text)
    assert [text[a:b] for a, b in spans] == [text[text.index("版权所有") :]]
    assert _events(tmp_path, text) == ["2023年8月22日"]


def test_a_dated_sentence_left_out_as_boilerplate_is_a_warning(tmp_path: Path) -> None:
    text = (
        f"{A}简报\n2023年8月22日，{A}召开会员大会。\n\n"
        f"免责声明：2023年9月1日起，本站转载文章，版权归原作者所有，如有侵权请联系。\n"
    )
    (tmp_path / "a.txt").write_text(text, "utf-8")
    result = runner.invoke(app, ["chronology", str(tmp_path)])
    assert result.exit_code == 0, result.stderr
    assert "2023年9月1日" not in result.stdout
    warning = [line for line in result.stderr.splitlines() if "boilerplate" in line]
    assert len(warning) == 1
    assert "a.txt" in warning[0] and f"offset {text.index('2023年9月1日')}" in warning[0]


@pytest.mark.parametrize(
    "mark",
    [
        "版权所有",
        "版权归本会",
        "COPYRIGHT",
        "Copyright",
        "©",
        "(C) 2024",
        "(c)2024",
        "All Rights Reserved",
        "粤ICP备2020036264号",
        "粤icp证",
        "粤公网安备44050702000123号",
    ],
)
def test_every_legal_mark_in_any_case_ends_a_footer(mark: str) -> None:
    text = f"{A}简报\n2023年8月22日，{A}召开会员大会。\n\n地址：汕头市某某路1号\n{mark} {A}\n"
    footer = text[text.index("地址") : -1]  # the last line break is not the footer
    assert [text[a:b] for a, b in boilerplate_spans(text)] == [footer]
