"""Extraction: candidate expressions in the text, joined into whole mentions.

1. Every rule runs over the folded text; each match may become a
   :class:`~normalizers.rules.base.Partial` (the year may stay unknown).
2. Overlaps are settled longest first, so 2020年11月18日 beats 11月18日 and a trap
   (版权所有©2014) beats the year inside it.
3. Neighbours are joined: a year and what it qualifies (今年 + 3月 → 今年3月,
   2025年 + 元宵节), two ends around a dash (8月31日 + 至 + 9月3日), an enumerated
   day (8月22日、23日), and a year range that names a plan becomes a period.
4. Fragments that found no neighbour (a lone 20日 or 10月 after a dash) and traps
   are dropped.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from itertools import chain
from operator import attrgetter, itemgetter

import ahocorasick

from normalizers import fast as fast_path
from normalizers.memo import ForOneText
from normalizers.rules import ALL_RULES
from normalizers.rules.base import Partial, Rule

_RULE_ORDER = {rule.name: index for index, rule in enumerate(ALL_RULES)}
#: The rank of a partial named for what it found (absolute.day), not for a rule.
_UNRANKED = 99

COMPOSE_GAP = re.compile(r"[ \t]?(?:的)?")
RANGE_GAP = re.compile(r"[ \t]*(?:起?(?:-{1,2}|~|至|到)|一直到|直到)[ \t]*")
#: 2008.03—至今, 2015年至今: the second end is the present, its connector its own.
PRESENT_GAP = re.compile(r"[ \t]*(?:-{1,2}|~)?[ \t]*")
#: X与Y之间, X和Y间: two ends joined by "and", closed by 之间/间.
BETWEEN_GAP = re.compile(r"[ \t]*(?:与|和|及|到|至)[ \t]*")
BETWEEN_AFTER = re.compile(r"[ \t]*(?:之间|间)")
#: The gaps of one character that RANGE_GAP, PRESENT_GAP or BETWEEN_GAP may match.
_ONE_CHARACTER_GAPS = frozenset("-~至到与和及 \t")
LIST_GAP = re.compile(r"[ \t]*[、,，和及与][ \t]*")
EVENT_NAME_GAP = re.compile(r"[ \t]?[\u4e00-\u9fffA-Za-z0-9·]{0,14}")
PLAN_AFTER = re.compile(
    r"[)）]?[ \t]*(?:年度?)?[ \t]*(?:[\u4e00-\u9fff]{0,16}(?:规划|计划|纲要|方案|战略|行动|规划纲要))"
)
PLAN_BEFORE = re.compile(
    r"(?:规划|计划|纲要|方案|战略|行动|[Pp]lan|[Ss]trategy|[Pp]rogram(?:me)?|[Aa]genda|》|”)[ \t]*[(（]$"
)

#: Units that a year can qualify when written right before them (2025年 + 元宵节).
_BELOW_YEAR = ("month", "day", "festival", "lunar", "year")


#: What :func:`candidates` calls for one rule: its name, its pattern's ``match``,
#: its production, and when that production may wait for :func:`select` (None:
#: never; else the rank its candidates sort by, the rule's ``own_span`` test, None
#: for a ``same_span`` rule, and its ``refuses`` test, None when it has none), taken
#: out of the record once rather than at every place.
_Try = tuple[
    Rule,
    Callable[..., "re.Match[str] | None"],
    Callable[..., "Partial | None"],
    "tuple[int, Callable[..., bool] | None, Callable[..., bool] | None] | None",
]


def _later(
    rule: Rule,
) -> tuple[int, Callable[..., bool] | None, Callable[..., bool] | None] | None:
    if rule.same_span:
        # Its partials are named for what they found: unranked.
        return _UNRANKED, None, rule.refuses
    if rule.own_span is not None:
        return _RULE_ORDER[rule.name], rule.own_span, None
    return None


def _tries(
    rules, shape: tuple[int, str] | None = None, keyword: str | None = None
) -> tuple[_Try, ...]:
    """What to try for ``rules``; at a run of Arabic digits of ``shape`` (its length and
    the character after it), each rule's :attr:`Rule.match_by_shape` if it has one; at
    a ``keyword``, its :attr:`Rule.match_by_keyword` if that gives one."""
    return tuple((rule, _match(rule, shape, keyword), rule.produce, _later(rule)) for rule in rules)


def _match(
    rule: Rule, shape: tuple[int, str] | None, keyword: str | None
) -> Callable[..., re.Match[str] | None]:
    if shape is not None and rule.match_by_shape is not None:
        return rule.match_by_shape(*shape)
    if keyword is not None and rule.match_by_keyword is not None:
        return rule.match_by_keyword(keyword) or rule.pattern.match
    return rule.pattern.match


def _keyword_automaton() -> ahocorasick.Automaton:
    """One automaton for every rule's keywords: word → the rules it may start.

    Two keywords found at one place are one the other's prefix (Jun, June), and the
    automaton reports both: a word keeps only the rules that none of its prefixes
    starts, so that each rule is tried once per place (in "June June …" the English
    rule was tried twice at every June), and a word left with none is not added.
    """
    by_word: dict[str, list[Rule]] = {}
    for rule in ALL_RULES:
        for word in rule.keywords:
            by_word.setdefault(word, []).append(rule)
    automaton = ahocorasick.Automaton()
    for word, rules in by_word.items():
        started = {rule.name for cut in range(1, len(word)) for rule in by_word.get(word[:cut], ())}
        left = [rule for rule in rules if rule.name not in started]
        if left:
            automaton.add_word(word, (len(word), _tries(left, keyword=word)))
    automaton.make_automaton()
    return automaton


_AUTOMATON = _keyword_automaton()
_ARABIC_RULES = tuple(rule for rule in ALL_RULES if rule.on_numbers in ("arabic", "both"))
_CHINESE_RULES = tuple(rule for rule in ALL_RULES if rule.on_numbers in ("chinese", "both"))
NUMBER_RUN = re.compile(r"[0-9〇零一二三四五六七八九十廿卅两]+")
#: A run of Chinese numerals is worth trying only before one of these (九月, 二〇二三年,
#: 三至五月, 二十世纪) or as a five-year plan (十四五).
_AFTER_CHINESE_NUMBER = frozenset('年月日号世-~至到”"')
_FIVE_YEAR_PLAN = re.compile(r"十[一二三四五]五")


#: (number of digits up to 64, the character after them) → the rules worth trying,
#: and whether one of them takes a second look at the character after that.
_BY_SHAPE: dict[tuple[int, str], tuple[tuple[_Try, ...], bool]] = {}


def _worth_by_shape(digits: int, following: str) -> tuple[tuple[_Try, ...], bool]:
    # ``worth_trying`` looks at how many digits there are and what follows them,
    # never at the digits themselves: one answer per shape, computed once.
    sample = "0" * digits
    rules = [
        rule
        for rule in _ARABIC_RULES
        if rule.worth_trying is None or rule.worth_trying(sample, following)
    ]
    found = _BY_SHAPE[digits, following] = (
        _tries(rules, (digits, following)),
        any(rule.second_look is not None for rule in rules),
    )
    return found


#: (id of the tries, digits, following, second) → (those tries, the ones left).
_SECOND_LOOKS: dict[tuple[int, int, str, str], tuple[tuple[_Try, ...], tuple[_Try, ...]]] = {}


def _second_look(
    tries: tuple[_Try, ...], digits: int, following: str, second: str
) -> tuple[_Try, ...]:
    """``tries`` without the rules whose :attr:`Rule.second_look` says no, remembered
    per shape (the tries are keyed by identity: hashing rules would cost more than
    the look saves; the entry keeps them, so the identity is never reused)."""
    key = (id(tries), digits, following, second)
    known = _SECOND_LOOKS.get(key)
    if known is not None and known[0] is tries:
        return known[1]
    sample = "0" * digits
    kept = tuple(
        attempt
        for attempt in tries
        if attempt[0].second_look is None or attempt[0].second_look(sample, following, second)
    )
    if len(_SECOND_LOOKS) >= 65536:
        _SECOND_LOOKS.clear()  # a text of many different characters: start again
    _SECOND_LOOKS[key] = (tries, kept)
    return kept


def _arabic_tries(folded: str, digits: int, end: int) -> tuple[_Try, ...]:
    """The rules worth trying at a run of ``digits`` Arabic digits ending at ``end``."""
    following = folded[end : end + 1]
    shape = _BY_SHAPE.get((digits, following))
    tries, look_again = shape if shape is not None else _worth_by_shape(digits, following)
    if look_again:
        return _second_look(tries, digits, following, folded[end + 1 : end + 2])
    return tries


#: (number of digits up to 64, the character right before them if a rule refuses it,
#: the two after them)
#: → what :func:`_arabic_tries` answers for that shape less the rules whose
#: :attr:`~normalizers.rules.base.Rule.not_after` holds that character before, and
#: whether one of those left has a :attr:`~normalizers.rules.base.Rule.before_look`:
#: one lookup per run of digits instead of two calls and three lookups (a run of
#: 8月8月… has one at every 8).
_BY_TWO: dict[tuple[int, str, str], tuple[tuple[_Try, ...], bool]] = {}


#: Every character some rule's ``not_after`` holds: the only ones the key of
#: :data:`_BY_TWO` keeps of the character before a run (any other reads as ""), so
#: that the cache holds no more shapes than the characters after runs make.
_REFUSED_BEFORE = frozenset(
    char for rule in ALL_RULES if rule.not_after is not None for char in rule.not_after
)


def _arabic_tries_by_two(
    folded: str, digits: int, start: int, end: int
) -> tuple[tuple[_Try, ...], bool]:
    before = folded[start - 1 : start] if start else ""
    if before not in _REFUSED_BEFORE:
        before = ""
    key = (digits, before, folded[end : end + 2])
    entry = _BY_TWO.get(key)
    if entry is None:
        if len(_BY_TWO) >= 65536:
            _BY_TWO.clear()  # a text of many different characters: start again
        tries = tuple(
            attempt
            for attempt in _arabic_tries(folded, digits, end)
            if attempt[0].not_after is None or before not in attempt[0].not_after
        )
        entry = _BY_TWO[key] = (tries, any(t[0].before_look is not None for t in tries))
    return entry


#: How far back :func:`_prior` looks for the character before a number.
_PRIOR_WIDTH = 8


def _prior(folded: str, start: int) -> str:
    """The last character before ``start`` that is no space or tab, within
    :data:`_PRIOR_WIDTH` characters; "" when there is none (every rule is then tried)."""
    return folded[start - _PRIOR_WIDTH if start > _PRIOR_WIDTH else 0 : start].rstrip(" \t")[-1:]


#: (id of the tries, the character before the number) → (those tries, the ones left).
_BEFORE_LOOKS: dict[tuple[int, str], tuple[tuple[_Try, ...], tuple[_Try, ...]]] = {}


def _before_look(tries: tuple[_Try, ...], prior: str) -> tuple[_Try, ...]:
    """``tries`` without the rules whose :attr:`Rule.before_look` leaves ``prior`` out
    (kept by identity as in :func:`_second_look`)."""
    key = (id(tries), prior)
    known = _BEFORE_LOOKS.get(key)
    if known is not None and known[0] is tries:
        return known[1]
    kept = tuple(
        attempt
        for attempt in tries
        if attempt[0].before_look is None or prior == "" or prior in attempt[0].before_look
    )
    if len(_BEFORE_LOOKS) >= 65536:
        _BEFORE_LOOKS.clear()
    _BEFORE_LOOKS[key] = (tries, kept)
    return kept


@lru_cache(maxsize=64)
def _chinese_rules(following: str) -> tuple[_Try, ...]:
    return _tries(
        rule
        for rule in _CHINESE_RULES
        if rule.after_chinese is None or following in rule.after_chinese
    )


def _attempts(folded: str):
    """(rule, position) pairs: number runs first, then keywords, each in text order."""
    for tries, position in _starts(folded):
        for attempt in tries:
            yield attempt[0], position


def _outside(folded: str, skipped: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The stretches of ``folded`` between the ``skipped`` ones (sorted, disjoint)."""
    if not skipped:
        return [(0, len(folded))]
    kept = []
    at = 0
    for start, end in skipped:
        if start > at:
            kept.append((at, start))
        at = end
    if at < len(folded):
        kept.append((at, len(folded)))
    return kept


#: The rules that need one of some characters in the text (:attr:`Rule.needs`).
_NEEDING = tuple(rule for rule in ALL_RULES if rule.needs is not None)
#: Whether one of them has keywords (else a keyword's tries are never filtered).
_NEEDING_KEYWORDS = any(rule.keywords for rule in _NEEDING)


def _not_in(folded: str) -> frozenset[str]:
    """The names of the rules whose every match holds a character that ``folded``
    lacks: one search of the text per character, never tried in it. (Names, not
    rules: a rule's hash reads its compiled pattern, a cost for every short text.)"""
    return frozenset(
        rule.name for rule in _NEEDING if not any(char in folded for char in rule.needs)
    )


#: (id of the tries, the rules left out) → (those tries, the ones left).
_WITHOUT: dict[tuple[int, frozenset[str]], tuple[tuple[_Try, ...], tuple[_Try, ...]]] = {}


def _without(tries: tuple[_Try, ...], left_out: frozenset[str]) -> tuple[_Try, ...]:
    """``tries`` less the rules named ``left_out`` (kept by identity as in
    :func:`_second_look`)."""
    key = (id(tries), left_out)
    known = _WITHOUT.get(key)
    if known is not None and known[0] is tries:
        return known[1]
    kept = tuple(attempt for attempt in tries if attempt[0].name not in left_out)
    if len(_WITHOUT) >= 65536:
        _WITHOUT.clear()
    _WITHOUT[key] = (tries, kept)
    return kept


def _starts(folded: str, skipped: list[tuple[int, int]] | None = None):
    """(tries, position) groups: the rules to try at one place, in the order of
    :func:`_attempts` (one tuple per place, not one pair per rule: fewer steps).
    No place inside the ``skipped`` stretches (those of :mod:`normalizers.fast`) is
    tried; none of them cuts a run of numbers. A place where no rule is worth trying
    is not given at all, nor a rule that needs a character the text lacks."""
    left_out = _not_in(folded) if _NEEDING else frozenset()
    for a, b in _outside(folded, skipped) if skipped else ((0, len(folded)),):
        yield from _number_starts(folded, a, b, left_out)
    if skipped:
        hits = chain.from_iterable(
            _AUTOMATON.iter(folded, a, b) for a, b in _outside(folded, skipped)
        )
    else:
        hits = _AUTOMATON.iter(folded)
    if not _NEEDING_KEYWORDS:
        left_out = frozenset()  # no keyword starts a rule that needs a character
    for last, (length, tries) in hits:
        if left_out:
            tries = _without(tries, left_out)
            if not tries:
                continue
        yield tries, last - length + 1


#: Every character some rule's ``before_look`` holds.
_LOOKED_BEFORE = frozenset(
    char for rule in ALL_RULES if rule.before_look is not None for char in rule.before_look
)
#: The characters right before a run of digits that tell its tries apart: one that a
#: rule refuses there or looks for, and a space or a tab (then the character before
#: is further back, :func:`_prior`). Any other character leaves every ``not_after``
#: rule in and every ``before_look`` rule out, as :func:`_prior` would.
_TOLD_BEFORE = _REFUSED_BEFORE | _LOOKED_BEFORE | frozenset(" \t")
#: What stands for "another character" in :func:`_before_look`: in no ``before_look``.
_OTHER = "\uffff"

#: A piece of a run of numbers (:data:`NUMBER_RUN`) in one search: its Arabic digits
#: or its Chinese numerals, whichever come first (初一2023 and 二〇二三08 are two
#: pieces each). Arabic digits give (1) the character before them if it is one of
#: :data:`_TOLD_BEFORE` (else None; a numeral right before, in a run of both scripts,
#: is one), (2) their digits after the first and (3) the two characters after them,
#: so that the shape of most runs comes from one call. Chinese numerals give (4) ""
#: when a digit stands right before them (the run's first place is then further
#: back: only the rules that may start after a numeral are tried, at every place)
#: and (5) their numerals after the first. The pattern starts with the run's class,
#: so the search skips from one such character to the next as :data:`NUMBER_RUN`
#: does; the digits and numerals are possessive, so a piece is never cut short.
_CHINESE_NUMERALS = NUMBER_RUN.pattern[len("[0-9") : -len("]+")]
_RUN_SHAPE = re.compile(
    rf"[0-9{_CHINESE_NUMERALS}](?:"
    rf"(?<=[0-9])(?:(?<=([{re.escape(''.join(sorted(_TOLD_BEFORE)))}])[0-9])|)"
    rf"([0-9]*+)(?=(.{{0,2}}))"
    rf"|(?:(?<=[0-9][{_CHINESE_NUMERALS}])()|)([{_CHINESE_NUMERALS}]*+))",
    re.DOTALL,
)

#: (digits up to 64, the refused character before or None, the two after) → what
#: :func:`_arabic_tries_by_two` answers for that shape, read per run by one lookup.
_BY_SHAPE_GROUPS: dict[tuple[int, str | None, str], tuple[tuple[_Try, ...], bool]] = {}

#: What :func:`_run_tries` gives: the tries at a run whose character before is
#: known, those whose ``before_look`` still waits for it, and whether it must be
#: looked for further back (a space or a tab right before the run).
_RunTries = tuple[tuple[_Try, ...], tuple[_Try, ...], bool]


def _run_tries(
    folded: str, key: tuple[int, str | None, str], start: int, left_out: frozenset[str]
) -> _RunTries:
    """The tries at a run of digits of shape ``key`` (its length up to 64, the
    character before it if one of :data:`_TOLD_BEFORE`, the two after it), less the
    rules ``left_out`` and, when the character before is not a space or a tab, less
    the rules whose ``before_look`` it fails: one entry per shape and text."""
    length, before, after = key
    refused = before if before is not None and before in _REFUSED_BEFORE else None
    shape = (length, refused, after)
    entry = _BY_SHAPE_GROUPS.get(shape)
    if entry is None:
        if len(_BY_SHAPE_GROUPS) >= 65536:
            _BY_SHAPE_GROUPS.clear()  # many different characters: start again
        entry = _BY_SHAPE_GROUPS[shape] = _arabic_tries_by_two(
            folded, length, start, start + length
        )
    tries, looks_before = entry
    if tries and left_out:
        tries = _without(tries, left_out)
    if not tries or not looks_before:
        return tries, tries, False
    if before is not None and before in " \t":
        return tries, tries, True
    return _before_look(tries, before if before is not None else _OTHER), tries, False


def _number_starts(folded: str, a: int, b: int, left_out: frozenset[str] = frozenset()):
    """The places in the runs of numbers in ``folded[a:b]`` (no run crosses ``a`` or
    ``b``) with what to try there, a piece of the run at a time (:data:`_RUN_SHAPE`).
    Arabic digits cost one match, its groups and one lookup of their shape
    (:func:`_run_tries`, remembered for this call): the shape's tries, often none
    (1 1 1 …, 1.1.1 …, 2023 2023 …), so that the piece is passed over without a step
    more. In a run of both scripts, the digits after numerals are such a piece whose
    character before is a numeral; the numerals after digits are tried at every place
    with the rules that may start right after a numeral (:func:`_inside_run`)."""
    known: dict[tuple[int, str | None, str], _RunTries] = {}
    by_shape = known.get
    #: (Chinese numerals, the two characters after them) → their tries.
    numerals: dict[tuple[str, str], tuple[tuple[_Try, ...], tuple[_Try, ...]]] = {}
    for run in _RUN_SHAPE.finditer(folded, a, b):
        before, rest, after, after_digit, _ = run.groups()
        if after is not None:
            length = len(rest) + 1
            if len(after) < 2:  # the text's end, or the search's: read past ``b``
                after = folded[run.end() : run.end() + 2]
            key = (length if length < 64 else 64, before, after)
            entry = by_shape(key)
            if entry is None:
                entry = known[key] = _run_tries(folded, key, run.start(), left_out)
            tries, waiting, further = entry
            if tries:
                start = run.start()
                if further:
                    yield _before_look(waiting, _prior(folded, start)), start
                elif start:
                    yield tries, start
                else:  # the text's start: nothing before, every rule is tried
                    yield waiting, start
            continue
        # Chinese numerals: one lookup of them and what follows.
        start, end = run.span()
        key = (run.group(), folded[end : end + 2])
        first = numerals.get(key)
        if first is None:
            first = numerals[key] = _numeral_tries(key[0], key[1], left_out)
        if after_digit is None:
            if first[0]:
                yield first[0], start
            start += 1
        if first[1]:
            for position in range(start, end):
                yield first[1], position


def _numeral_tries(
    written: str, after: str, left_out: frozenset[str]
) -> tuple[tuple[_Try, ...], tuple[_Try, ...]]:
    """The tries at the first place of the Chinese numerals ``written`` followed by
    ``after`` (two characters), and at their other places (:func:`_inside_run`): none
    unless a numeral's date may follow (:data:`_AFTER_CHINESE_NUMBER`) or they hold a
    five-year plan."""
    if after[:1] not in _AFTER_CHINESE_NUMBER and not _FIVE_YEAR_PLAN.search(written):
        return (), ()
    following = after[:1]
    tries = _second_look(_chinese_rules(following), 0, following, after[1:2])
    if left_out:
        tries = _without(tries, left_out)
    return tries, _inside_run(tries)


#: Every character of a run of numbers (:data:`NUMBER_RUN`).
_RUN_CHARACTERS = frozenset("0123456789" + _CHINESE_NUMERALS)
#: id of the tries → (those tries, the ones left inside a run).
_INSIDE: dict[int, tuple[tuple[_Try, ...], tuple[_Try, ...]]] = {}


def _inside_run(tries: tuple[_Try, ...]) -> tuple[_Try, ...]:
    """``tries`` less the rules whose ``not_after`` holds every character of a run of
    numbers: inside a run, where one of them stands right before, they never match
    (kept by identity as in :func:`_second_look`)."""
    known = _INSIDE.get(id(tries))
    if known is not None and known[0] is tries:
        return known[1]
    kept = tuple(
        attempt
        for attempt in tries
        if attempt[0].not_after is None or not attempt[0].not_after >= _RUN_CHARACTERS
    )
    if len(_INSIDE) >= 65536:
        _INSIDE.clear()
    _INSIDE[id(tries)] = (tries, kept)
    return kept


#: One candidate: (its order, start, rank of its rule, end, the partial or the
#: match, and the production still to run on the match, or None when it is built).
#: The order, :func:`order`, puts the longest first when sorted.
Candidate = tuple[
    int, int, int, int, "Partial | re.Match[str]", "Callable[..., Partial | None] | None"
]

#: Ranks are below 2**7; places below 2**33 (8 billion characters).
_RANK_BITS = 7
_PLACE_BITS = 40
assert max(*_RULE_ORDER.values(), _UNRANKED) < 1 << _RANK_BITS


def order(start: int, end: int, rank: int) -> int:
    """One integer that sorts as ``(start - end, start, rank)``: longest first, then
    in text order, then by the rules' order. Sorting by it is three times faster
    than by the three-item tuple (half a million candidates in a megabyte of 8月)."""
    return ((start - end) << _PLACE_BITS) + (start << _RANK_BITS) + rank


def candidates(folded: str, skipped: list[tuple[int, int]] | None = None) -> list[Candidate]:
    """Every rule's matches at the places it may start. Most become partial values
    at once; a match of a :attr:`~normalizers.rules.base.Rule.same_span` rule (or one
    its :attr:`~normalizers.rules.base.Rule.own_span` says yes to) keeps its
    production for :func:`select`, which runs it only if the match wins. No rule
    starts inside the ``skipped`` stretches."""
    found: list[Candidate] = []
    append = found.append
    rank = _RULE_ORDER.get
    for tries, position in _starts(folded, skipped):
        for _, match, produce, later in tries:
            matched = match(folded, position)
            if matched is None:
                continue
            if later is not None and (later[1] is None or later[1](matched, folded)):
                if later[2] is not None and later[2](matched):
                    continue  # its values refuse it: no candidate
                end = matched.end()
                rank_of = later[0]
                append(
                    (
                        ((position - end) << _PLACE_BITS) + (position << _RANK_BITS) + rank_of,
                        position,
                        rank_of,
                        end,
                        matched,
                        produce,
                    )
                )
                continue
            partial = produce(matched, folded)
            if partial is not None:
                start, end = partial.span
                ranked = rank(partial.rule, _UNRANKED)
                append((order(start, end, ranked), start, ranked, end, partial, None))
    return found


#: Longest first, then in text order, then by the rules' order (a stable sort keeps
#: the order they were found in for the rest): the candidate's :func:`order`.
_by_length_then_place = itemgetter(0)
_by_span = attrgetter("span")


def select(
    found: list[Candidate],
    folded: str,
    settled: list[tuple[int, int]] | None = None,
    partials: list[Partial] | None = None,
) -> list[Partial]:
    """Keep the longest of overlapping candidates, then return them in text order.

    Claimed characters are marked in a byte array, so each candidate costs its
    own length and no more, however many there are. A match whose production was
    left for later is produced here only when its place is still free: in a run
    of dates (8月8月8月…) most matches lose, and building their partials was most
    of the work; the winners' partials are remembered by match and window
    (:mod:`normalizers.memo`).

    The ``settled`` stretches are the fast path's (:mod:`normalizers.fast`), taken
    before any candidate: their ``partials`` are kept as they are.
    """
    if not found and not partials:
        return []
    found.sort(key=_by_length_then_place)
    taken = bytearray(len(folded))  # every match ends within the text
    kept: list[Partial] = []
    if settled:
        for start, end in settled:
            taken[start:end] = b"\x01" * (end - start)
        kept.extend(partials)
    rank = _RULE_ORDER.get
    remembered = ForOneText()
    for _, start, ranked, end, partial, produce in found:
        if taken.find(1, start, end) != -1:
            continue
        if produce is not None:
            partial = remembered(produce, partial, folded)
            if partial is None:
                continue
            if partial.span != (start, end) or rank(partial.rule, _UNRANKED) != ranked:
                raise RuntimeError(
                    f"{partial.rule} at {partial.span}: a same_span or own_span rule made a "
                    f"partial of another span than its match {(start, end)} or of another rank"
                )
        taken[start:end] = b"\x01" * (end - start)
        kept.append(partial)
    kept.sort(key=_by_span)  # the kept spans never overlap: sorted by their starts
    return kept


def _qualifies_year(head: Partial) -> bool:
    return head.unit == "year" and head.part is None and head.end is None and head.has_year


def _compose(head: Partial, tail: Partial) -> Partial:
    """2025年 + 元宵节, 今年 + 3月, 去年 + 春节, 2023年 + 上半年."""
    year_fields = dict(
        year=head.year,
        base=head.base,
        shift=head.shift,
        shift_unit=head.shift_unit,
        pivot=head.pivot,
    )
    end = tail.end.moved(**year_fields) if tail.end is not None else None
    return tail.moved(span=(head.span[0], tail.span[1]), end=end, fragment=False, **year_fields)


def _range(head: Partial, tail: Partial) -> Partial | None:
    """Two ends around a dash become one mention; the second inherits what it lacks."""
    if head.end is not None or tail.end is not None or "week" in (head.unit, tail.unit):
        return None
    if "fixed" in (head.unit, tail.unit) or head.kind != tail.kind:
        return None
    if (
        tail.unit == "day"
        and tail.month is None
        and head.unit not in ("day",)
        and tail.base == "context"
    ):
        return None
    if head.unit == "year" and head.part is None and tail.unit in ("day",):
        return None
    joined = head.moved(span=(head.span[0], tail.span[1]), end=tail, fragment=False)
    joined.rule = "ranges." + (head.unit if head.unit == tail.unit else f"{head.unit}-{tail.unit}")
    return joined


def _both_written(head: Partial, tail: Partial, folded: str) -> bool:
    """Both ends of a year range carry their own 年 (2010年至2018年)."""
    return folded[head.span[1] - 1] == "年" and folded[tail.span[1] - 1] == "年"


def _range_gap(gap: str, tail: Partial, folded: str) -> bool:
    """The text between two ends makes them one range."""
    if not gap:  # two dates side by side (8月8月…): only 至今 joins without a connector
        return tail.rule == "ranges.to-present"
    if len(gap) == 1 and gap not in _ONE_CHARACTER_GAPS:
        return False  # 8月8月8月…, 22日、23日: no connector, so none of the gaps below
    if tail.rule == "ranges.to-present":
        return bool(PRESENT_GAP.fullmatch(gap))
    if RANGE_GAP.fullmatch(gap):
        return True
    return bool(BETWEEN_GAP.fullmatch(gap)) and bool(BETWEEN_AFTER.match(folded, tail.span[1]))


def _plan_years(joined: Partial, folded: str, long_is_period: bool = True) -> bool:
    """（2022-2030）after a plan's name, 2023-2025年规划, or a span of five years or more.

    Two years each written with 年 (2010年至2018年, 从2008年——2018年) are a span of
    events unless a plan's name is around them: ``long_is_period`` is then False.
    """
    start, end = joined.span
    if joined.unit != "year" or joined.end is None or joined.end.unit != "year":
        return False
    if (
        long_is_period
        and joined.year is not None
        and joined.end.year is not None
        and joined.end.year - joined.year >= 4
    ):
        return True
    return bool(PLAN_AFTER.match(folded, end)) or bool(
        PLAN_BEFORE.search(folded[max(0, start - 12) : start])
    )


def compose(parts: list[Partial], folded: str) -> list[Partial]:
    """Join a year to what it qualifies: 今年 + 3月, 2025年 + 元宵节, 2023年 + 上半年."""
    composed: list[Partial] = []
    for part in parts:
        head = composed[-1] if composed else None
        if (
            head is None
            or not _qualifies_year(head)
            or part.unit not in _BELOW_YEAR
            or part.has_year
        ):
            composed.append(part)
            continue
        if part.unit == "year" and part.part is None:
            composed.append(part)
            continue
        gap = folded[head.span[1] : part.span[0]]
        if COMPOSE_GAP.fullmatch(gap):
            composed[-1] = _compose(head, part)
        elif head.bare_year and part.unit == "festival" and EVENT_NAME_GAP.fullmatch(gap):
            # 2025 汕头小公园国际元宵灯会: the event is held at the festival.
            composed[-1] = part.moved(
                span=head.span,
                year=head.year,
                base="explicit",
                rule="festivals.in-event-name",
                fragment=False,
            )
        else:
            composed.append(part)
    return composed


def join(parts: list[Partial], folded: str) -> list[Partial]:
    """Ranges around a dash, enumerated days, plan years; fragments left alone are dropped."""
    parts = compose([p for p in parts if p.unit != "trap"], folded)
    joined: list[Partial] = []
    i = 0
    while i < len(parts):
        head = parts[i]
        if head.__class__ is fast_path.ChainOfDays:  # its first date was taken: it pairs the rest
            i = head.pair(None, joined, parts, i)
            continue
        tail = parts[i + 1] if i + 1 < len(parts) else None
        if tail.__class__ is fast_path.ChainOfDays:  # the head is its first date, not taken
            i = tail.pair(head, joined, parts, i + 1)
            continue
        gap = folded[head.span[1] : tail.span[0]] if tail is not None else ""
        if tail is not None and _range_gap(gap, tail, folded):
            ranged = _range(head, tail)
            if ranged is not None:
                if _plan_years(
                    ranged, folded, long_is_period=not _both_written(head, tail, folded)
                ):
                    ranged.kind = "period"
                joined.append(ranged)
                i += 2
                continue
        if head.end is not None and head.rule == "ranges.year" and _plan_years(head, folded):
            head.kind = "period"
        joined.append(head)
        enumerated = (
            tail is not None
            and tail.fragment
            and tail.unit == "day"
            and tail.month is None
            and tail.end is None
            and head.unit == "day"
            and head.month is not None
            and LIST_GAP.fullmatch(gap)
        )
        if enumerated:
            # 8月22日、23日: the second day shares the first one's month.
            source = head.end or head
            parts[i + 1] = tail.moved(
                month=source.month,
                year=source.year,
                base=source.base,
                shift=source.shift,
                shift_unit=source.shift_unit,
                fragment=False,
                rule="month_day.enumerated",
            )
        i += 1
    return [p for p in joined if not p.fragment]


def extract(folded: str, fast: bool | None = None) -> list[Partial | fast_path.Block]:
    """All mentions in ``folded`` text, in order, with what is written of their values.

    Runs of plain dates take the fast path (:mod:`normalizers.fast`) unless ``fast``
    is False (or, when it is None, :data:`normalizers.fast.ENABLED` is): their
    dates come as partials built without the rules, and the middle of a run of
    explicit dates as :class:`~normalizers.fast.Block` objects of dates already resolved."""
    if fast if fast is not None else fast_path.ENABLED:
        settled, partials, blocks = fast_path.fast_runs(folded)
        if settled:
            parts = join(select(candidates(folded, settled), folded, settled, partials), folded)
            if not blocks:
                return parts
            merged: list[Partial | fast_path.Block] = [*parts, *blocks]
            merged.sort(key=_by_start)  # spans never overlap
            return merged
    return join(select(candidates(folded), folded), folded)


def _by_start(item: Partial | fast_path.Block) -> int:
    return item.span[0]
