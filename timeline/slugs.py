"""Safe, readable file names for associations: 汕头市纺织服装产业协会 → shan-tou-shi-….

A slug is ASCII letters, digits and single hyphens only, so it can never leave
the output folder (no ``/``, ``..``, control or bidirectional characters) and
reads well in a ``webcal://`` link. Chinese is spelled out in pinyin.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

MAX_LENGTH = 60
_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def slugify(name: str) -> str:
    """A file-name-safe slug; different names never share one.

    >>> slugify("汕头市纺织服装产业协会")
    'shan-tou-shi-fang-zhi-fu-zhuang-chan-ye-xie-hui-e709bc'
    """
    # Imported here: loading pypinyin's phrase tables costs about 0.4 s, paid only by
    # a process that names a feed (not the document workers, not most commands).
    from pypinyin import lazy_pinyin

    words = lazy_pinyin(unicodedata.normalize("NFKC", name or ""))
    ascii_text = (
        unicodedata.normalize("NFKD", " ".join(words)).encode("ascii", "ignore").decode().lower()
    )
    slug = _NOT_SLUG.sub("-", ascii_text).strip("-")
    digest = hashlib.sha1((name or "").encode("utf-8")).hexdigest()[:6]
    slug = slug[:MAX_LENGTH].rstrip("-")
    return f"{slug}-{digest}" if slug else f"association-{digest}"
