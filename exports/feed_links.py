"""The calendar feeds as the pages list them: labels, subscribe and download links.

A feed's ``webcal://`` address is made from the site's ``base_url``; without one the
links stay relative and the page's script makes them ``webcal://`` when served.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

ALL_ASSOCIATIONS = "全部协会"


@dataclass(frozen=True)
class FeedLink:
    """One calendar feed as the page shows it.

    ``relative`` links are turned into ``webcal://`` by the page's script when it
    is served over http(s); from ``file://`` they stay plain download links.
    """

    label: str
    association: str | None
    events: int
    subscribe: str
    download: str
    relative: bool
    year: int | None = None  # a yearly archive feed: events older than the subscribed ones


def _field(record: Any, name: str) -> Any:
    if isinstance(record, Mapping):
        return record.get(name)
    return getattr(record, name, None)


def _feed_path(path: Any) -> str:
    """A feed's path relative to the output folder, checked so it stays inside it."""
    text = str(path).replace("\\", "/")
    parts = urlsplit(text)
    if (
        not text
        or parts.scheme
        or parts.netloc
        or parts.query
        or parts.fragment
        or text.startswith("/")
        or any(segment in ("", ".", "..") for segment in text.split("/"))
        or any(ord(character) < 0x20 for character in text)
    ):
        raise ValueError(f"feed path must be relative to the output folder: {text!r}")
    return quote(text, safe="/")


def _base_url(base_url: str | None) -> tuple[str, str, str] | None:
    """``(scheme, host, path/)`` of an http(s) base address, or None."""
    if base_url is None:
        return None
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise ValueError(
            f"base_url must be an http(s) address such as https://host/path/: {base_url!r}"
        )
    path = parts.path if parts.path.endswith("/") else parts.path + "/"
    return parts.scheme, parts.netloc, path


def feed_links(feeds: Iterable[Any], base_url: str | None = None) -> list[FeedLink]:
    """The subscribe and download links of ``feeds``, in the order given.

    Each feed is a mapping or object with ``association`` (None for all),
    ``slug``, ``path`` (relative to the output folder) and ``events``.

    >>> feed_links([{"association": None, "slug": "all", "path": "feeds/all.ics", "events": 3}],
    ...            "https://example.org/timeline/")[0].subscribe
    'webcal://example.org/timeline/feeds/all.ics'
    """
    base = _base_url(base_url)
    links = []
    for feed in feeds:
        path = _feed_path(_field(feed, "path"))
        association = _field(feed, "association")
        year = _field(feed, "year")
        year = int(year) if year else None
        label = f"{year}年存档" if year else association or ALL_ASSOCIATIONS
        events = int(_field(feed, "events") or 0)
        if base is None:
            links.append(FeedLink(label, association, events, path, path, True, year))
        else:
            scheme, host, prefix = base
            links.append(
                FeedLink(
                    label,
                    association,
                    events,
                    subscribe=f"webcal://{host}{prefix}{path}",
                    download=f"{scheme}://{host}{prefix}{path}",
                    relative=False,
                    year=year,
                )
            )
    return links


__all__ = ["ALL_ASSOCIATIONS", "FeedLink", "feed_links"]
