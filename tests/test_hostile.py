"""Hostile text through `timeline build`: the published folder stays inert.

Documents (plain text and web pages), their titles, and the manifest's
association names and addresses carry script tags, attribute breakers, template
syntax, ``javascript:`` links, CR/LF and iCalendar lines, path traversal, a
10,000-character line and bidirectional controls. One build of that corpus into
a temporary folder, then one test per promise:

* the pages are inert: everything escaped, no event-handler attribute, every
  inline script and style allowed by hash in a Content-Security-Policy that
  blocks network fetches and inline handlers, no ``javascript:`` anywhere in a
  link, template syntax left as text;
* every feed parses with icalendar and holds exactly one VEVENT per event, with
  no component or property smuggled in through a line break;
* feed files are safe slugs inside the output folder, and nothing is written
  outside it;
* source links are only ever http(s).
"""

from __future__ import annotations

import base64
import csv
import hashlib
import json
import re
from pathlib import Path

import icalendar
import pandas as pd
import pytest
from lxml import html as lxml_html
from typer.testing import CliRunner

from timeline.cli import app

runner = CliRunner()

SCRIPT = "<script>alert(1)</script>"
ATTRIBUTE = '"onerror=alert(1)'
SINGLE = "'onmouseover=alert(1) x='"
IMAGE = "<img src=x onerror=alert(1)>"
STYLE_END = "</style>"
TEMPLATE = "{{ 7*7 }}"
JINJA_BLOCK = "{% for x in range(9) %}X{% endfor %}"
JAVASCRIPT = "javascript:alert(1)"
ICAL_LINES = "\r\nBEGIN:VEVENT\r\nUID:injected\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
TRAVERSAL = "../../etc/passwd"
BIDI = "\u202eevil\u202c\u2066x\u2069\u200f"
LONG = "长" * 10_000

HOSTILE = [SCRIPT, ATTRIBUTE, SINGLE, IMAGE, STYLE_END, TEMPLATE, JINJA_BLOCK, JAVASCRIPT, BIDI]

#: Every address a manifest may hold that is not a plain http(s) address.
BAD_URLS = [
    JAVASCRIPT,
    "JaVaScRiPt:alert(1)",
    " javascript:alert(1)",
    "java\tscript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    "//evil.example/x",
    "file:///etc/passwd",
    "http://example.org/\r\nBEGIN:VEVENT",
    'https://example.org/a"onmouseover="alert(1)',
]
GOOD_URL = "https://example.org/news/1?a=1&b=2"

ASSOCIATIONS = [
    TRAVERSAL,
    f"{SCRIPT}协会",
    f"{ATTRIBUTE}商会",
    f"{STYLE_END}{TEMPLATE}{ICAL_LINES}联合会",
    f"{BIDI}促进会",
    "..",
    "/",
    "CON",
    "汕头市纺织服装产业协会",
]

YEAR_LEVEL = {"year", "decade"}


def _text_document(number: int, hostile: str) -> str:
    """A plain-text document with ``hostile`` in its title and in dated sentences."""
    return (
        f"{hostile}年会通知{hostile}\r\n"
        f"2023年8月{number + 1}日，{hostile}召开第{number}届会员大会{hostile}。\r\n"
        f"BEGIN:VEVENT\nSUMMARY:{hostile}\nEND:VEVENT\rEND:VCALENDAR\n"
        f"2023年9月{number + 1}日，协会举办{hostile}展览会，地址 {JAVASCRIPT} 。\n"
        f"{LONG}2023年10月{number + 1}日，协会在长句中举办活动{LONG}。\n"
    )


def _web_page(number: int, hostile: str) -> str:
    escaped = hostile.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8">
<title>{escaped}网页{escaped}</title>
<meta property="og:url" content="{JAVASCRIPT}">
<link rel="canonical" href="javascript:alert(document.cookie)">
<script>alert(1)</script><style>body{{}}</style>
</head><body>
<article>
<h1>{escaped}标题</h1>
<p>2023年11月{number + 1}日，{escaped}举办年会，<a href="{JAVASCRIPT}">点击{escaped}</a>。</p>
<p onclick="alert(1)">2023年12月{number + 1}日，协会{escaped}召开理事会{escaped}。</p>
<p>BEGIN:VEVENT<br>END:VCALENDAR<br>{LONG[:3000]}2023年12月{number + 2}日，协会开会。</p>
</article></body></html>"""


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("hostile")
    corpus = root / "corpus"
    corpus.mkdir()
    rows = []
    for number, hostile in enumerate(HOSTILE):
        text_name, page_name = f"t{number}.txt", f"p{number}.html"
        (corpus / text_name).write_text(
            _text_document(number, hostile), encoding="utf-8", newline=""
        )
        (corpus / page_name).write_text(_web_page(number, hostile), encoding="utf-8")
        association = ASSOCIATIONS[number % len(ASSOCIATIONS)]
        url = BAD_URLS[number % len(BAD_URLS)]
        rows.append([text_name, "2023-09-08", association, f"{hostile}\r\n{ICAL_LINES}", url])
        rows.append([page_name, "", ASSOCIATIONS[-1 - number % len(ASSOCIATIONS)], "", ""])
    (corpus / "good-url.txt").write_text(
        "2023年7月1日，汕头市纺织服装产业协会举办活动。", encoding="utf-8"
    )
    rows.append(["good-url.txt", "", "汕头市纺织服装产业协会", "正常标题", GOOD_URL])
    for number, url in enumerate(BAD_URLS):
        name = f"u{number}.txt"
        (corpus / name).write_text(f"2023年6月{number + 1}日，协会举办活动。", encoding="utf-8")
        rows.append([name, "", ASSOCIATIONS[number % len(ASSOCIATIONS)], "", url])
    with (corpus / "documents.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["file", "published", "association", "title", "url"])
        writer.writerows(rows)

    out = root / "out"
    before = _files(root)
    result = runner.invoke(app, ["build", str(corpus), "--out", str(out)])
    return {
        "root": root,
        "out": out,
        "result": result,
        "before": before,
        "table": pd.read_csv(out / "events.csv", dtype=str, keep_default_na=False),
    }


def _files(folder: Path) -> set[Path]:
    return {path for path in folder.rglob("*")}


def _page(site: dict, name: str) -> tuple[str, lxml_html.HtmlElement]:
    text = (site["out"] / name).read_text(encoding="utf-8")
    return text, lxml_html.document_fromstring(text)


PAGES = ["index.html", "feeds.html"]


# --------------------------------------------------------------------------- #
# The build itself                                                             #
# --------------------------------------------------------------------------- #


def test_the_hostile_corpus_builds_and_every_document_gives_events(site: dict) -> None:
    result = site["result"]
    assert result.exit_code == 0, result.stderr
    docs = set(site["table"]["doc"])
    assert {f"t{n}.txt" for n in range(len(HOSTILE))} <= docs
    assert {f"p{n}.html" for n in range(len(HOSTILE))} <= docs


def test_addresses_that_are_not_http_are_left_out_with_a_warning(site: dict) -> None:
    stderr = site["result"].stderr
    assert "is not an http(s) address; left out" in stderr
    urls = set(site["table"]["source_url"]) - {""}
    assert urls == {GOOD_URL}


def test_nothing_is_written_outside_the_output_folder(site: dict) -> None:
    out = site["out"]
    created = _files(site["root"]) - site["before"]
    assert created and all(path.is_relative_to(out) for path in created), sorted(created)
    assert not any(path.name == "passwd" for path in site["root"].parent.rglob("passwd"))


def test_feed_files_are_safe_slugs_inside_the_feeds_folder(site: dict) -> None:
    out = site["out"]
    feeds = sorted((out / "feeds").iterdir())
    names = {path.name for path in feeds}
    assert ".state.json" in names
    for path in feeds:
        assert path.resolve().parent == (out / "feeds").resolve()
        if path.name != ".state.json":
            assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*\.ics", path.name), path.name
    associations = set(site["table"]["association"])
    assert len(names) - 2 == len(associations)  # all.ics, the state, one per association
    assert not any(path.is_symlink() for path in out.rglob("*"))


# --------------------------------------------------------------------------- #
# The pages                                                                    #
# --------------------------------------------------------------------------- #


def _policy(tree: lxml_html.HtmlElement) -> dict[str, list[str]]:
    metas = tree.xpath('//meta[@http-equiv="Content-Security-Policy"]')
    assert len(metas) == 1
    directives: dict[str, list[str]] = {}
    for part in metas[0].get("content").split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


def _hash(content: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(content.encode()).digest()).decode() + "'"


@pytest.mark.parametrize("name", PAGES)
def test_the_content_security_policy_blocks_fetches_and_inline_handlers(
    site: dict, name: str
) -> None:
    _, tree = _page(site, name)
    policy = _policy(tree)
    assert policy["default-src"] == ["'none'"]  # no fetch, no connect, no frame, no font
    for directive in ("connect-src", "frame-src", "font-src", "media-src", "object-src"):
        assert policy.get(directive, ["'none'"]) == ["'none'"], directive
    assert set(policy.get("img-src", ["'none'"])) <= {"data:", "'none'"}
    for directive in ("script-src", "style-src"):
        sources = policy[directive]
        if directive == "script-src":  # the site's own data pieces (search/*.js), no host
            sources = [s for s in sources if s != "'self'"]
        assert sources and all(re.fullmatch(r"'sha256-[A-Za-z0-9+/]+=*'", s) for s in sources), (
            directive,
            sources,
        )  # only hashes: no 'unsafe-inline', 'unsafe-hashes', host or scheme
    assert policy["base-uri"] == ["'none'"]
    assert policy["form-action"] == ["'none'"]
    head = tree.find("head")
    first = [e for e in head if e.tag in ("meta", "script", "style", "link")]
    assert first[0].get("charset") == "utf-8"
    assert first[1].get("http-equiv") == "Content-Security-Policy"  # before any script or style


@pytest.mark.parametrize("name", PAGES)
def test_every_inline_script_and_style_is_allowed_by_its_hash(site: dict, name: str) -> None:
    _, tree = _page(site, name)
    policy = _policy(tree)
    for script in tree.iter("script"):
        if script.get("type") == "application/json":
            continue  # data, never run
        assert script.get("src") is None
        assert _hash(script.text or "") in policy["script-src"]
    for style in tree.iter("style"):
        assert _hash(style.text or "") in policy["style-src"]
    hashes = [source for source in policy["script-src"] if source != "'self'"]
    assert len(tree.xpath("//script[not(@type)]")) == len(hashes)
    assert len(tree.xpath("//style")) == len(policy["style-src"]) == 1


@pytest.mark.parametrize("name", PAGES)
def test_no_element_carries_an_event_handler_or_a_script_link(site: dict, name: str) -> None:
    _, tree = _page(site, name)
    for element in tree.iter():
        if not isinstance(element.tag, str):
            continue
        assert element.tag not in ("iframe", "object", "embed", "base", "form", "img"), element.tag
        for attribute, value in element.attrib.items():
            assert not attribute.lower().startswith("on"), (element.tag, attribute, value)
            compact = re.sub(r"[\s\x00-\x1f]", "", value).lower()
            assert "javascript:" not in compact and "vbscript:" not in compact, (element.tag, value)
            if attribute in ("href", "src", "action", "formaction", "xlink:href"):
                assert re.match(
                    r"(https?://|#|feeds/|feeds\.html|index\.html|years/|associations/|data:,$)",
                    value,
                ), (
                    element.tag,
                    attribute,
                    value,
                )
    assert not tree.xpath('//meta[@http-equiv="refresh"]')


@pytest.mark.parametrize("name", PAGES)
def test_no_hostile_markup_appears_unescaped(site: dict, name: str) -> None:
    text, _ = _page(site, name)
    for raw in (SCRIPT, IMAGE, "<img", "onerror=alert(1)>", JINJA_BLOCK.replace("{%", "<%")):
        assert raw not in text, raw
    assert text.count("</style>") == 1 and text.lower().count("</script>") == text.lower().count(
        "<script"
    )


def test_hostile_strings_are_shown_as_text_not_dropped_or_run(site: dict) -> None:
    _, tree = _page(site, "index.html")
    events = tree.xpath('//*[starts-with(@id, "event-")]')
    shown = "\n".join(element.text_content() for element in events)
    for hostile in (SCRIPT, ATTRIBUTE, STYLE_END, TEMPLATE, JINJA_BLOCK, IMAGE):
        assert hostile in shown, hostile  # escaped, and so shown as written
    assert "XXXXXXXXX" not in shown  # the Jinja loop was not run


def test_the_json_data_block_cannot_close_its_script(site: dict) -> None:
    _, tree = _page(site, "index.html")
    (block,) = tree.xpath('//script[@type="application/json"]')
    assert "</" not in block.text and "<script" not in block.text.lower()
    data = json.loads(block.text)
    assert data  # and it still parses into the data the page needs


def test_bidirectional_controls_stay_isolated_in_bdi_elements(site: dict) -> None:
    _, tree = _page(site, "index.html")
    body = tree.find("body")
    for element in body.iter():
        if not isinstance(element.tag, str) or element.tag == "script":
            continue
        for piece, holder in ((element.text, element), (element.tail, element.getparent())):
            if piece and "\u202e" in piece:
                chain = [holder, *holder.iterancestors()]
                # <bdi> isolates; an SVG <title> is a tooltip; lane labels isolate by CSS
                assert any(
                    e.tag in ("bdi", "title") or "lane-label" in (e.get("class") or "")
                    for e in chain
                ), (holder.tag, piece[:40])


def test_source_links_are_only_http(site: dict) -> None:
    _, tree = _page(site, "index.html")
    external = [a.get("href") for a in tree.iter("a") if a.get("target") == "_blank"]
    assert external and set(external) == {GOOD_URL}


# --------------------------------------------------------------------------- #
# The feeds                                                                    #
# --------------------------------------------------------------------------- #

CALENDAR_PROPERTIES = {
    "PRODID",
    "VERSION",
    "CALSCALE",
    "METHOD",
    "UID",
    "NAME",
    "X-WR-CALNAME",
    "DESCRIPTION",
    "X-WR-CALDESC",
    "REFRESH-INTERVAL",
    "X-PUBLISHED-TTL",
    "LAST-MODIFIED",
}
EVENT_PROPERTIES = {
    "UID",
    "SUMMARY",
    "DESCRIPTION",
    "DTSTART",
    "DTEND",
    "DTSTAMP",
    "LAST-MODIFIED",
    "SEQUENCE",
    "CATEGORIES",
    "TRANSP",
    "URL",
}


def _feeds(site: dict) -> list[Path]:
    return sorted((site["out"] / "feeds").glob("*.ics"))


def _unfolded(path: Path) -> list[str]:
    raw = path.read_bytes()
    assert b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b"")  # CRLF only
    assert b"\r" not in raw.replace(b"\r\n", b"")
    return raw.replace(b"\r\n ", b"").decode("utf-8").split("\r\n")[:-1]


def test_every_feed_parses_with_only_calendars_and_events(site: dict) -> None:
    for path in _feeds(site):
        calendar = icalendar.Calendar.from_ical(path.read_bytes())
        assert [c.name for c in calendar.walk()].count("VCALENDAR") == 1
        assert {c.name for c in calendar.walk()} <= {"VCALENDAR", "VEVENT"}, path.name
        assert set(calendar) <= CALENDAR_PROPERTIES, (path.name, set(calendar))
        for event in calendar.walk("VEVENT"):
            assert set(event) <= EVENT_PROPERTIES, (path.name, set(event))
            assert event.errors == []


def test_no_line_of_a_feed_was_injected(site: dict) -> None:
    for path in _feeds(site):
        lines = _unfolded(path)
        events = sum(line == "BEGIN:VEVENT" for line in lines)
        assert sum(line == "END:VEVENT" for line in lines) == events
        assert [line for line in lines if line.startswith(("BEGIN:", "END:"))] == (
            ["BEGIN:VCALENDAR"] + ["BEGIN:VEVENT", "END:VEVENT"] * events + ["END:VCALENDAR"]
        )
        assert not any(line.startswith("UID:injected") for line in lines)
        for line in lines:
            assert re.match(r"[A-Z][A-Z0-9-]*[;:]", line), line
        for line in path.read_bytes().split(b"\r\n"):
            assert len(line) <= 75


def test_each_feed_has_exactly_one_event_per_event_of_the_table(site: dict) -> None:
    table = site["table"]
    expected = table[~table["granularity"].isin(YEAR_LEVEL)]
    everything = icalendar.Calendar.from_ical((site["out"] / "feeds" / "all.ics").read_bytes())
    uids = [str(event["UID"]) for event in everything.walk("VEVENT")]
    assert len(uids) == len(set(uids)) == len(expected)
    assert {uid.split("@")[0] for uid in uids} == set(expected["event_id"])
    per_association = 0
    for path in _feeds(site):
        if path.name == "all.ics":
            continue
        calendar = icalendar.Calendar.from_ical(path.read_bytes())
        events = calendar.walk("VEVENT")
        per_association += len(events)
        categories = {str(event.get("CATEGORIES").cats[0]) for event in events}
        assert len(categories) <= 1, path.name
        assert {str(event["UID"]) for event in events} <= set(uids)
    assert per_association == len(expected)


def test_feed_links_are_only_http(site: dict) -> None:
    for path in _feeds(site):
        calendar = icalendar.Calendar.from_ical(path.read_bytes())
        for event in calendar.walk("VEVENT"):
            if "URL" in event:
                assert str(event["URL"]) == GOOD_URL


# --------------------------------------------------------------------------- #
# The table and the terminal                                                   #
# --------------------------------------------------------------------------- #

FORMULA = '=HYPERLINK("http://evil.example/","点击")'


def test_a_sentence_that_looks_like_a_formula_stays_text_in_the_spreadsheet(
    tmp_path: Path,
) -> None:
    import openpyxl

    (tmp_path / "a.txt").write_text(f"{FORMULA}2023年8月22日协会召开年会。", encoding="utf-8")
    out = tmp_path / "events.xlsx"
    result = runner.invoke(app, ["events", str(tmp_path / "a.txt"), "-o", str(out), "-q"])
    assert result.exit_code == 0, result.stderr
    sheet = openpyxl.load_workbook(out).active
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert any(
        str(cell.value).startswith("'=HYPERLINK") for cell in cells
    )  # OWASP: a leading apostrophe
    assert all(cell.data_type != "f" for cell in cells)


def test_control_characters_never_reach_the_terminal(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(
        "2023年8月22日，协会召开\x1b[2J\x1b]0;pwned\x07年会\x9b31m。", encoding="utf-8"
    )
    (tmp_path / "b\x1b[31m.txt").write_bytes(b"")
    result = runner.invoke(app, ["chronology", str(tmp_path)])
    assert result.exit_code == 1
    assert "2023年8月22日" in result.stdout
    for stream in (result.stdout, result.stderr):
        assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]", stream), repr(stream)
    assert "b\\x1b[31m.txt: error: the file is empty" in result.stderr
