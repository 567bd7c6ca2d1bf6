"""Safe, readable file names for associations: 汕头市纺织服装产业协会 → shan-tou-shi-….

A slug is ASCII letters, digits and single hyphens only, so it can never leave
the output folder (no ``/``, ``..``, control or bidirectional characters) and
reads well in a ``webcal://`` link. Chinese is spelled out in pinyin.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import re
import unicodedata
from collections.abc import Mapping
from pathlib import Path

MAX_LENGTH = 60
_NOT_SLUG = re.compile(r"[^a-z0-9]+")
_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
#: Every slug this process made or was told (:func:`remember`), by name.
_known: dict[str, str] = {}


def slugify(name: str) -> str:
    """A file-name-safe slug; different names never share one.

    >>> slugify("汕头市纺织服装产业协会")
    'shan-tou-shi-fang-zhi-fu-zhuang-chan-ye-xie-hui-e709bc'
    """
    known = _known.get(name) if isinstance(name, str) else None
    if known is None:
        known = _slug(name)
        if isinstance(name, str):
            _known[name] = known
    return known


def _slug(name: str) -> str:
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


def known_slugs() -> dict[str, str]:
    """Every slug this process made or was told, by name (to keep for the next build)."""
    return dict(_known)


def remember(slugs: Mapping[str, str]) -> int:
    """Take slugs a process with the same pinyin tables made (:func:`tables_version`),
    so that :func:`slugify` need not load the tables (about 0.4 s) for those names.

    Only a slug :func:`slugify` could have made of its name is taken: letters,
    digits and single hyphens, ending in the name's own digest; any other is left
    out (a damaged or edited file can never name a path outside a folder). Returns
    how many were taken.

    >>> remember({"协会": "xie-hui-f7bb07", "x": "../etc"})
    1
    """
    taken = 0
    for name, slug in slugs.items():
        if not isinstance(name, str) or not isinstance(slug, str):
            continue
        digest = hashlib.sha1(name.encode("utf-8")).hexdigest()[:6]
        if (
            len(slug) <= MAX_LENGTH + 7
            and _SLUG.fullmatch(slug)
            and (slug == f"association-{digest}" or slug.endswith(f"-{digest}"))
        ):
            _known[name] = slug
            taken += 1
    return taken


def tables_version() -> str:
    """What a slug depends on besides its name: this module's code, Unicode's tables
    and the installed pypinyin's files (each one's path, size and modification time,
    found without importing it). Slugs kept under another version are made again."""
    digest = hashlib.sha256(Path(__file__).read_bytes())
    digest.update(unicodedata.unidata_version.encode())
    spec = importlib.util.find_spec("pypinyin")
    folders = [] if spec is None or spec.origin is None else [Path(spec.origin).parent]
    while folders:
        folder = folders.pop()
        with os.scandir(folder) as entries:
            for entry in sorted(entries, key=lambda entry: entry.name):
                if entry.is_dir() and entry.name != "__pycache__":
                    folders.append(Path(entry.path))
                elif entry.name.endswith((".py", ".json")):
                    status = entry.stat()
                    digest.update(f"{entry.path}:{status.st_size}:{status.st_mtime_ns}\n".encode())
    return digest.hexdigest()
