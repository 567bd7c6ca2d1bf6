"""The shortcuts that make dense text cheap never change what is found.

Extraction skips work in four places (see ``normalizers.extract`` and
``normalizers.anchor``): a rule's second look at the two characters after a
number, a production left until its match wins its place, only the matched
branch's groups read, and a sentence's bounds and cue words found by ``rfind``
and one pattern. Each test here holds one of them against the plain way of
doing the same thing, which is what the code did before.
"""

from __future__ import annotations

import random
import re
from datetime import date
from pathlib import Path

import pytest

from normalizers import DocumentContext, anchor, extract, find_dates
from normalizers.rules import ALL_RULES, absolute, english, traps
from normalizers.rules.base import branch_groups
from normalizers.tables.characters import fold
from normalizers.tables.relative import FUTURE_CUES, PAST_CUES

ROOT = Path(__file__).resolve().parents[1]
CONTEXT = DocumentContext(published=date(2023, 9, 8))

#: Characters around numbers in dates and in things that are not dates.
ALPHABET = [
    *"0123456789 \t-~./、,，。\n",
    *"年月日号份的第最前头后至到天个周星期八十一二三世纪代",
    *"JjtoaSsOo",
    *"\N{LATIN CAPITAL LETTER I WITH DOT ABOVE}\N{LATIN SMALL LETTER DOTLESS I}",
    *"\N{LATIN SMALL LETTER LONG S}\N{KELVIN SIGN}",
    "",
]
#: What may follow the two characters looked at.
TAILS = [
    "",
    "1日",
    "日",
    "8日",
    "月",
    "二个星期日",
    "个星期日",
    "一个星期一",
    "天",
    "4天",
    "后4天",
    "une 2023",
    "une",
    "o 14 October",
    "ept. 8",
    " October",
    "ctober 2023",
    "f June",
    "9",
    "0日",
    " 20日",
]
NUMBERS = ["8", "18", "80", "2023", "十", "八", "八十", "二〇二三"]


def _texts() -> list[str]:
    """Every corpus line, the sample documents, and dense runs of dates."""
    texts = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "data/corpus").glob("*.txt"))]
    for path in sorted((ROOT / "tests/corpus").glob("*.txt")):
        texts += [
            line
            for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith(("#", "@"))
        ]
    units = ["8月", "2023年", "22日、", "8月1日至", "June 18, ", "1 ", "2023 ", "农历正月"]
    texts += [unit * 40 for unit in units]
    chooser = random.Random(12)
    texts += ["".join(chooser.choice(units + ALPHABET) for _ in range(80)) for _ in range(200)]
    return texts


TEXTS = _texts()


@pytest.mark.parametrize(
    "rule", [rule for rule in ALL_RULES if rule.second_look is not None], ids=lambda r: r.name
)
def test_a_second_look_never_refuses_a_match(rule) -> None:
    refused = 0
    for number in NUMBERS:
        # The engine looks at whole runs: what follows is never a character of the run,
        # an Arabic run is tried at its start, a Chinese one at each of its places.
        digits, run_chars = (number, "0123456789") if number.isascii() else ("", "八十一二三")
        starts = range(1) if number.isascii() else range(len(number))
        for following in ALPHABET:
            if following and following in run_chars:
                continue
            for second in ALPHABET if following else [""]:
                if rule.second_look(digits, following, second):
                    continue
                refused += 1
                for tail in TAILS if second else [""]:
                    text = number + following + second + tail
                    for start in starts:
                        assert rule.pattern.match(text, start) is None, (rule.name, text, start)
    assert refused > 0  # the look does refuse something, or it would be useless


def _eager(folded: str) -> list:
    """What select kept before any production was left for later: every match
    produced at once, the longest of overlapping partials kept."""
    found = []
    for rule, position in extract._attempts(folded):
        matched = rule.pattern.match(folded, position)
        if matched is not None:
            partial = rule.produce(matched, folded)
            if partial is not None:
                found.append(partial)
    found.sort(
        key=lambda p: (p.span[0] - p.span[1], p.span[0], extract._RULE_ORDER.get(p.rule, 99))
    )
    taken: set[int] = set()
    kept = []
    for partial in found:
        cells = set(range(*partial.span))
        if not cells & taken:
            taken |= cells
            kept.append(partial)
    return sorted(kept, key=lambda p: p.span[0])


def test_productions_left_for_later_keep_what_producing_everything_keeps() -> None:
    assert any(rule.same_span for rule in ALL_RULES)
    for text in TEXTS:
        folded = fold(text)
        assert extract.select(extract.candidates(folded), folded) == _eager(folded), text[:60]


def test_a_same_span_production_of_another_span_is_an_error() -> None:
    folded = "8月8日"
    matched = re.compile("8月").match(folded)

    def wider(m, text):
        return absolute._partial(m, "month", month=8).moved(span=(0, 4))

    with pytest.raises(RuntimeError, match="same_span"):
        extract.select([(-2, 0, extract._UNRANKED, 2, matched, wider)], folded)


def _matches(pattern, texts=TEXTS):
    """Every match of ``pattern`` at every position of the folded ``texts``, with the
    twenty characters from where it starts."""
    for text in texts:
        folded = fold(text)
        for position in range(len(folded)):
            matched = pattern.match(folded, position)
            if matched is not None:
                yield folded[position : position + 20], matched


@pytest.mark.parametrize(
    ("pattern", "groups"),
    [
        (absolute.NUMERIC, absolute._GROUPS),
        (absolute._YEAR_FIRST, absolute._GROUPS),
        (absolute._SHORT_FIRST, absolute._GROUPS),
    ],
    ids=["absolute", "absolute-year-first", "absolute-short-first"],
)
def test_the_branch_groups_are_the_match_groups(pattern, groups) -> None:
    matches, branches = 0, set()
    for place, matched in _matches(pattern):
        matches += 1
        branches.add(matched.lastindex)
        read = groups(matched)
        for name, value in matched.groupdict().items():
            assert read[name] == value, (place, name)
    assert matches > 100 and len(branches) >= 5


@pytest.mark.parametrize(
    "pattern",
    [absolute.NUMERIC, absolute._YEAR_FIRST, absolute._SHORT_FIRST],
    ids=["absolute", "absolute-year-first", "absolute-short-first"],
)
def test_the_numeric_form_read_from_the_last_group_is_the_form_that_matched(pattern) -> None:
    """``absolute.produce`` tells the form by ``m.lastindex``: it is the form of the
    first group the match set (each form's first group is always written)."""
    forms = set()
    for place, matched in _matches(pattern):
        first = next(name for name, value in matched.groupdict().items() if value)
        form = absolute._FORM_OF[id(pattern)][matched.lastindex]
        assert form == first.split("_")[0], (place, form)
        forms.add(form)
    assert len(forms) >= 6


def test_the_english_form_read_from_the_last_group_is_the_form_that_matched() -> None:
    """``english.produce`` tells the form by ``m.lastindex``: every group the match
    set belongs to that form (a failed branch leaves none set), and every form is met."""
    forms = set()
    texts = [*_english_texts(), "in the 1990s", "last year", "12 to 14 October 2023", *TEXTS]
    for place, matched in _matches(english.ENGLISH, texts):
        form = english.FORM_OF[matched.lastindex]
        written = {name for name, value in matched.groupdict().items() if value is not None}
        assert written and {name.split("_")[0] for name in written} == {form}, place
        forms.add(form)
    assert forms == {"a", "b", "r", "c", "e", "rel", "decade"}


def _sentence_by_walking(text: str, start: int, end: int) -> str:
    """The sentence as the anchorer found it before: a walk over the 80 characters."""
    left = max(
        (m.end() for m in anchor.SENTENCE_END.finditer(text, max(0, start - 80), start)),
        default=max(0, start - 80),
    )
    right = anchor.SENTENCE_END.search(text, end, end + 80)
    return text[left : right.start() if right else end + 80]


def test_sentence_bounds_and_cue_words_are_those_of_the_walk() -> None:
    chooser = random.Random(5)
    pieces = [*"。！？!?；;\n，的了已将拟年月日", "计划", "即将", "上周", "预计", "x" * 30]
    for _ in range(3000):
        text = "".join(chooser.choice(pieces) for _ in range(chooser.randint(1, 40)))
        start = chooser.randint(0, len(text))
        end = chooser.randint(start, len(text))
        sentence = _sentence_by_walking(text, start, end)
        left, right = anchor._sentence_bounds(text, start, end)
        assert text[left:right] == sentence
        future = any(cue in sentence for cue in FUTURE_CUES)
        assert anchor._speaks_of_future(text, (start, end)) is future
        assert anchor._speaks_of_past(text, (start, end)) is any(
            cue in sentence for cue in PAST_CUES
        )


def test_a_run_of_month_days_still_finds_every_other_one() -> None:
    # 8月8 is a loose month-day and wins over 8月 at the same place; the next 8月8
    # overlaps it, so one mention in two: the shortcuts keep exactly that reading.
    mentions = find_dates("8月" * 8, CONTEXT)
    assert [m.text for m in mentions] == ["8月8"] * 4
    assert all(m.start == date(2023, 8, 8) for m in mentions)


@pytest.mark.parametrize(
    "rule", [rule for rule in ALL_RULES if rule.own_span is not None], ids=lambda r: r.name
)
def test_own_span_says_yes_only_to_partials_of_the_match_s_span(rule) -> None:
    said_yes = said_no = 0
    texts = [*TEXTS, "2023年8月15 8月15", "2023年 8月15", "年8月15", "\t8月15", "8月15"]
    for text in texts:
        folded = fold(text)
        for position in range(len(folded)):
            matched = rule.pattern.match(folded, position)
            if matched is None:
                continue
            partial = rule.produce(matched, folded)
            if not rule.own_span(matched, folded):
                said_no += 1
                continue
            said_yes += 1
            if partial is not None:
                assert (partial.span, partial.rule) == (matched.span(), rule.name), text[:60]
    assert said_yes > 0 and said_no > 0


def test_a_keyword_and_its_prefix_try_each_rule_once_per_place() -> None:
    # Jun and June, Christmas and Christmas Eve, 一季度 and 一季度末 are found together.
    texts = [*TEXTS, "June June 18, Christmas Eve 一季度末 Mid-Autumn Festival Later this year"]
    for text in texts:
        folded = fold(text)
        tried = list(extract._attempts(folded))
        assert len(tried) == len(set(tried)), text[:60]


@pytest.mark.parametrize("name", ["absolute.numeric", "notations.numbers"])
def test_the_numeric_rules_refuse_only_numbers_they_cannot_match(name) -> None:
    # Some rules' worth_trying is a choice (english.years skips 2023-); these rules'
    # are pure shortcuts: what they refuse, their pattern never matches (1 2 3 …
    # for the notations: no form starts with a short number and a space).
    rule = next(rule for rule in ALL_RULES if rule.name == name)
    refused = 0
    for digits in ["8", "18", "123", "2023", "20231", "202301"]:
        for following in ALPHABET:
            if following and following in "0123456789":
                continue
            if rule.worth_trying(digits, following):
                continue
            refused += 1
            # The engine asks at the start of a whole run: "" after it is the text's end.
            for second in ALPHABET if following else [""]:
                for tail in TAILS if following else [""]:
                    text = digits + following + second + tail
                    assert rule.pattern.match(text, 0) is None, (rule.name, text)
    assert refused > 0


#: What may stand before a number: cues of English years, connectors of ranges,
#: spaces, letters, digits and Chinese.
HEADS = [
    "",
    *(f"{cue} " for cue in ("in", "since", "from 2019 to", "between 2019 and", "mid-", "early")),
    *("至", "到", "-", "~", "2020-", "2020 至 ", "2020至", "2008.03-", "——"),
    *(" ", "\t", "  ", "x", "X ", "年", "，", ",", "2022,", "的", "8", "abc\t "),
    "        ",
    "至         ",
]


@pytest.mark.parametrize(
    "rule", [rule for rule in ALL_RULES if rule.before_look is not None], ids=lambda r: r.name
)
def test_a_look_before_never_refuses_a_partial(rule) -> None:
    """Wherever the rule's production gives a partial at the start of a number, the
    character the engine finds before it (``extract._prior``) is one the rule's
    ``before_look`` keeps, or none at all; and the look does refuse some places."""
    refused = produced = 0
    texts = [head + number + tail for head in HEADS for number in NUMBERS for tail in TAILS]
    for text in [*texts, *TEXTS]:
        folded = fold(text)
        for run in extract.NUMBER_RUN.finditer(folded):
            start = run.start()
            prior = extract._prior(folded, start)
            kept = prior == "" or prior in rule.before_look
            matched = rule.pattern.match(folded, start)
            partial = rule.produce(matched, folded) if matched is not None else None
            if partial is not None:
                produced += 1
                assert kept, (rule.name, text, start, prior)
            refused += not kept
    assert produced > 0 and refused > 0


def test_the_order_of_a_candidate_sorts_as_its_length_place_and_rank() -> None:
    """``extract.order`` sorts candidates as the tuple (start - end, start, rank) does:
    longest first, then in text order, then by the rules' order."""
    chooser = random.Random(7)
    triples = []
    for _ in range(20000):
        start = chooser.choice([0, 1, 2, chooser.randrange(10**6), chooser.randrange(10**9)])
        end = start + chooser.randint(1, 40)
        triples.append((start, end, chooser.choice([0, 1, 30, 98, 99, 127])))
    by_tuple = sorted(triples, key=lambda t: (t[0] - t[1], t[0], t[2]))
    assert sorted(triples, key=lambda t: extract.order(*t)) == by_tuple


def _set(matched: re.Match[str]) -> dict[str, str]:
    """The groups that took part in a match (a pattern of fewer forms has fewer groups)."""
    return {name: value for name, value in matched.groupdict().items() if value is not None}


def test_the_numeric_forms_tried_by_shape_match_as_the_whole_pattern() -> None:
    """At the start of every run of Arabic digits (whole or cut short, as the engine
    cuts a run mixed with Chinese numerals), the pattern ``match_by_shape`` gives
    for the run's length and the character after it matches what the whole
    pattern matches: the same span, the same groups; every pattern is used. Digits
    of other scripts after the run (``\\d`` reads them too) included."""
    rule = next(rule for rule in ALL_RULES if rule.name == "absolute.numeric")
    others = ["٣", "٣٣", "३", "०१"]
    texts = [*TEXTS, *(f"{n}{o}年{o}月" for n in NUMBERS for o in others), "1٣٣٣年", "20٢3年"]
    used, compared = set(), 0
    for text in texts:
        folded = fold(text)
        for start in range(len(folded)):
            if not "0" <= folded[start] <= "9" or "0" <= folded[start - 1 : start] <= "9":
                continue  # not the start of a run of Arabic digits
            end = start
            while end < len(folded) and "0" <= folded[end] <= "9":
                end += 1
            match = rule.match_by_shape(min(end - start, 64), folded[end : end + 1])
            by_shape, whole = match(folded, start), absolute.NUMERIC.match(folded, start)
            compared += 1
            used.add(match)
            assert (by_shape is None) == (whole is None), (text, start)
            if whole is not None:
                assert by_shape.span() == whole.span(), (text, start)
                assert _set(by_shape) == _set(whole), (text, start)
                assert absolute._GROUPS(by_shape) == absolute._GROUPS(whole), (text, start)
    assert compared > 1000 and len(used) == 3


def test_the_english_dates_tried_by_shape_match_as_the_whole_pattern() -> None:
    """At the start of every run of Arabic digits, the ``match`` that
    ``english.match_by_shape`` gives for the run's length and the character after it
    (a search for the day-first form, then the whole pattern) matches what the whole
    pattern matches, the same match or none: days, connectors, "of", every month's
    first letter in both cases and the letters that ignoring case reads as them."""
    days = ["8", "18", "31", "3rd", "21st", "1٣", "18٣0s", "2023", "1990s"]
    links = ["", "-", " - ", "~", " to ", "through", " and ", "-14", " to 14", "~14th"]
    gaps = ["", " ", "\t", "  ", " of ", "of ", ", "]
    months = ["June", "jun.", "SEPT", "Auguſt", "October", "oct", "Kelvin", "x", "1", ""]
    texts = [
        f"{head}{day}{link}{gap}{month}"
        for head in ("", "a", " ", "在")
        for day in days
        for link in links
        for gap in gaps
        for month in months
    ]
    rule = next(rule for rule in ALL_RULES if rule.name == "english.dates")
    used, matched = set(), 0
    for text in [*texts, *TEXTS]:
        folded = fold(text)
        for run in re.finditer(r"[0-9]+", folded):
            start, end = run.span()
            match = rule.match_by_shape(min(end - start, 64), folded[end : end + 1])
            by_shape, whole = match(folded, start), english.ENGLISH.match(folded, start)
            used.add(match)
            assert (by_shape and (by_shape.span(), by_shape.groupdict())) == (
                whole and (whole.span(), whole.groupdict())
            ), (text, start)
            matched += whole is not None
    assert matched > 1000 and len(used) == 2


def test_the_quick_refusal_of_a_month_s_cue_refuses_only_where_the_search_finds_none() -> None:
    """``english._may_have_cue`` says no only where ``MONTH_CUE`` finds no cue in the
    24 characters before a month; and it does say no (June June …)."""
    words = [*english._MONTH_CUES, "June", "xin", "x-in", "mid", "Mid-", "IN", "THE END OF"]
    words += [
        "\N{KELVIN SIGN}",
        "thi\N{LATIN SMALL LETTER LONG S}",
        "\N{LATIN CAPITAL LETTER I WITH DOT ABOVE}n",
    ]
    blanks = ["", " ", "\t", "  ", " \n", "\n", " \t "]
    refused = found = 0
    chooser = random.Random(5)
    heads = [w + b for w in words for b in blanks]
    heads += [chooser.choice(words) + chooser.choice(blanks) + h for h in heads]
    heads += ["a" * 30 + " in ", "x" * 23 + " in ", "in" + " " * 30]
    for head in heads:
        text = head + "September"
        start = len(head)
        searched = english.MONTH_CUE.search(text, max(0, start - 24), start)
        quick = english._may_have_cue(text, start)
        found += searched is not None
        refused += not quick
        assert quick or searched is None, repr(head)
    assert found > 50 and refused > 50


def _english_texts() -> list[str]:
    """Months in every spelling after cues and other words, before what each branch of
    the English pattern wants next (a day, a year, a connector) and what none wants."""
    heads = ["", "in ", "In\t", "since  ", "early ", "mid-", "the end of ", "June ", "xin "]
    heads += ["went ", "\n", "年", "this ", "last ", "8 ", "thi\N{LATIN SMALL LETTER LONG S} "]
    months = ["June", "JUNE", "Jun", "Jun.", "Sept.", "Sept", "September", "May", "Mar"]
    months += ["Augu\N{LATIN SMALL LETTER LONG S}t", "Marto", "Juneto", "Jan"]
    tails = ["", " ", " 18", "  18th", ", 2023", " 2023", " of 2023", " to May 2023", "-June 2023"]
    tails += ["to May 2023", " and July, 2022", "\t~ 14", ".", ",", " June", "18", " x 2023"]
    tails += [" celebrations", " 8-14", " through October 2023", " until 2023", " 2 月"]
    return [h + m + t for h in heads for m in months for t in tails]


@pytest.mark.parametrize(
    "rule", [rule for rule in ALL_RULES if rule.match_by_keyword is not None], ids=lambda r: r.name
)
def test_a_match_by_keyword_refuses_only_matches_that_give_no_partial(rule) -> None:
    """At every keyword the engine finds, the ``match`` the rule gives for that keyword
    matches what its whole pattern matches (same span, same groups), or refuses a
    place where the pattern's match gives no partial; and it does refuse some."""
    refused = produced = 0
    for text in [*_english_texts(), *TEXTS]:
        folded = fold(text)
        for last, (length, tries) in extract._AUTOMATON.iter(folded):
            position = last - length + 1
            if all(attempt[0] is not rule for attempt in tries):
                continue
            quick = (rule.match_by_keyword(folded[position : last + 1]) or rule.pattern.match)(
                folded, position
            )
            whole = rule.pattern.match(folded, position)
            partial = rule.produce(whole, folded) if whole is not None else None
            produced += partial is not None
            if quick is None:
                refused += whole is not None
                assert partial is None, (rule.name, text, position)
            else:
                assert quick.span() == whole.span() and _set(quick) == _set(whole), text
    assert produced > 50 and refused > 50


def _range_texts() -> list[str]:
    """Ranges of years and of days whose ends are in order, equal, reversed or far
    apart, with every connector, in runs and after the characters around dates."""
    years = ["1985", "2019", "2020", "2023", "2024", "2199", "1900", "2101"]
    connectors = ["-", "--", "~", "至", "到", " - ", "\t至 "]
    texts = [f"{a}{c}{b}{n}" for a in years for b in years for c in connectors for n in ("", "年")]
    days = ["0", "1", "3", "18", "20", "31", "32", "99"]
    texts += [f"8月{a}{c}{b}日" for a in days for b in days for c in connectors[:4]]
    texts += [f"{a}{c}{b}号" for a in days for b in days for c in connectors[:4]]
    texts += ["2023-" * 12, "2024-2019-2014-", "18-18日、20-19日", "1.2023-2023", "AB 2023-2023"]
    return [head + text for head in ("", "从", "第", "x", "8") for text in texts]


@pytest.mark.parametrize(
    "rule", [rule for rule in ALL_RULES if rule.refuses is not None], ids=lambda r: r.name
)
def test_a_refused_match_is_one_whose_production_gives_no_partial(rule) -> None:
    """Wherever the rule's pattern matches at a number, ``refuses`` says yes only to a
    match its production turns into nothing, whatever the text around; and it does
    refuse some (2024-2019, 18-18日) while others give a partial."""
    refused = produced = 0
    for text in [*_range_texts(), *TEXTS]:
        folded = fold(text)
        for start in range(len(folded)):
            matched = rule.pattern.match(folded, start)
            if matched is None:
                continue
            partial = rule.produce(matched, folded)
            produced += partial is not None
            if rule.refuses(matched):
                refused += 1
                assert partial is None, (rule.name, text, start)
    assert refused > 50 and produced > 50


def test_the_numeric_pattern_leaves_out_only_ranges_of_two_equal_years(monkeypatch) -> None:
    """The range of years is never offered with two equal years (2023-2023): without
    that guard, the pattern matches the same everywhere else, and where the guard
    changes the match, the unguarded match gives no partial and the guarded one
    gives no partial either (the forms after the range cannot read a connector)."""
    guard = "(?!(?P=yr_a)(?![0-9]))"
    assert guard in absolute.NUMERIC.pattern
    unguarded = re.compile(absolute.NUMERIC.pattern.replace(guard, ""))
    monkeypatch.setitem(absolute._GROUPS_OF, id(unguarded), branch_groups(unguarded))
    monkeypatch.setitem(absolute._FORM_OF, id(unguarded), absolute.forms(unguarded))
    changed = 0
    for text in [*_range_texts(), *TEXTS]:
        folded = fold(text)
        for start in range(len(folded)):
            guarded, plain = absolute.NUMERIC.match(folded, start), unguarded.match(folded, start)
            if plain is None or guarded is not None and guarded.span() == plain.span():
                assert (guarded is None) == (plain is None), (text, start)
                continue
            changed += 1
            assert plain.group("yr_a") == plain.group("yr_b"), (text, start)
            assert absolute.produce(plain, folded) is None, (text, start)
            assert guarded is None or absolute.produce(guarded, folded) is None, (text, start)
    assert changed > 20


@pytest.mark.parametrize(
    "rule", [rule for rule in ALL_RULES if rule.not_after is not None], ids=lambda r: r.name
)
def test_a_character_the_rule_refuses_before_a_number_makes_its_pattern_fail(rule) -> None:
    """Wherever a run of Arabic digits starts, the rule's pattern matches nothing once
    any character of its ``not_after`` stands right before it; and the rule's
    pattern does match at some of those runs without it."""
    matched = 0
    for text in TEXTS:
        folded = fold(text)
        for run in extract.NUMBER_RUN.finditer(folded):
            start = run.start()
            matched += rule.pattern.match(folded, start) is not None
            for char in sorted(rule.not_after):
                changed = folded[:start] + char + folded[start:]
                assert rule.pattern.match(changed, start + 1) is None, (rule.name, text, char)
    assert matched > 0


#: Runs of Chinese numerals, each with what may stand before it.
CHINESE_RUNS = ["八", "十", "十一", "二十", "八十", "十四五", "一十四五", "二〇二三", "二十一"]
#: What may follow them: every rule's tail, and the characters of plans and centuries.
AFTER_CHINESE = [
    *TAILS,
    *ALPHABET,
    *(
        "世纪",
        "世纪八十年代",
        "年代",
        "规划",
        "时期",
        "”",
        "、",
        "月上旬",
        "月前10天",
        "月的最后一天",
        "月份前三天",
    ),
]


@pytest.mark.parametrize(
    "rule",
    [rule for rule in ALL_RULES if rule.after_chinese is not None],
    ids=lambda r: r.name,
)
def test_after_a_run_of_chinese_numerals_a_rule_matches_only_before_its_characters(rule) -> None:
    """At every place of a run of Chinese numerals (where the engine tries the rule),
    the rule's pattern matches only when the character after the run is one of its
    ``after_chinese``, or where one of its keywords starts (两千零四年: the engine
    tries it there anyway); and it does match at some such places."""
    matched = 0
    texts = [
        head + run + tail
        for head in ("", "去年", "2023年", "第", "农历")
        for run in CHINESE_RUNS
        for tail in AFTER_CHINESE
    ]
    for text in [*texts, *TEXTS]:
        folded = fold(text)
        by_keyword = {
            last - length + 1
            for last, (length, tries) in extract._AUTOMATON.iter(folded)
            if any(attempt[0] is rule for attempt in tries)
        }
        for run in extract.NUMBER_RUN.finditer(folded):
            following = folded[run.end() : run.end() + 1]
            for position in range(run.start(), run.end()):
                if folded[position].isascii():
                    continue
                if rule.pattern.match(folded, position) is not None:
                    matched += 1
                    assert following in rule.after_chinese or position in by_keyword, (
                        rule.name,
                        text,
                        position,
                    )
    assert matched > 0


#: Numbers that traps claim and their neighbours: phones, mobiles, percentages, standards.
TRAP_TEXTS = [
    f"{head}{number}{tail}"
    for head in ("", "FZ/T ", "ISO ", "电话", "x")
    for number in (
        "021-52767579",
        "13912345678",
        "13912345678-2019",
        "13912345678%",
        "12.5%",
        "50 %",
        "73020-2019",
        "9001:2015",
        "1.1.1.",
        "2023-08-01",
    )
    for tail in ("", " ", "。", "%", "-2019", "日")
]


@pytest.mark.parametrize(
    "rule", [rule for rule in ALL_RULES if rule.needs is not None], ids=lambda r: r.name
)
def test_every_match_of_a_rule_holds_a_character_it_needs(rule) -> None:
    """A rule with ``needs`` is never tried in a text without those characters: each of
    its matches, wherever it starts, holds one of them."""
    matched = 0
    for text in [*TEXTS, *TRAP_TEXTS]:
        folded = fold(text)
        for position in range(len(folded)):
            found = rule.pattern.match(folded, position)
            if found is not None:
                matched += 1
                assert set(found.group()) & rule.needs, (rule.name, text, found.group())
    assert matched > 0
    assert rule.name in extract._not_in("1.1.1.1.") and rule.name not in extract._not_in("1.5%")


def test_the_number_traps_match_where_their_one_pattern_matched() -> None:
    """traps.numbers and traps.mobile were one pattern: at every start of a run of digits
    at most one of them matches, and the mobile number where the other would have."""
    one = re.compile(
        rf"(?:(?<=[A-Za-z])|(?<=[A-Za-z][ \t]))(?P<standard>{traps._STANDARD})"
        rf"|(?!{traps._STANDARD})(?:0\d{{2,3}}-\d{{7,8}}(?![0-9])|{traps._MOBILE}"
        r"|\d+(?:\.\d+)?[ \t]*%)"
    )
    for text in [*TEXTS, *TRAP_TEXTS]:
        folded = fold(text)
        for run in extract.NUMBER_RUN.finditer(folded):
            start = run.start()
            numbers = traps.NUMBERS.match(folded, start)
            mobile = traps.MOBILE.match(folded, start)
            before = one.match(folded, start)
            assert numbers is None or mobile is None, text
            after = numbers or mobile
            assert (after and after.span()) == (before and before.span()), text


@pytest.mark.parametrize(
    "rule",
    [
        rule
        for rule in ALL_RULES
        if rule.on_numbers
        and rule.not_after is not None
        and extract._inside_run(((rule, None, None, None),)) == ()
    ],
    ids=lambda r: r.name,
)
def test_a_rule_left_out_inside_a_run_of_numbers_never_matches_there(rule) -> None:
    """Past the first character of a run of numbers (二〇二三年 at 〇, 二, 三; 二〇二三8
    at 8), the engine leaves out the rules whose ``not_after`` holds every character
    of a run: their pattern matches at no such place, and at some runs' starts."""
    matched = 0
    texts = [
        head + run + middle + tail
        for head in ("", "去年", "第", "农历", "1.")
        for run in [*CHINESE_RUNS, "8", "2023", "18"]
        for middle in ("", "2023", "8", "十", "二〇")
        for tail in AFTER_CHINESE
    ]
    for text in [*texts, *TEXTS]:
        folded = fold(text)
        for run in extract.NUMBER_RUN.finditer(folded):
            matched += rule.pattern.match(folded, run.start()) is not None
            for position in range(run.start() + 1, run.end()):
                assert rule.pattern.match(folded, position) is None, (rule.name, text, position)
    assert matched > 0


def test_inside_a_run_of_numbers_every_other_rule_is_still_tried() -> None:
    """Only rules that refuse every numeral before them are left out inside a run:
    the lunar month (八月十五 inside 二〇二三八月) and the spelled years, whose look
    behind leaves out 廿, 卅 and 两, are still tried past a run's first character."""
    tries = extract._chinese_rules("月")
    inside = {attempt[0].name for attempt in extract._inside_run(tries)}
    assert "absolute.numeric" in {attempt[0].name for attempt in tries}
    assert "absolute.numeric" not in inside
    assert "festivals.lunar" in inside
    assert "years.spelled" in {a[0].name for a in extract._inside_run(extract._chinese_rules("年"))}


def _partials_at_runs(folded: str, places) -> list[tuple[str, int, str]]:
    """(rule, place, partial) for every try of ``places`` whose match gives a partial."""
    found = []
    for rule, match, position in places:
        matched = match(folded, position)
        partial = rule.produce(matched, folded) if matched is not None else None
        if partial is not None:
            found.append((rule.name, position, repr(partial)))
    return sorted(found)


def test_the_runs_of_numbers_give_every_partial_each_rule_gives_at_each_place() -> None:
    """A run of numbers is scanned a piece at a time (初一2023: 一, then 2023), with
    one lookup of each piece's shape: its places and tries give the partials that
    trying every rule for Arabic digits at each piece of digits (those its digits, the
    character after them and the one before say are worth it: ``worth_trying`` and
    ``before_look``, which may leave out a fragment no neighbour joins), and every
    rule for Chinese numerals at each place of each piece of numerals that a
    numeral's date may follow (``after_chinese`` saying yes to the character after),
    gives. Runs of both scripts, among neighbours a rule refuses or looks for."""
    chooser = random.Random(21)
    pieces = ["8", "18", "2023", "12345", "一", "十", "二〇二三", "十四五", "八", "初一"]
    around = ["", " ", "初", "农历", "第", "年", "月", "日", "至", "-", "号", "世", "1.", "June "]
    texts = [
        "".join(chooser.choice(around) + chooser.choice(pieces) for _ in range(16))
        for _ in range(1000)
    ]
    arabic = [rule for rule in ALL_RULES if rule.on_numbers in ("arabic", "both")]
    chinese = [rule for rule in ALL_RULES if rule.on_numbers in ("chinese", "both")]
    mixed = 0
    for text in [*texts, *TEXTS]:
        folded = fold(text)
        every = []
        for run in extract.NUMBER_RUN.finditer(folded):
            split = re.findall(r"[0-9]+|[^0-9]+", run.group())
            mixed += len(split) > 1
            at = run.start()
            for piece in split:
                if piece[0].isascii():
                    prior = extract._prior(folded, at)  # what a look before reads
                    following = folded[at + len(piece) : at + len(piece) + 1]
                    every += [
                        (rule, rule.pattern.match, at)
                        for rule in arabic
                        if (rule.worth_trying is None or rule.worth_trying(piece, following))
                        and (rule.before_look is None or prior in rule.before_look or not prior)
                    ]
                else:
                    following = folded[at + len(piece) : at + len(piece) + 1]
                    worth = following and following in extract._AFTER_CHINESE_NUMBER
                    if worth or extract._FIVE_YEAR_PLAN.search(piece):
                        every += [
                            (rule, rule.pattern.match, position)
                            for position in range(at, at + len(piece))
                            for rule in chinese
                            if rule.after_chinese is None or following in rule.after_chinese
                        ]
                at += len(piece)
        engine = [
            (attempt[0], attempt[1], position)
            for tries, position in extract._number_starts(
                folded, 0, len(folded), extract._not_in(folded)
            )
            for attempt in tries
        ]
        assert _partials_at_runs(folded, engine) == _partials_at_runs(folded, every), text
    assert mixed > 1000


def _plain_labelled(text: str, start: int) -> bool:
    head = text[max(0, start - 6) : start].rstrip(" :：")
    return head[-1:] in absolute._LABEL_ENDINGS and head.endswith(absolute.LABEL_BEFORE)


def test_a_label_is_looked_for_only_after_a_character_that_may_end_it() -> None:
    befores = ["", *absolute.LABEL_BEFORE, *"第:： 年月日a一"]
    for head in befores:
        for gap in ("", " ", ":", "： ", "  "):
            text = f"x{head}{gap}2023年"
            start = len(text) - 5
            assert absolute._labelled(text, start) == _plain_labelled(text, start), text
    assert absolute._labelled("2023年", 0) is _plain_labelled("2023年", 0) is False


#: The pattern ``absolute._lone_day_before`` replaced, searched in the two characters
#: before a lone day.
_PLAIN_LONE_DAY_BEFORE = re.compile(
    r"(?:^|[\s,，。;；:：、(（“\"】]|于|在|是|从|自|至|到|和|及|与|~|-)$"
)


def test_a_lone_day_looks_before_it_as_its_pattern_does() -> None:
    characters = [chr(point) for point in range(0x3100)] + [*"\u3000\u2028\u3001\uff0c\uff1a"]
    for prefix in ("", "a", "\n", "于", " "):
        for char in characters:
            for text in (f"{prefix}{char}8日", f"{char}{prefix}8日"):
                start = len(text) - 2
                plain = _PLAIN_LONE_DAY_BEFORE.search(text[max(0, start - 2) : start])
                assert absolute._lone_day_before(text, start) == (plain is not None), repr(text)


def test_a_month_refused_after_its_word_is_refused_as_before() -> None:
    for word in ("每", "个", "几", "数", "第", "每年", "年", "去年", "月", "", " "):
        text = f"{word}3月"
        matched = absolute._SHORT_FIRST.match(text, len(word))
        partial = absolute.produce(matched, text)
        refused = text[max(0, len(word) - 2) : len(word)].endswith(absolute._NOT_BEFORE_MONTH)
        assert (partial is None) == refused, text
