"""The shortcuts of the last steps of resolving never change a mention.

After extraction, every kept mention is anchored, qualified (春节前: before), given
its time of day (上午9时) and built as a DateMention. Each of those steps has a
shortcut for the common case (see ``normalizers.qualifiers``, ``normalizers.times``
and ``normalizers.mention``); each test here holds one against the plain way.
"""

from __future__ import annotations

import random
from dataclasses import fields
from datetime import date, time

import pytest

from normalizers import DateMention, qualifiers
from normalizers.mention import _Building
from normalizers.rules.base import Partial
from normalizers.tables.qualifiers import (
    AFTER_WORDS,
    AS_OF_BEFORE,
    DEADLINE_AFTER,
    DEADLINE_BEFORE,
    DEADLINE_REQUEST,
    ENGLISH_BEFORE,
    FROM_BEFORE,
    NOT_A_QUALIFIER,
    NOT_FROM_BEFORE,
)

#: Pieces of text around dates: every cue and qualifier word, what undoes them,
#: spaces, clause breaks, dates and plain words.
PIECES = [
    *DEADLINE_BEFORE,
    *AS_OF_BEFORE,
    *FROM_BEFORE,
    *NOT_FROM_BEFORE,
    *DEADLINE_AFTER,
    *DEADLINE_REQUEST,
    *(word for _, words in AFTER_WORDS for word in words),
    *(tail for tails in NOT_A_QUALIFIER.values() for tail in tails),
    *(f"{cue} the " for cue in ENGLISH_BEFORE),
    *(cue.upper() + " " for cue in ENGLISH_BEFORE),
    *" \t\t  ",
    " " * 20,
    "\t \t" * 6,
    *"。；\n,，",
    "8月22日",
    "2023年",
    "春节",
    "召开",
    "活动",
    "x",
    "",
]


def _texts(count: int, seed: int) -> list[str]:
    chooser = random.Random(seed)
    return [
        "".join(chooser.choice(PIECES) for _ in range(chooser.randint(1, 8))) for _ in range(count)
    ]


def test_qualify_looks_around_as_the_plain_way_does() -> None:
    """A date with no cue character right before it and no qualifier character right
    after it has no qualifier: the look at those two characters gives the answer of
    the full search for every span of many texts made of cues and qualifier words."""
    qualified = 0
    for text in _texts(400, seed=12):
        for start in range(len(text)):
            for end in range(start + 1, len(text) + 1):
                found = qualifiers.qualify(text, (start, end))
                assert found == qualifiers._qualify(text, start, end), (text, start, end)
                qualified += found != ""
    assert qualified > 1000  # the texts do hold qualified dates


def test_the_resolvers_first_look_skips_only_dates_without_a_qualifier() -> None:
    """``resolve._annotate`` calls ``qualify`` only when the character before a date is
    in ``MAY_QUALIFY_BEFORE_OR_GAP`` or the one after it in ``MAY_QUALIFY_AFTER_OR_GAP``:
    every span it skips has no qualifier."""
    skipped = qualified = 0
    for text in _texts(300, seed=13):
        for start in range(len(text)):
            for end in range(start + 1, len(text) + 1):
                found = qualifiers.qualify(text, (start, end))
                qualified += found != ""
                if (
                    text[start - 1 : start] not in qualifiers.MAY_QUALIFY_BEFORE_OR_GAP
                    and text[end : end + 1] not in qualifiers.MAY_QUALIFY_AFTER_OR_GAP
                ):
                    skipped += 1
                    assert found == "", (text, start, end)
    assert skipped > 1000 and qualified > 1000  # both kinds of span are there


def test_a_built_mention_is_the_dataclass_constructors() -> None:
    """``_Building`` made a DateMention (as the resolver makes each) fills every field
    as ``DateMention(...)`` does, in order."""
    names = [field.name for field in fields(DateMention)]
    assert names == list(DateMention.__slots__)
    day = date(2023, 8, 22)
    arguments = [
        ("8月22日", (3, 8), day, day, "day", "event", "dct", "absolute.day", False),
        ("春节前", (0, 2), day, day, "day", "period", "explicit", "festivals.春节", True, "before"),
        (
            "8月22日上午9时",
            (1, 6),
            day,
            date(2023, 8, 23),
            "day",
            "event",
            "narrative",
            "ranges.day",
            False,
            "from",
            time(9, 0),
            time(11, 30),
            True,
            (6, 10),
        ),
    ]
    defaults = ("", None, None, False, None)  # qualifier, time_start, time_end, …
    for values in arguments:
        built = _Building(*values, *defaults[len(values) - 9 :])
        built.__class__ = DateMention
        keywords = dict(zip([n for n in names if n != "note"], values, strict=False))
        assert built == DateMention(**keywords)
        assert hash(built) == hash(DateMention(**keywords))
        assert built.note == "" and type(built) is DateMention
        with pytest.raises(AttributeError):
            built.start = day  # frozen as every DateMention
        for name in names:
            assert getattr(built, name) == getattr(DateMention(**keywords), name)


def test_a_partial_copy_holds_every_field() -> None:
    """``Partial.copy`` (slot by slot) and ``moved`` give every field of the original."""
    values = {}
    for index, field in enumerate(fields(Partial)):
        values[field.name] = (field.name, index)  # a distinct value in every field
    original = Partial(**values)
    for copy in (original.copy(), original.moved()):
        assert copy is not original
        for field in fields(Partial):
            assert getattr(copy, field.name) is getattr(original, field.name), field.name
        assert copy == original
    moved = original.moved(span=(3, 4), kind="period")
    assert (moved.span, moved.kind, moved.rule) == ((3, 4), "period", original.rule)
    assert original.span == ("span", 0)
