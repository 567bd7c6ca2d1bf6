"""A month's name the English patterns match is always read as its month.

The patterns match names ignoring case, and for Python that also lets four
non-ASCII letters stand for ASCII ones (ſ for s, K for k, İ and ı for i): such
a name used to be no key of the month table, and ``find_dates`` raised KeyError.
"""

from __future__ import annotations

from datetime import date

import pytest

from normalizers import DocumentContext, find_dates

CONTEXT = DocumentContext(published=date(2023, 9, 8))

SAME_LETTERS = {
    "\N{LATIN SMALL LETTER LONG S}": "s",
    "\N{KELVIN SIGN}": "k",
    "\N{LATIN CAPITAL LETTER I WITH DOT ABOVE}": "i",
    "\N{LATIN SMALL LETTER DOTLESS I}": "i",
}
#: One phrase of each English rule that reads a month's name, with a name holding the
#: letter ("{}" stands for it).
PHRASES = [
    ("Augu{}t 18, 2023", "s"),  # month and day
    ("Augu{}t 2023", "s"),  # month and year
    ("Augu{}t to October 2023", "s"),  # a range of months
    ("early Augu{}t 2023", "s"),  # a part of a month (english_named)
    ("in Apr{}l", "i"),  # a month after a cue
    ("Apr{}l 3, 2023", "i"),
]


@pytest.mark.parametrize(
    ("phrase", "letter"),
    [(p, odd) for p, plain in PHRASES for odd, same in SAME_LETTERS.items() if same == plain],
)
def test_a_month_written_with_a_letter_matched_ignoring_case_is_read_as_its_month(
    phrase: str, letter: str
) -> None:
    odd = [(m.start, m.end) for m in find_dates(phrase.format(letter), CONTEXT)]
    plain = [(m.start, m.end) for m in find_dates(phrase.format(SAME_LETTERS[letter]), CONTEXT)]
    assert odd == plain and odd
