"""Bounds on what one document may cost: every input is bounded, and each limit says so.

``--max-document-mb`` bounds the file; these bound what it expands to and what
reading it costs, so that a small hostile file cannot hold a run for minutes or
gigabytes:

===================  =========  ==============================================
limit                default    raised with
===================  =========  ==============================================
expanded bytes       200 MiB    ``timeline --max-expanded-mb N`` (what a .docx,
                                .xlsx or other zip holds once decompressed)
pages                2,000      ``timeline --max-pages N`` (PDF)
characters           10 M       ``timeline --max-characters N`` (the text read)
events               20,000     ``timeline --max-events N`` (per document)
time                 120 s      ``timeline --time-budget S`` (per document)
===================  =========  ==============================================

A document over a limit is an error naming the file, the limit and the option;
the other documents go on. The limits are global options of the ``timeline``
command (``timeline --max-pages 5000 build …``) and :data:`current` in Python.
The time budget is a ``SIGALRM`` timer, so it holds in the main thread of a
process (the command); elsewhere only the other limits apply.
"""

from __future__ import annotations

import contextlib
import signal
import threading
import zipfile
from dataclasses import dataclass, replace

MIB = 2**20


@dataclass(frozen=True)
class Limits:
    """What one document may expand to and cost (None: no limit)."""

    expanded_bytes: int | None = 200 * MIB
    pages: int | None = 2_000
    characters: int | None = 10_000_000
    events: int | None = 20_000
    seconds: float | None = 120.0


OPTIONS = {
    "expanded_bytes": "--max-expanded-mb",
    "pages": "--max-pages",
    "characters": "--max-characters",
    "events": "--max-events",
    "seconds": "--time-budget",
}

#: The limits in force; :func:`configure` changes them (the command's options do).
current = Limits()


def configure(**changes: int | float | None) -> Limits:
    """Set some limits (by :class:`Limits` field name) and return the new ones."""
    global current
    current = replace(current, **changes)
    return current


class LimitExceeded(Exception):
    """A document over one of the limits; the message names the limit and its option."""

    def __init__(self, what: str, found: str, limit: str, field: str) -> None:
        super().__init__(
            f"{what} {found}: over the limit of {limit} per document"
            f" (raise it with: timeline {OPTIONS[field]} N …)"
        )


def _size(count: int) -> str:
    return f"{count / MIB:.1f} MiB" if count >= MIB else f"{count:,} bytes"


def check_archive(data: bytes) -> None:
    """Refuse a zip (.docx, .xlsx) whose members decompress to more than the limit.

    The sizes come from the archive's central directory, read without inflating
    anything; :mod:`zipfile` never returns more than a member's declared size,
    so a lying header cannot get past it. Not a zip: nothing to check here.
    """
    limit = current.expanded_bytes
    if limit is None or not data.startswith(b"PK"):
        return
    import io

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            total = sum(member.file_size for member in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError, NotImplementedError):
        # Damaged, or a "version needed" zipfile cannot read (a flipped byte says 8.4):
        # the reader reports the archive in its own words.
        return
    if total > limit:
        raise LimitExceeded("the archive expands to", _size(total), _size(limit), "expanded_bytes")


def check_pages(count: int) -> None:
    if current.pages is not None and count > current.pages:
        raise LimitExceeded("the PDF has", f"{count:,} pages", f"{current.pages:,}", "pages")


def check_characters(count: int) -> None:
    if current.characters is not None and count > current.characters:
        raise LimitExceeded(
            "the text has", f"{count:,} characters", f"{current.characters:,}", "characters"
        )


def check_events(count: int) -> None:
    if current.events is not None and count > current.events:
        raise LimitExceeded(
            "the document gives", f"{count:,} events", f"{current.events:,}", "events"
        )


class _OutOfTime(BaseException):
    """Raised by the timer inside the document's work (a BaseException: no handler eats it)."""


class _Budget:
    """The timer of :func:`time_budget`, as a class: ``__exit__`` always runs.

    The timer fires again every 50 ms after it expires, so that an exception
    raised where Python ignores it (a garbage-collector callback, a ``__del__``)
    is raised again a moment later. It never raises inside ``__exit__`` itself:
    a generator-based context manager could be interrupted between the work's
    end and its own clean-up, leave the timer running, and have it raise in
    whatever code came next.
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.expired = False
        self.previous = None

    def __enter__(self) -> None:
        self.previous = signal.signal(signal.SIGALRM, self._expire)
        signal.setitimer(signal.ITIMER_REAL, self.seconds, 0.05)  # armed last

    def _expire(self, signum, frame) -> None:
        self.expired = True
        if frame is not None and frame.f_code is _Budget.__exit__.__code__:
            return  # the work is over: __exit__ says so
        raise _OutOfTime

    def __exit__(self, kind, value, traceback) -> bool:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, self.previous)
        if kind is _OutOfTime or self.expired:
            seconds = f"{self.seconds:g}"
            raise LimitExceeded(
                "reading it took", f"over {seconds} s", f"{seconds} s", "seconds"
            ) from None
        return False


def time_budget() -> contextlib.AbstractContextManager[None]:
    """Stop the work on one document after :attr:`Limits.seconds` (main thread only)."""
    seconds = current.seconds
    if (
        seconds is None
        or threading.current_thread() is not threading.main_thread()
        or not hasattr(signal, "setitimer")
    ):
        return contextlib.nullcontext()
    return _Budget(seconds)


__all__ = [
    "OPTIONS",
    "LimitExceeded",
    "Limits",
    "check_archive",
    "check_characters",
    "check_events",
    "check_pages",
    "configure",
    "current",
    "time_budget",
]
