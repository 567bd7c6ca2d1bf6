"""What every page is made with: the templates, the inline assets and their CSP, data as JSON."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemBytecodeCache, PackageLoader, StrictUndefined
from jinja2.bccache import Bucket
from markupsafe import Markup

from exports.event_view import EventView, calendar_exclusion
from exports.feed_links import FeedLink
from timeline import schema


@lru_cache(maxsize=1)
def template_environment() -> Environment:
    """The templates, compiled once per process and not looked at again on disk
    (``auto_reload`` off: a build renders dozens of pages from files that do not
    change while it runs)."""
    return Environment(
        loader=PackageLoader("exports", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
    )


class _CompiledTemplates(FileSystemBytecodeCache):
    """Jinja's bytecode cache in a folder of the build's cache: a template is compiled
    again when its source, Jinja or Python changed (the bucket's checksum and magic
    say so), and a file that cannot be read or written is only not kept."""

    def load_bytecode(self, bucket: Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except Exception:  # unreadable, cut short, not Jinja's: compiled again
            bucket.reset()

    def dump_bytecode(self, bucket: Bucket) -> None:
        with contextlib.suppress(OSError):
            super().dump_bytecode(bucket)


def keep_compiled_templates(folder: Path) -> None:
    """Templates compiled from now on in this process are kept in ``folder`` and the next
    build reads them back: compiling the page's and the feeds page's templates cost the
    page writer 0.06–0.09 s of every rebuild that makes a page, before its helpers fork."""
    with contextlib.suppress(OSError):
        folder.mkdir(parents=True, exist_ok=True)
        template_environment().bytecode_cache = _CompiledTemplates(str(folder))


@lru_cache(maxsize=16)
def inline_asset(name: str, closing: str) -> Markup:
    """An inline CSS or script file of ours; it must not close its own element.

    Read once per process (every page inlines the same files)."""
    environment = template_environment()
    source, _, _ = environment.loader.get_source(environment, name)
    if closing in source.lower():
        raise ValueError(f"{name} must not contain {closing}")
    return Markup(source)


@lru_cache(maxsize=64)
def csp_hash(content: str) -> str:
    """The CSP source expression allowing exactly this inline element content."""
    digest = hashlib.sha256(content.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


def content_security_policy(
    styles: Iterable[str], scripts: Iterable[str], *, script_files: bool = False
) -> str:
    """No network fetch at all; only the given inline style and script contents.

    With ``script_files`` also the site's own script files ('self': the data
    pieces a page loads with ``<script src>``; from ``file://`` too).
    """
    style_sources = " ".join(csp_hash(style) for style in styles) or "'none'"
    script_sources = " ".join(csp_hash(script) for script in scripts) or "'none'"
    if script_files:
        script_sources = "'self' " + script_sources
    return (
        "default-src 'none'; img-src data:; "
        f"style-src {style_sources}; script-src {script_sources}; "
        "base-uri 'none'; form-action 'none'"
    )


#: ``json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))`` made
#: once: ``json.dumps`` with options builds a new encoder each call (a third of the cost
#: of an event's summary).
_ENCODER = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def script_json(data: Any) -> Markup:
    """``data`` as JSON that can sit inside ``<script type="application/json">``.

    >>> str(script_json({"a": "</script><!--"}))
    '{"a":"\\\\u003c/script\\\\u003e\\\\u003c!--"}'
    """
    return Markup(script_escaped(_ENCODER.encode(data)))


#: What JSON may hold that cannot sit inside a ``<script>`` element as it is.
SCRIPT_ESCAPES = {
    "&": "\\u0026",
    "<": "\\u003c",
    ">": "\\u003e",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}


def json_text(value: Any) -> str:
    """``value`` as :func:`script_json` writes it inside a larger value, not yet escaped
    (:func:`script_escaped`): a list's items are these joined by commas."""
    return _ENCODER.encode(value)


def script_json_with(data: Mapping[str, Any], key: str, raw: bytes) -> bytes:
    """:func:`script_json` of ``data`` with ``key`` set to ``raw``, as UTF-8: ``raw`` is a
    value already as JSON, escaped (:func:`script_escaped`) and encoded. The same bytes,
    without encoding and escaping again the megabytes the caller kept as bytes (the
    escapes replace single characters, so a text escaped in parts is escaped whole).

    >>> script_json_with({"a": "<", "z": 1}, "m", b"[2]")
    b'{"a":"\\\\u003c","m":[2],"z":1}'
    """
    if key in data:
        raise ValueError(f"{key!r} is given as text")
    left = _ENCODER.encode({name: value for name, value in data.items() if name < key})
    right = _ENCODER.encode({name: value for name, value in data.items() if name > key})
    opening = "{" + (left[1:-1] + "," if left != "{}" else "")
    opening += _ENCODER.encode({key: 0})[1:-2]  # '"key":', the value after it
    closing = ("," + right[1:-1] if right != "{}" else "") + "}"
    return b"".join((script_escaped(opening).encode(), raw, script_escaped(closing).encode()))


def script_escaped(text: str) -> str:
    """JSON ``text`` with :data:`SCRIPT_ESCAPES` escaped (what :func:`script_json` returns)."""
    for character, escape in SCRIPT_ESCAPES.items():
        if character in text:
            text = text.replace(character, escape)
    return text


@dataclass(frozen=True)
class CalendarNote:
    """How many events the feeds hold and why the others are not there."""

    total: int
    in_feeds: int
    reasons: list[tuple[str, int]]  # (reason, events), the most frequent first

    @property
    def years_left_out(self) -> bool:
        return any(reason == schema.NOT_IN_CALENDAR["year"] for reason, _ in self.reasons)

    @property
    def text(self) -> str:
        if not self.total:
            return ""
        said = f"日历订阅中有 {self.in_feeds} 条事件"
        if not self.reasons:
            return said + "，即全部事件。"
        why = "；".join(f"{count} 条{reason}" for reason, count in self.reasons)
        return f"{said}；另外 {self.total - self.in_feeds} 条不在日历中：{why}。"


def calendar_note(views: list[EventView]) -> CalendarNote:
    reasons: dict[str, int] = {}
    for view in views:
        if view.calendar:
            reasons[view.calendar] = reasons.get(view.calendar, 0) + 1
    ordered = sorted(reasons.items(), key=lambda item: (-item[1], item[0]))
    return CalendarNote(len(views), len(views) - sum(reasons.values()), ordered)


def infer_include_years(rows: Iterable[Mapping[str, Any]], links: list[FeedLink]) -> bool:
    """Whether the feeds were built with year-level events, from the all-events feed's size."""
    everything = [link for link in links if link.association is None]  # all.ics, the archives
    if not everything:
        return False
    without = sum(1 for row in rows if not calendar_exclusion(row, include_years=False))
    return sum(link.events for link in everything) > without


__all__ = [
    "CalendarNote",
    "calendar_note",
    "content_security_policy",
    "csp_hash",
    "json_text",
    "script_json",
    "script_json_with",
]
