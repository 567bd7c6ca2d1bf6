"""The fast path of runs of dates (``normalizers.fast``) never changes what is found.

Every text of the equivalence benchmark (each golden case line alone and eight at a
time, the sample documents whole and line by line, every pathological input and
mixtures of date pieces) and generated runs of every form of the fast path, with
neighbours that may change them (a connector, a label, a qualifier, an invalid value
inside the run), are resolved with the fast path on and off: the results must be
the same, field for field, under several contexts.
"""

from __future__ import annotations

import random
import sys
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from normalizers import DocumentContext, extract, fast, normalize
from normalizers.tables.characters import fold

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))

import equivalence  # noqa: E402
import pathological  # noqa: E402

CONTEXTS = [
    DocumentContext(None, "news"),
    DocumentContext(date(2023, 9, 8), "news"),
    DocumentContext(date(2024, 1, 10), "narrative"),
]

_CN = "〇零一二三四五六七八九"
#: What may stand before, between and after runs: connectors, labels, cues of
#: qualifiers and of the present, pieces of dates, a time of day, a line break.
NOISE = [
    *("", "，", "。", "\n", " ", "从", "至", "到", "-", "—", "第", "截至", "于", "年", "月"),
    *("日", "1", "12", "今年", "农历", "起", "前", "之间", "和", "（周五）", "上午9时", "度"),
    *("初", "底", "份", "下旬", "以来", "将于", "灯会", "规划", "发布时间：", "(", "二、"),
]


def _unit(form: str, rng: random.Random, plain: bool) -> str:
    """One date of ``form``, now and then one the fast path must leave to the rules
    (a year 0999, a 2月30日, 二月 after 初十), with what may follow it (when ``plain``,
    only what leaves two explicit dates apart)."""
    year = rng.choice([rng.randint(1000, 2199), rng.randint(0, 9999), 2023, 2000, 2100])
    month = rng.choice([rng.randint(1, 12), rng.randint(0, 19), 2])
    day = rng.choice([rng.randint(1, 31), rng.randint(0, 39), 29, 30])
    arabic_sep = rng.choice(
        ["", "，", "、", "；"] if plain else ["", "", "，", "、", "；", "至", "到", " ", "日", "-"]
    )
    list_sep = rng.choice(["", "", "，", "、", "。"])
    if form == "ymd":
        return f"{year}年{month}月{day}日{arabic_sep}"
    if form == "ym":
        return f"{year}年{month}月{arabic_sep}"
    if form == "y":
        return f"{year}年{arabic_sep}"
    if form == "cy":
        return "".join(rng.choice(_CN) for _ in range(4)) + "年" + list_sep
    if form == "md":
        return f"{month}月{day}日{arabic_sep}"
    if form == "md-loose":
        first = rng.choice([rng.randint(1, 9), rng.randint(1, 9), month])
        second = rng.choice([rng.randint(1, 9), rng.randint(1, 9), day])
        return f"{first}月{second}月" + rng.choice(["", "", "", "", "日", "，"])
    if form == "d":
        return f"{day}日" + rng.choice(["、", "，", "、", "日", ""])
    if form == "festival":
        names = (*fast.FESTIVAL_NAMES, "国庆", "元宵", "清明节", "中秋")
        return rng.choice(names) + rng.choice(["", "", "，", "、", "灯会", "路"])
    if form == "relative":
        words = (*fast.RELATIVE_WORDS, "前年", "后年", "前", "以来", "3月", "上半年")
        return rng.choice(words) + list_sep
    if form == "english":
        month_name = rng.choice(fast.ENGLISH_MONTH_NAMES)
        return f"{month_name} {day}, " + rng.choice(["", "", "2023 ", "and ", "to "])
    if form == "lunar-month":
        month_name = rng.choice("正二三四五六七八九十冬腊闰") + rng.choice(["", "", "一", "二"])
        return f"农历{month_name}月" + rng.choice(["", "，", "初一", "十五"])
    assert form == "lunar-day"
    days = ["初一", "初十", "十五", "二十", "廿三", "三十", "十", "初", "十二"]
    return rng.choice("正冬腊二八") + "月" + rng.choice(days) + list_sep


def generated_runs(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    found = []
    for _ in range(count):
        parts = []
        for _ in range(rng.randint(1, 4)):
            form = rng.choice(list(fast.UNITS))
            parts.append(rng.choice(NOISE))
            plain = rng.random() < 0.5
            parts += [_unit(form, rng, plain) for _ in range(rng.randint(3, 12))]
            parts.append(rng.choice(NOISE))
        found.append("".join(parts))
    return found


def _both_ways(text: str, context: DocumentContext, monkeypatch) -> tuple[str, str]:
    monkeypatch.setattr(fast, "ENABLED", False)
    plain = repr(normalize(text, context))
    monkeypatch.setattr(fast, "ENABLED", True)
    return plain, repr(normalize(text, context))


def _same_both_ways(texts: list[str], taken, monkeypatch) -> int:
    """Every text resolves the same with and without the fast path in every context;
    how many of them the fast path took (``taken`` of the folded text)."""
    count = 0
    for text in texts:
        count += taken(fold(text))
        for context in CONTEXTS:
            plain, quick = _both_ways(text, context, monkeypatch)
            assert quick == plain, (text, context)
    return count


def test_equivalence_texts_resolve_the_same_with_and_without_the_fast_path(monkeypatch):
    texts = equivalence.texts([])
    used = 0
    for text in texts:
        used += bool(fast.fast_runs(fold(text))[0])
        for context in CONTEXTS:
            plain, quick = _both_ways(text, context, monkeypatch)
            assert quick == plain, (text[:200], context)
    assert used >= 10  # the dense inputs take the fast path


@pytest.mark.parametrize("seed", range(3))
def test_generated_runs_extract_the_same_partials_with_and_without_it(seed):
    used = 0
    for text in generated_runs(700, seed):
        folded = fold(text)
        settled, partials, blocks = fast.fast_runs(folded)
        used += bool(settled)
        chains = any(type(partial) is fast.ChainOfDays for partial in partials)
        if not blocks and not chains:  # blocks and chains: their resolution compared below
            assert extract.extract(folded, fast=True) == extract.extract(folded, fast=False)
    assert used > 200  # most runs are settled (some are left whole to the rules)


@pytest.mark.parametrize("seed", range(3))
def test_generated_runs_resolve_the_same_with_and_without_it(seed, monkeypatch):
    kinds = Counter()
    for text in generated_runs(300, 100 + seed):
        kinds.update(type(block).__name__ for block in fast.fast_runs(fold(text))[2])
        for context in CONTEXTS[1:]:
            plain, quick = _both_ways(text, context, monkeypatch)
            assert quick == plain, (text, context)
    # Runs of explicit dates were resolved whole, runs of days anchored without partials
    # (runs of relative words: test_runs_of_relative_words_resolve_the_same…).
    assert kinds["Block"] > 15
    assert kinds["RunOfDays"] > 15


def _word_runs(count: int, seed: int) -> list[str]:
    """Runs of relative words only, year words and day words in every order, with a
    list mark or nothing between them, so that a year word and the day word after it
    (明年次日) fall at every place of a run: at its ends, at the block's ends, inside."""
    rng = random.Random(seed)
    words = [*fast.RELATIVE_WORDS, "今年次日", "明年当天"]
    # What sets the anchoring's state before the run: the paragraph's present, a focus
    # year, an earlier day.
    heads = ["", "", "截至2021年9月，", "2022年工作总结\n", "8月3日，"]
    return [
        rng.choice(heads)
        + rng.choice(NOISE)
        + "".join(rng.choice(words) + rng.choice(["", "", "，", "、"]) for _ in range(n))
        + rng.choice(NOISE)
        for n in (rng.randint(3, 14) for _ in range(count))
    ]


@pytest.mark.parametrize("seed", range(2))
def test_runs_of_relative_words_resolve_the_same_with_and_without_it(seed, monkeypatch):
    """A year word joined to its day word (明年次日) inside the block, across its ends or
    outside it: the same mentions and warnings as the joins and the anchoring give."""

    def taken(folded: str) -> bool:
        return any(type(block) is fast.RunOfWords for block in fast.fast_runs(folded)[2])

    assert _same_both_ways(_word_runs(300, 200 + seed), taken, monkeypatch) > 200


def _lunar_day_runs(count: int, seed: int) -> list[str]:
    """Runs of lunar days (正月初一腊月三十…) with plain gaps, a day 三十 now and then
    that a short month lacks, months that go back (腊月 after 正月: the next year's, or
    the same year's when far away), after heads that set the narrative, its year, the
    paragraph's present or a plan (将)."""
    rng = random.Random(seed)
    days = [*(f"初{d}" for d in "一二三四五六七八九十"), "十五", "二十", "廿三", "廿九", "三十"]
    heads = ["", "", "2023年3月5日，", "2001年12月30日，", "截至2022年9月，", "协会将于", "\n"]
    return [
        rng.choice(heads)
        + rng.choice(NOISE)
        + "".join(
            rng.choice("正冬腊") + "月" + rng.choice(days) + rng.choice(["", "", "，", "、"])
            for _ in range(n)
        )
        + rng.choice(NOISE)
        for n in (rng.randint(3, 14) for _ in range(count))
    ]


@pytest.mark.parametrize("seed", range(2))
def test_runs_of_lunar_days_resolve_the_same_with_and_without_it(seed, monkeypatch):
    """A run of lunar days is anchored as a :class:`fast.RunOfDays` like the rules'
    partials, when the year changes, a day does not exist or no narrative is set."""

    def taken(folded: str) -> bool:
        found = fast.fast_runs(folded)[2]
        return any(type(block) is fast.RunOfDays and block.lunar for block in found)

    assert _same_both_ways(_lunar_day_runs(250, 300 + seed), taken, monkeypatch) > 150


def _lunar_month_runs(count: int, seed: int) -> list[str]:
    """Runs of whole lunar months (农历正月农历腊月…) with plain gaps, months that go
    back (腊月 after 正月: the next year's, or the same year's when far away), after
    heads that set the narrative, a year out of the calendar's (1850), the
    paragraph's present, a focus year or a plan (将)."""
    rng = random.Random(seed)
    months = ["正", "二", "五", "八", "十", "十一", "十二", "冬", "腊"]
    heads = ["", "", "2023年3月5日，", "2001年12月30日，", "1850年5月1日，", "截至2022年9月，"]
    heads += ["2022年工作总结\n", "协会将于", "\n"]
    return [
        rng.choice(heads)
        + rng.choice(NOISE)
        + "".join(
            "农历" + rng.choice(months) + "月" + rng.choice(["", "", "，", "、"]) for _ in range(n)
        )
        + rng.choice(NOISE)
        for n in (rng.randint(3, 14) for _ in range(count))
    ]


@pytest.mark.parametrize("seed", range(2))
def test_runs_of_lunar_months_resolve_the_same_with_and_without_it(seed, monkeypatch):
    """A run of whole lunar months is anchored as a :class:`fast.RunOfDays` of months
    like the rules' partials: when the year changes, no narrative is set, the year
    is out of the lunar calendar's or a focus heading lies before it."""

    def taken(folded: str) -> bool:
        found = fast.fast_runs(folded)[2]
        return any(type(block) is fast.RunOfDays and block.months for block in found)

    assert _same_both_ways(_lunar_month_runs(250, 400 + seed), taken, monkeypatch) > 150


def _range_chains(count: int, seed: int) -> list[str]:
    """Chains of ranges of days (8月1日至8月3日至…, 到 too), of odd and even lengths, with
    a list mark now and then that ends a chain, after what may take the first date
    or not (a range's first end, a day, a year, a cue of the present, a plan) and
    before what may join the last date (a day, 至今, 起, a year), with days that a
    month lacks or that go back in the year."""
    rng = random.Random(seed)
    heads = ["", "", "2023年3月5日，", "2001年12月30日，", "截至2022年9月，", "协会将于", "\n"]
    heads += ["8月1日至", "2023年7月1日至", "5日至", "2022年工作总结\n", "2023年", "发布时间："]
    tails = ["", "9日", "至今", "起", "、", "2024年", "以来", "前", "上午9时", "（周五）"]

    def day() -> str:
        month = rng.choice([rng.randint(1, 12), rng.randint(1, 12), 1, 12, 2])
        days = [rng.randint(1, 28), rng.randint(1, 28), rng.randint(1, 31), 1, 29, 31]
        return f"{month}月{rng.choice(days)}日"

    texts = []
    for _ in range(count):
        parts = [rng.choice(heads), rng.choice(NOISE)]
        for _ in range(rng.randint(6, 20)):
            parts += [day(), rng.choice(["至"] * 12 + ["到", "到", "、", ""])]
        parts += [day(), rng.choice(tails), rng.choice(NOISE)]
        texts.append("".join(parts))
    return texts


@pytest.mark.parametrize("seed", range(3))
def test_chains_of_ranges_resolve_the_same_with_and_without_it(seed, monkeypatch):
    """A chain of ranges is paired as the joins pair it (its first date taken by the
    date before or not, a date left over joined to what follows) and anchored as
    the rules' ranges are, when the year changes, no narrative is set, or a day
    does not exist in its year."""

    def taken(folded: str) -> bool:
        return any(type(partial) is fast.ChainOfDays for partial in fast.fast_runs(folded)[1])

    assert _same_both_ways(_range_chains(250, 500 + seed), taken, monkeypatch) > 120


@pytest.mark.parametrize(
    "name",
    [
        "year runs 2023年",
        "dates run together 2023年8月22日",
        "day list 22日、",
        "range chain 8月1日至",
        "month runs 8月",
        "full-width date ２０２３年８月",
        "chinese year 二〇二三年",
        "lunar 农历正月",
        "lunar days 正月初一",
        "festivals 春节元宵节",
        "relative 今年去年",
        "June 18, ",
    ],
)
def test_dense_inputs_are_settled_by_the_fast_path_but_their_ends(name):
    folded = fold(pathological.INPUTS[name](30_000))
    stretches, _, _ = fast.fast_runs(folded)
    settled = sum(end - start for start, end in stretches)
    assert settled > 0.9 * len(folded)


def test_ordinary_text_takes_the_rules_only():
    folded = fold(pathological.INPUTS[pathological.ORDINARY](200_000))
    assert fast.fast_runs(folded) == ([], [], [])
