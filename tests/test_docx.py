"""The Word chronology: read back with python-docx, converted to PDF by LibreOffice.

``make system-packages`` installs Debian's ``libreoffice-writer`` and
``poppler-utils`` (``make test`` does it first). The first page is rendered to
``test-artifacts/chronology-docx-page1.png`` for a person to look at.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import unicodedata
from pathlib import Path

import pytest
from docx import Document
from docx.oxml.ns import qn
from typer.testing import CliRunner

from timeline.cli import app

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "data" / "corpus"
ARTIFACTS = ROOT / "test-artifacts"
runner = CliRunner()


@pytest.fixture(scope="module")
def chronology(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("docx") / "大事记.docx"
    result = runner.invoke(app, ["chronology", str(CORPUS), "--format", "docx", "-o", str(out)])
    assert result.exit_code == 0, result.stderr
    return out


def test_the_document_has_a_heading_per_year_and_each_event_with_its_source(
    chronology: Path,
) -> None:
    document = Document(str(chronology))
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    years = sorted(
        {int(line[:4]) for line in _text_chronology().splitlines() if line[:1].isdigit()}
    )
    assert headings == [f"{year}年" for year in years]
    events = [line.strip() for line in _text_chronology().splitlines() if line.startswith("  ")]
    paragraphs = document.paragraphs
    bodies = [i for i, p in enumerate(paragraphs) if p.runs and p.runs[0].bold]
    assert len(bodies) == len(events)
    first = paragraphs[bodies[0]]
    assert first.runs[0].text == events[0].split("　")[0]  # the date, written the Chinese way
    assert first.text == events[0].rsplit("（", 1)[0]  # date and title
    assert paragraphs[bodies[0] + 1].text.startswith("来源：上海市工商联纺织服装商会")


def test_every_style_sets_an_east_asian_font(chronology: Path) -> None:
    document = Document(str(chronology))
    for name, font in (("Normal", "宋体"), ("Heading 1", "黑体"), ("Title", "黑体")):
        fonts = document.styles[name].element.rPr.find(qn("w:rFonts"))
        assert fonts.get(qn("w:eastAsia")) == font, name


def test_the_footer_numbers_the_pages(chronology: Path) -> None:
    footer = Document(str(chronology)).sections[0].footer
    xml = footer.paragraphs[0]._p.xml
    assert "PAGE" in xml and 'w:fldCharType="begin"' in xml


def test_one_association_only(tmp_path: Path) -> None:
    out = tmp_path / "汕头.docx"
    result = runner.invoke(
        app,
        ["chronology", str(CORPUS), "--association", "汕头", "--format", "docx", "-o", str(out)],
    )
    assert result.exit_code == 0, result.stderr
    text = "\n".join(p.text for p in Document(str(out)).paragraphs)
    assert "汕头市纺织服装产业协会" in text
    assert "辽宁省" not in text


def _text_chronology() -> str:
    result = runner.invoke(app, ["chronology", str(CORPUS), "-q"])
    assert result.exit_code == 0
    return result.stdout


SOFFICE = shutil.which("soffice")
PDFTOPPM = shutil.which("pdftoppm")


@pytest.mark.skipif(
    not (SOFFICE and PDFTOPPM) and not os.environ.get("CI"),
    reason="libreoffice-writer and poppler-utils missing: run `make system-packages`",
)
def test_libreoffice_converts_it_to_pdf_and_its_first_page_renders(
    chronology: Path, tmp_path: Path
) -> None:
    from pypdf import PdfReader

    profile = tmp_path / "lo-profile"
    subprocess.run(
        [
            SOFFICE or "soffice",
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(chronology),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    pdf = tmp_path / "大事记.pdf"
    reader = PdfReader(str(pdf))
    assert len(reader.pages) >= 2
    first = unicodedata.normalize("NFKC", reader.pages[0].extract_text() or "")
    first = re.sub(r"\s+", "", first)
    assert "大事记" in first and "2019年" in first
    assert "第1页" in first  # the footer's page number
    second = re.sub(r"\s+", "", reader.pages[1].extract_text() or "")
    assert "第2页" in unicodedata.normalize("NFKC", second)
    ARTIFACTS.mkdir(exist_ok=True)
    stem = ARTIFACTS / "chronology-docx-page1"
    subprocess.run(
        [
            PDFTOPPM or "pdftoppm",
            "-r",
            "80",
            "-png",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            str(pdf),
            str(stem),
        ],
        check=True,
        timeout=60,
    )
    assert stem.with_suffix(".png").stat().st_size > 10_000
