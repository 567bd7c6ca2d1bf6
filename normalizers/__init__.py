"""Chinese (and English) date expressions resolved to exact day ranges.

Pure: text and a :class:`DocumentContext` in, :class:`DateMention` objects out. No
I/O, no clock, no globals that change: "today" is always the context's
publication date.

>>> from datetime import date
>>> [m.start for m in find_dates("8月22日，军团开展活动。", DocumentContext(date(2023, 9, 8)))]
[datetime.date(2023, 8, 22)]
"""

from normalizers.context import DocumentContext
from normalizers.mention import DateMention, DateWarning, Resolution
from normalizers.publication import detect_publication_date
from normalizers.resolve import find_dates, normalize

__all__ = [
    "DateMention",
    "DateWarning",
    "DocumentContext",
    "Resolution",
    "detect_publication_date",
    "find_dates",
    "normalize",
]
