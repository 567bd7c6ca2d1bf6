"""The timeline page without a browser: structure, escaping, CSP, determinism, size.

The sample and hostile tables built here are shared with ``test_browser.py``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import tomllib
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

from exports.html import (
    date_parts,
    feed_links,
    render_feeds_page,
    render_timeline,
    script_json,
    split_sentence,
    web_address,
    write_timeline,
)
from exports.search_index import SEARCH_SPAN
from timeline.slugs import slugify

ROOT = Path(__file__).resolve().parents[1]

TEXTILE = "汕头市纺织服装产业协会"
FURNITURE = "广东省家具协会"
AUTO = "中国汽车工业协会"
CHAMBER = "深圳市潮汕商会"


def event(
    event_id: str,
    association: str,
    start: date,
    end: date,
    granularity: str,
    title: str,
    description: str,
    date_text: str,
    *,
    doc: str = "doc.txt",
    doc_title: str = "",
    source_url: str = "",
    published: date | None = None,
    organisations: str = "",
    status: str = "",
) -> dict:
    at = max(description.find(date_text), 0)
    return {
        "event_id": event_id,
        "association": association,
        "start": start,
        "end": end,
        "granularity": granularity,
        "title": title,
        "description": description,
        "date_text": date_text,
        "doc": doc,
        "doc_title": doc_title,
        "published": published,
        "source_url": source_url,
        "span_start": at,
        "span_end": at + len(date_text),
        "anchor": "explicit",
        "organisations": organisations,
        "status": status,
    }


SAMPLE_EVENTS = [
    event(
        "ev-0a1b2c3d4e5f6071",
        TEXTILE,
        date(2023, 8, 22),
        date(2023, 8, 22),
        "day",
        "协会召开第五届会员大会",
        "8月22日，汕头市纺织服装产业协会在汕头召开第五届会员大会，选举产生新一届理事会。",
        "8月22日",
        doc="004_508937cf9c40d0b3.txt",
        doc_title="汕头市纺织服装产业协会第五届会员大会顺利召开",
        source_url="https://www.example.org/news/2023/0908.html",
        published=date(2023, 9, 8),
    ),
    event(
        "ev-1122334455667788",
        TEXTILE,
        date(2023, 8, 31),
        date(2023, 9, 3),
        "day",
        "组团参加深圳国际服装供应链博览会",
        "8月31日至9月3日，协会组织二十余家会员企业参加深圳国际服装供应链博览会。",
        "8月31日至9月3日",
        doc="004_508937cf9c40d0b3.txt",
        doc_title="汕头市纺织服装产业协会第五届会员大会顺利召开",
        source_url="https://www.example.org/news/2023/0908.html",
        published=date(2023, 9, 8),
        organisations="深圳市服装行业协会",
    ),
    event(
        "ev-2233445566778899",
        FURNITURE,
        date(2020, 11, 18),
        date(2020, 11, 20),
        "day",
        "举办家具产业数字化转型论坛",
        "2020年11月18日—20日，广东省家具协会在佛山举办家具产业数字化转型论坛。",
        "2020年11月18日—20日",
        doc="001_3c97cd865ef99b3a.txt",
        doc_title="广东省家具协会2020年工作总结",
        source_url="http://www.example.com/gdfa/2020.html",
    ),
    event(
        "ev-33445566778899aa",
        FURNITURE,
        date(2024, 4, 1),
        date(2024, 4, 30),
        "month",
        "开展会员企业安全生产大检查",
        "2024年4月，协会开展会员企业安全生产大检查，覆盖会员企业一百余家。",
        "2024年4月",
        doc="gdfa-2024.txt",
        doc_title="关于开展安全生产大检查的通知",
        status="confirmed",
    ),
    event(
        "ev-445566778899aabb",
        AUTO,
        date(2019, 1, 1),
        date(2019, 12, 31),
        "year",
        "全年汽车产销量发布",
        "2019年，中国汽车工业协会发布全年汽车产销数据，产销量连续十一年居全球第一。",
        "2019年",
        doc="caam-2019.txt",
        doc_title="2019年汽车工业经济运行情况",
        source_url="https://auto.example.net/2020/01/13.html",
    ),
    event(
        "ev-5566778899aabbcc",
        AUTO,
        date(2021, 1, 1),
        date(2021, 6, 30),
        "half",
        "上半年新能源汽车销量翻番",
        "2021年上半年，新能源汽车销量同比增长两倍，协会预计全年销量将超过二百万辆。",
        "2021年上半年",
        doc="caam-2021.txt",
    ),
    event(
        "ev-66778899aabbccdd",
        AUTO,
        date(2021, 7, 1),
        date(2021, 9, 30),
        "quarter",
        "第三季度芯片短缺影响产量",
        "2021年第三季度，受芯片供应短缺影响，多家企业减产，协会呼吁加强供应链协作。",
        "2021年第三季度",
        doc="caam-2021.txt",
    ),
    event(
        "ev-778899aabbccddee",
        CHAMBER,
        date(2022, 7, 12),
        date(2022, 7, 12),
        "day",
        "商会换届暨会长就职典礼",
        "7月12日，深圳市潮汕商会举行换届大会暨第六届会长就职典礼。",
        "7月12日",
        doc="002_a982ae3a54d22653.txt",
        doc_title="深圳市潮汕商会举行换届大会",
        published=date(2022, 7, 13),
    ),
    event(
        "ev-8899aabbccddeeff",
        CHAMBER,
        date(2022, 12, 30),
        date(2023, 1, 2),
        "day",
        "新春慰问活动",
        "2022年12月30日至2023年1月2日，商会走访慰问困难会员企业职工。",
        "2022年12月30日至2023年1月2日",
        doc="002_a982ae3a54d22653.txt",
    ),
    event(
        "ev-99aabbccddeeff00",
        TEXTILE,
        date(2021, 3, 1),
        date(2021, 3, 10),
        "part",
        "走访调研纺织企业",
        "3月上旬，协会秘书处走访调研潮南区纺织企业，了解复工复产情况。",
        "3月上旬",
        doc="textile-2021.txt",
    ),
]

SAMPLE_FEEDS = [
    {"association": None, "slug": "all", "path": "feeds/all.ics", "events": len(SAMPLE_EVENTS)},
    {
        "association": TEXTILE,
        "slug": "shan-tou-shi",
        "path": "feeds/shan-tou-shi.ics",
        "events": 3,
    },
]

BIDI = "\u202etxt.exe\u202c"  # RIGHT-TO-LEFT OVERRIDE … POP DIRECTIONAL FORMATTING
LONG_DESCRIPTION = "2023年5月1日，" + "协会持续开展活动，" * 1110 + "完。"
HOSTILE_ASSOCIATION = '</script><script>alert("association")</script>\u2028协会'

HOSTILE_EVENTS = [
    event(
        "ev-a000000000000001",
        TEXTILE,
        date(2023, 5, 1),
        date(2023, 5, 1),
        "day",
        "<script>alert(1)</script>",
        '5月1日，"onerror=alert(2) 的 <img src=x onerror=alert(3)> 与 </style> 出现在原文中。',
        "5月1日",
        doc="evil.txt",
        doc_title='<b>标题</b>"onerror=',
        source_url="javascript:alert(1)",
    ),
    event(
        "ev-a000000000000002",
        HOSTILE_ASSOCIATION,
        date(2023, 6, 1),
        date(2023, 6, 30),
        "month",
        "{{ 7*7 }} 模板注入",
        "2023年6月，{{ 7*7 }} 与 {% raw %} 以及 ${7*7} 都应原样显示。",
        "2023年6月",
        doc="template.txt",
        source_url="  JaVaScRiPt:alert(1)",
    ),
    event(
        "ev-a000000000000003",
        FURNITURE,
        date(2022, 3, 5),
        date(2022, 3, 5),
        "day",
        f"文件 {BIDI} 双向控制字符",
        f"2022年3月5日，附件名为{BIDI}，请勿打开。",
        "2022年3月5日",
        doc=f"bidi{BIDI}.txt",
        source_url="data:text/html,<script>alert(1)</script>",
    ),
    event(
        "ev-a000000000000004",
        FURNITURE,
        date(2023, 5, 1),
        date(2023, 5, 1),
        "day",
        "很长的句子",
        LONG_DESCRIPTION,
        "2023年5月1日",
        doc="long.txt",
        source_url="https://example.org/long?a=1&b=<2>",
    ),
]


def sample_table() -> pd.DataFrame:
    return pd.DataFrame(SAMPLE_EVENTS)


def hostile_table() -> pd.DataFrame:
    return pd.DataFrame(HOSTILE_EVENTS)


# --- a small HTML tree for the checks ---------------------------------------------


class Node:
    def __init__(self, tag: str, attrs: dict[str, str | None], parent: Node | None) -> None:
        self.tag, self.attrs, self.parent = tag, attrs, parent
        self.children: list[Node | str] = []

    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)

    def walk(self):
        yield self
        for child in self.children:
            if isinstance(child, Node):
                yield from child.walk()

    def find_all(self, tag: str, **attrs: str) -> list[Node]:
        return [
            node
            for node in self.walk()
            if node.tag == tag and all(node.attrs.get(k) == v for k, v in attrs.items())
        ]

    def ancestors(self):
        node = self.parent
        while node is not None:
            yield node
            node = node.parent


VOID = {"meta", "link", "input", "br", "img", "hr"}


class TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {}, None)
        self.current = self.root
        self.raw_texts: dict[int, str] = {}

    def handle_starttag(self, tag, attrs):
        node = Node(tag, dict(attrs), self.current)
        self.current.children.append(node)
        if tag not in VOID:
            self.current = node

    def handle_startendtag(self, tag, attrs):
        self.current.children.append(Node(tag, dict(attrs), self.current))

    def handle_endtag(self, tag):
        node = self.current
        while node is not self.root and node.tag != tag:
            node = node.parent
        assert node is not self.root, f"</{tag}> closes nothing"
        self.current = node.parent

    def handle_data(self, data):
        self.current.children.append(data)


def parse(html: str) -> Node:
    builder = TreeBuilder()
    builder.feed(html)
    builder.close()
    return builder.root


def raw_element_contents(html: str, tag: str) -> list[tuple[str, str]]:
    """(opening tag, exact content) of every ``<tag>`` element, as the CSP hashes them."""
    return re.findall(rf"(<{tag}\b[^>]*>)(.*?)</{tag}>", html, flags=re.S)


@pytest.fixture(scope="module")
def sample_html() -> str:
    return render_timeline(sample_table(), SAMPLE_FEEDS, title="协会大事记")


@pytest.fixture(scope="module")
def hostile_html() -> str:
    return render_timeline(hostile_table(), SAMPLE_FEEDS)


# --- structure ---------------------------------------------------------------------


def test_page_is_chinese_with_one_ordered_list_per_month(sample_html: str) -> None:
    tree = parse(sample_html)
    assert tree.find_all("html")[0].attrs["lang"] == "zh-CN"
    assert sample_html.startswith("<!DOCTYPE html>")
    months = [node for node in tree.find_all("section") if "month" in node.attrs.get("class", "")]
    assert months and all(len(month.find_all("ol")) == 1 for month in months)


def test_every_event_is_a_list_item_with_its_id(sample_html: str) -> None:
    tree = parse(sample_html)
    ids = [li.attrs["id"] for li in tree.find_all("li") if "event" in li.attrs.get("class", "")]
    assert sorted(ids) == sorted(f"event-{row['event_id']}" for row in SAMPLE_EVENTS)
    for row in SAMPLE_EVENTS:
        assert f'href="#event-{row["event_id"]}"' in sample_html  # the permalink


def test_years_are_sections_with_ids_in_order(sample_html: str) -> None:
    tree = parse(sample_html)
    years = [
        node.attrs["id"] for node in tree.find_all("section") if node.attrs.get("class") == "year"
    ]
    assert years == [f"year-{year}" for year in (2019, 2020, 2021, 2022, 2023, 2024)]
    headings = [
        node.text() for node in tree.find_all("h2") if node.attrs.get("id", "").startswith("year-")
    ]
    assert headings[0] == "2019年"


def test_events_are_ordered_by_start_then_end(sample_html: str) -> None:
    tree = parse(sample_html)
    ids = [
        li.attrs["id"].removeprefix("event-")
        for li in tree.find_all("li")
        if "event" in li.attrs.get("class", "")
    ]
    by_id = {row["event_id"]: row for row in SAMPLE_EVENTS}
    keys = [(by_id[i]["start"], by_id[i]["end"], by_id[i]["association"], i) for i in ids]
    assert keys == sorted(keys)


@pytest.mark.parametrize(
    ("event_id", "times"),
    [
        ("ev-0a1b2c3d4e5f6071", [("2023-08-22", "2023年8月22日")]),
        ("ev-1122334455667788", [("2023-08-31", "2023年8月31日"), ("2023-09-03", "9月3日")]),
        ("ev-2233445566778899", [("2020-11-18", "2020年11月18日"), ("2020-11-20", "20日")]),
        ("ev-33445566778899aa", [("2024-04", "2024年4月")]),
        ("ev-445566778899aabb", [("2019", "2019年")]),
        ("ev-5566778899aabbcc", [("2021-01-01", "2021年上半年")]),
        ("ev-99aabbccddeeff00", [("2021-03-01", "2021年3月上旬")]),
    ],
)
def test_dates_are_written_the_chinese_way_inside_time(
    sample_html: str, event_id: str, times
) -> None:
    item = parse(sample_html).find_all("li", id=f"event-{event_id}")[0]
    assert [(t.attrs["datetime"], t.text()) for t in item.find_all("time")] == times


@pytest.mark.parametrize(
    ("event_id", "badge"),
    [
        ("ev-0a1b2c3d4e5f6071", "日"),
        ("ev-33445566778899aa", "月"),
        ("ev-445566778899aabb", "年"),
        ("ev-5566778899aabbcc", "半年"),
        ("ev-66778899aabbccdd", "季度"),
        ("ev-99aabbccddeeff00", "旬"),
    ],
)
def test_each_event_shows_its_precision(sample_html: str, event_id: str, badge: str) -> None:
    item = parse(sample_html).find_all("li", id=f"event-{event_id}")[0]
    [precision] = [n for n in item.walk() if n.attrs.get("class") == "precision"]
    assert precision.text() == badge


def test_whole_year_events_come_first_in_their_year(sample_html: str) -> None:
    tree = parse(sample_html)
    year = tree.find_all("section", id="year-2019")[0]
    assert [h.text() for h in year.find_all("h3")] == ["全年"]
    year = tree.find_all("section", id="year-2023")[0]
    assert [h.text() for h in year.find_all("h3")] == ["8月"]


def test_the_date_as_written_is_highlighted_in_the_sentence(sample_html: str) -> None:
    item = parse(sample_html).find_all("li", id="event-ev-2233445566778899")[0]
    [sentence] = item.find_all("blockquote")
    assert sentence.find_all("mark")[0].text() == "2020年11月18日—20日"
    assert sentence.text() == SAMPLE_EVENTS[2]["description"]


def test_association_title_and_source_are_shown(sample_html: str) -> None:
    item = parse(sample_html).find_all("li", id="event-ev-0a1b2c3d4e5f6071")[0]
    text = item.text()
    assert "协会召开第五届会员大会" in text and TEXTILE in text and "发布于2023年9月8日" in text
    [link] = item.find_all("a", href="https://www.example.org/news/2023/0908.html")
    assert link.text() == "汕头市纺织服装产业协会第五届会员大会顺利召开"
    assert "noopener" in link.attrs["rel"]


@pytest.mark.parametrize(
    ("sentence", "date_text", "parts"),
    [
        ("8月22日，协会召开年会。", "8月22日", ("", "8月22日", "，协会召开年会。")),
        ("会后，8月22日与8月22日。", "8月22日", ("会后，", "8月22日", "与8月22日。")),
        ("协会召开年会。", "8月22日", ("协会召开年会。", "", "")),
        ("协会召开年会。", "", ("协会召开年会。", "", "")),
    ],
)
def test_split_sentence_cuts_at_the_first_occurrence(sentence, date_text, parts) -> None:
    assert split_sentence(sentence, date_text) == parts


@pytest.mark.parametrize(
    ("start", "end", "granularity", "expected"),
    [
        (date(2023, 8, 22), date(2023, 8, 22), "day", [("2023年8月22日", "2023-08-22")]),
        (
            date(2020, 7, 1),
            date(2020, 10, 31),
            "month",
            [("2020年7月", "2020-07"), ("10月", "2020-10")],
        ),
        (date(2019, 1, 1), date(2020, 12, 31), "year", [("2019", "2019"), ("2020年", "2020")]),
        (date(2023, 7, 1), date(2023, 9, 30), "quarter", [("2023年第三季度", "2023-07-01")]),
        (date(2023, 11, 1), date(2023, 12, 31), "part", [("2023年底", "2023-11-01")]),
        (
            date(2023, 4, 3),
            date(2023, 4, 9),
            "week",
            [("2023年4月3日", "2023-04-03"), ("9日", "2023-04-09")],
        ),
    ],
)
def test_date_parts_carry_machine_dates(start, end, granularity, expected) -> None:
    assert [(p.text, p.datetime) for p in date_parts(start, end, granularity)] == expected


# --- filters, overview, print -------------------------------------------------------


def test_filters_have_labels_and_counts(sample_html: str) -> None:
    tree = parse(sample_html)
    labels = {node.attrs.get("for") for node in tree.find_all("label")}
    assert {"search", "date-from", "date-to"} <= labels
    boxes = tree.find_all("input", name="association")
    assert len(boxes) == 4
    for box in boxes:
        label = box.parent
        assert label.tag == "label"
        assert any(n.attrs.get("data-count-for") == box.attrs["value"] for n in label.walk())
    counts = {n.parent.text(): n.text() for n in tree.walk() if "data-count-for" in n.attrs}
    assert counts[f"{TEXTILE}3"] == "3"


def test_overview_is_an_svg_with_lanes_clickable_marks_and_year_links(sample_html: str) -> None:
    tree = parse(sample_html)
    [svg] = [node for node in tree.find_all("svg") if node.attrs.get("id") == "ov-svg"]
    assert svg.attrs["role"] == "group"
    assert "各协会事件分布" in svg.find_all("title")[0].text()
    labels = [node.text() for node in tree.walk() if node.attrs.get("class") == "ov-lane-name"]
    assert len(labels) == 4 and TEXTILE in labels  # whole names; the CSS wraps them
    marks = [node for node in svg.walk() if "ov-mark" in node.attrs.get("class", "").split()]
    assert len(marks) == len(SAMPLE_EVENTS)
    assert {m.attrs["href"] for m in marks} == {f"#event-{e['event_id']}" for e in SAMPLE_EVENTS}
    assert all(m.find_all("title")[0].text() for m in marks)  # each mark's accessible name
    year_links = {a.attrs["href"] for a in svg.find_all("a") if a.attrs["href"].startswith("#year")}
    assert year_links == {f"#year-{year}" for year in (2019, 2020, 2021, 2022, 2023, 2024)}


def test_year_and_month_events_are_spans_drawn_behind_the_day_marks(sample_html: str) -> None:
    svg = [node for node in parse(sample_html).find_all("svg") if node.attrs.get("id") == "ov-svg"][
        0
    ]
    groups = [node.attrs.get("class") for node in svg.children if isinstance(node, Node)]
    assert groups.index("spans") < groups.index("days")  # later in the SVG is on top
    spans = [n for n in svg.walk() if "span" in n.attrs.get("class", "").split()]
    whole_years = {e["event_id"] for e in SAMPLE_EVENTS if e["granularity"] == "year"}
    assert whole_years <= {n.attrs["href"].removeprefix("#event-") for n in spans}


def test_print_stylesheet_hides_controls_and_breaks_between_years(sample_html: str) -> None:
    [(_, css)] = raw_element_contents(sample_html, "style")
    print_css = css[css.index("@media print") :]
    assert ".sidebar" in print_css and "display: none" in print_css
    assert "break-before: page" in print_css


# --- feeds -------------------------------------------------------------------------


def test_feed_links_with_a_base_url_are_webcal_and_https() -> None:
    [all_feed, textile] = feed_links(SAMPLE_FEEDS, "https://example.org/timeline")
    assert all_feed.label == "全部协会"
    assert all_feed.subscribe == "webcal://example.org/timeline/feeds/all.ics"
    assert all_feed.download == "https://example.org/timeline/feeds/all.ics"
    assert textile.subscribe == "webcal://example.org/timeline/feeds/shan-tou-shi.ics"


def test_feeds_page_lists_every_feed_with_subscribe_links() -> None:
    html = render_feeds_page(SAMPLE_FEEDS, "https://example.org/t/")
    tree = parse(html)
    subscribe = [a.attrs["href"] for a in tree.find_all("a") if a.attrs.get("class") == "subscribe"]
    assert subscribe == [
        "webcal://example.org/t/feeds/all.ics",
        "webcal://example.org/t/feeds/shan-tou-shi.ics",
    ]
    assert "全部协会" in tree.text() and TEXTILE in tree.text()
    assert not [s for s in raw_element_contents(html, "script")]  # nothing to rewrite


def test_feeds_without_base_url_stay_relative_for_the_script() -> None:
    html = render_feeds_page(SAMPLE_FEEDS)
    tree = parse(html)
    links = [a for a in tree.find_all("a") if a.attrs.get("class") == "subscribe"]
    assert [a.attrs["href"] for a in links] == ["feeds/all.ics", "feeds/shan-tou-shi.ics"]
    assert all("data-feed" in a.attrs for a in links)
    assert "webcal://" in raw_element_contents(html, "script")[0][1]


@pytest.mark.parametrize(
    "base_url", ["ftp://example.org/", "javascript:alert(1)//", "example.org/t/", "https:///t/"]
)
def test_a_base_url_must_be_http(base_url: str) -> None:
    with pytest.raises(ValueError):
        feed_links(SAMPLE_FEEDS, base_url)


@pytest.mark.parametrize(
    "path",
    ["../all.ics", "/etc/all.ics", "javascript:alert(1)", "https://evil/x.ics", "feeds//x.ics", ""],
)
def test_a_feed_path_must_stay_in_the_output_folder(path: str) -> None:
    with pytest.raises(ValueError):
        feed_links([{"association": None, "slug": "x", "path": path, "events": 1}])


# --- security ----------------------------------------------------------------------


def _csp(html: str) -> dict[str, list[str]]:
    [meta] = [
        m
        for m in parse(html).find_all("meta")
        if m.attrs.get("http-equiv") == "Content-Security-Policy"
    ]
    directives = {}
    for directive in meta.attrs["content"].split(";"):
        name, *values = directive.split()
        directives[name] = values
    return directives


def _sha256(content: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(content.encode()).digest()).decode() + "'"


@pytest.mark.parametrize("page", ["timeline", "hostile", "feeds", "feeds-base"])
def test_csp_allows_exactly_the_inline_style_and_scripts(page: str) -> None:
    html = {
        "timeline": lambda: render_timeline(sample_table(), SAMPLE_FEEDS),
        "hostile": lambda: render_timeline(hostile_table()),
        "feeds": lambda: render_feeds_page(SAMPLE_FEEDS),
        "feeds-base": lambda: render_feeds_page(SAMPLE_FEEDS, "https://example.org/"),
    }[page]()
    csp = _csp(html)
    assert csp["default-src"] == ["'none'"]
    assert csp["base-uri"] == ["'none'"] and csp["form-action"] == ["'none'"]
    assert csp["img-src"] == ["data:"]
    styles = [content for _, content in raw_element_contents(html, "style")]
    scripts = [
        content
        for opening, content in raw_element_contents(html, "script")
        if "application/json" not in opening
    ]
    assert csp["style-src"] == [_sha256(style) for style in styles]
    hashes = [_sha256(script) for script in scripts]
    if page in ("timeline", "hostile"):  # and the site's own data pieces, by <script src>
        assert csp["script-src"] == ["'self'", *hashes]
    else:
        assert csp["script-src"] == (hashes or ["'none'"])
    assert "unsafe-inline" not in html and "unsafe-eval" not in html


def test_nothing_is_fetched_and_no_inline_handler_or_style(hostile_html: str) -> None:
    for node in parse(hostile_html).walk():
        for name, value in node.attrs.items():
            assert not name.startswith("on"), (node.tag, name)
            assert name != "style", node.tag
            assert name != "src", node.tag
            if name == "href" and node.tag == "link":
                assert value.startswith("data:")
        assert node.tag not in ("img", "iframe", "object", "embed", "base", "form")


def test_hostile_text_is_escaped(hostile_html: str) -> None:
    assert "<script>alert" not in hostile_html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in hostile_html
    assert "<img src=x" not in hostile_html
    assert '"onerror=' not in hostile_html
    assert hostile_html.count("</style>") == 1
    tree = parse(hostile_html)
    [template] = tree.find_all("li", id="event-ev-a000000000000002")
    assert template.find_all("h4")[0].text() == "{{ 7*7 }} 模板注入"
    [item] = tree.find_all("li", id="event-ev-a000000000000001")
    assert item.find_all("h4")[0].text() == "<script>alert(1)</script>"
    scripts = tree.find_all("script")
    assert len(scripts) == 3  # the data block, the filters, the feed links


def test_only_http_addresses_become_links(hostile_html: str) -> None:
    hrefs = [a.attrs.get("href", "") for a in parse(hostile_html).find_all("a")]
    assert not [h for h in hrefs if re.match(r"\s*(javascript|data|vbscript):", h, re.I)]
    # One address check for the table, the feeds and the page: characters an address
    # must percent-encode make it no link, shown as text, escaped.
    assert "https://example.org/long?a=1&b=<2>" not in hrefs
    assert "https://example.org/long?a=1&amp;b=&lt;2&gt;" in hostile_html


@pytest.mark.parametrize(
    ("url", "link"),
    [
        ("https://example.org/a", True),
        ("http://example.org/a?b=1", True),
        ("javascript:alert(1)", False),
        (" JAVASCRIPT:alert(1)", False),
        ("java\tscript:alert(1)", False),
        ("data:text/html,x", False),
        ("//example.org/a", False),
        ("https://", False),
        ("file:///etc/passwd", False),
        ("https://exa mple.org/", False),
    ],
)
def test_web_address(url: str, link: bool) -> None:
    assert (web_address(url) is not None) is link


def test_bidirectional_controls_are_isolated(hostile_html: str) -> None:
    tree = parse(hostile_html)
    body = tree.find_all("body")[0]
    for node in body.walk():
        if node.tag in ("script", "title"):
            continue
        for child in node.children:
            if isinstance(child, str) and "\u202e" in child:
                assert node.tag == "bdi" or any(a.tag == "bdi" for a in node.ancestors()), node.tag


def _json_block(html: str) -> tuple[str, dict]:
    [(opening, content)] = [
        (o, c) for o, c in raw_element_contents(html, "script") if 'type="application/json"' in o
    ]
    return content, json.loads(content)


def test_json_block_cannot_break_out_of_its_script(hostile_html: str) -> None:
    content, data = _json_block(hostile_html)
    for character in "<>&\u2028\u2029":
        assert character not in content
    assert HOSTILE_ASSOCIATION in data["associations"]
    assert [row[0] for row in data["events"]] == [
        "ev-a000000000000003",
        "ev-a000000000000004",  # 广东省… sorts before 汕头市… on the same day
        "ev-a000000000000001",
        "ev-a000000000000002",
    ]


def test_script_json_escapes_every_breakout() -> None:
    text = str(script_json({"k": "</script><!--<script>&\u2028\u2029"}))
    assert (
        text == '{"k":"\\u003c/script\\u003e\\u003c!--\\u003cscript\\u003e\\u0026\\u2028\\u2029"}'
    )
    assert json.loads(text) == {"k": "</script><!--<script>&\u2028\u2029"}


# --- determinism, size, files -----------------------------------------------------


def test_the_same_table_renders_the_same_bytes() -> None:
    first = render_timeline(sample_table(), SAMPLE_FEEDS)
    shuffled = sample_table().sample(frac=1, random_state=7).reset_index(drop=True)
    assert render_timeline(shuffled, SAMPLE_FEEDS) == first
    assert render_timeline(sample_table(), SAMPLE_FEEDS) == first


def _assets_size(html: str) -> int:
    """The inline stylesheet and scripts: the same few kilobytes in every page."""
    return sum(
        len(content.encode())
        for tag in ("style", "script")
        for opening, content in raw_element_contents(html, tag)
        if "application/json" not in opening
    )


def test_page_size_stays_small(sample_html: str, hostile_html: str) -> None:
    assets = _assets_size(sample_html)
    assert assets < 52_000  # the stylesheet, the filters, the overview, reviews, search
    assert len(sample_html.encode()) - assets < 40_000
    # The 10,000-character sentence appears once in the page, not in the data too.
    assert len(hostile_html.encode()) - assets < len(LONG_DESCRIPTION.encode()) + 40_000


def test_a_thousand_events_stay_under_two_kilobytes_each() -> None:
    rows = [
        event(
            f"ev-{i:016x}",
            [TEXTILE, FURNITURE, AUTO, CHAMBER][i % 4],
            date(2015 + i % 10, 1 + i % 12, 1 + i % 28),
            date(2015 + i % 10, 1 + i % 12, 1 + i % 28),
            "day",
            f"第{i}次理事会",
            f"{1 + i % 12}月{1 + i % 28}日，协会召开第{i}次理事会，审议年度工作报告。",
            f"{1 + i % 12}月{1 + i % 28}日",
        )
        for i in range(1000)
    ]
    html = render_timeline(pd.DataFrame(rows))
    assert len(html.encode()) < 1000 * 2_000


def test_an_empty_table_renders_a_page_without_overview() -> None:
    html = render_timeline(pd.DataFrame(columns=[*SAMPLE_EVENTS[0]]))
    assert "暂无事件" in html and "<svg" not in html and "<ol" not in html


def test_write_timeline_writes_index_and_feeds_pages(tmp_path: Path) -> None:
    index = write_timeline(sample_table(), tmp_path / "public", SAMPLE_FEEDS)
    assert index == tmp_path / "public" / "index.html"
    assert index.read_text(encoding="utf-8") == render_timeline(sample_table(), SAMPLE_FEEDS)
    assert (tmp_path / "public" / "feeds.html").is_file()
    assert sorted(p.name for p in index.parent.iterdir()) == [
        "associations",
        "feeds.html",
        "index.html",
        "search",
        "years",
    ]
    years = sorted(p.name for p in (index.parent / "years").iterdir())
    assert years == [
        f"{year}.html" for year in sorted(set(sample_table()["start"].map(str).str[:4]))
    ]
    associations = sorted(p.name for p in (index.parent / "associations").iterdir())
    table = sample_table()
    assert (
        associations
        == sorted(  # each association's page, and its page of each year
            {f"{slugify(name)}.html" for name in set(table["association"])}
            | {
                f"{slugify(name)}-{str(start)[:4]}.html"
                for name, start in zip(table["association"], table["start"], strict=True)
            }
        )
    )
    # a summary chunk and a shard of postings per span of years, years.js, reviews.js
    spans = {int(year[:4]) - int(year[:4]) % SEARCH_SPAN for year in years}
    assert sorted(p.name for p in (index.parent / "search").iterdir()) == sorted(
        [*(f"p{span}{kind}0.js" for span in spans for kind in "eg"), "reviews.js", "years.js"]
    )


def test_rewriting_an_unchanged_page_leaves_the_file_alone(tmp_path: Path) -> None:
    index = write_timeline(sample_table(), tmp_path)
    before = index.stat().st_mtime_ns
    index.touch()
    touched = index.stat().st_mtime_ns
    write_timeline(sample_table(), tmp_path)
    assert index.stat().st_mtime_ns == touched >= before


def test_templates_are_package_data() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]["exports"]
    templates = ROOT / "exports" / "templates"
    for file in templates.iterdir():
        assert any(file.match(pattern) for pattern in patterns), file.name


def test_feeds_written_by_the_ics_exporter_are_listed(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from exports.ics import build_feeds

    feeds = build_feeds(sample_table(), tmp_path, now=datetime(2024, 5, 1, tzinfo=UTC))
    write_timeline(sample_table(), tmp_path, feeds)
    tree = parse((tmp_path / "feeds.html").read_text(encoding="utf-8"))
    links = [a.attrs["href"] for a in tree.find_all("a") if a.attrs.get("class") == "download"]
    assert links == [feed.path for feed in feeds] and len(links) == 5
    assert all((tmp_path / link).is_file() for link in links)
