"""One module per family of expressions; each exports ``RULES``.

A rule is a small record: a name, a compiled pattern over the folded text, and a
production that turns a match into a :class:`~normalizers.rules.base.Partial`
(or ``None`` to reject it). Adding a family means adding rules, not touching the
engine in :mod:`normalizers.extract`.
"""

from normalizers.rules import (
    absolute,
    english,
    english_named,
    festivals,
    loose_days,
    notations,
    periods,
    relative,
    traps,
    unit_parts,
    weekdays,
    years,
)

ALL_RULES = (
    *absolute.RULES,
    *relative.RULES,
    *festivals.RULES,
    *periods.RULES,
    *english.RULES,
    *english_named.RULES,
    *traps.RULES,
    *years.RULES,
    *notations.RULES,
    *weekdays.RULES,
    *unit_parts.RULES,
    *loose_days.RULES,
)
