"""Numbered write steps, so a test can kill a build at each one in turn.

Every step of publishing that changes the disk (a file written, a folder made,
renamed or removed, the journal written) calls :func:`step`. Normally that does
nothing. With ``TIMELINE_CRASH_AT=N`` in the environment, the N-th step sends
the process ``TIMELINE_CRASH_SIGNAL`` (``KILL`` by default, or ``TERM``,
``INT``): the crash test (``tests/test_crash.py``) runs ``build`` once per step,
SQLite-style, and checks that the published folder is always the whole old
build or the whole new one. ``TIMELINE_CRASH_LOG=FILE`` appends each step's
label to FILE, to see what step N was.

The site's writers may run in forked processes (:mod:`exports.site_writers`):
there each writer counts its own steps from one, apart from the build's, and
``TIMELINE_CRASH_WRITER_AT=N`` (not ``TIMELINE_CRASH_AT``) names the step at
which every writer process sends itself the signal; the log says ``writer N``.
"""

from __future__ import annotations

import os
import signal

_counter = 0
_scope = ""  # "" in the build's process, "WRITER_" in a writer process


def step(label: str) -> None:
    """One write step; kills the process here when the environment says so."""
    global _counter
    at = os.environ.get(f"TIMELINE_CRASH_{_scope}AT")
    log = os.environ.get("TIMELINE_CRASH_LOG")
    if not at and not log:
        return
    _counter += 1
    if log:
        with open(log, "a", encoding="utf-8") as handle:
            where = "writer " if _scope else ""
            handle.write(f"{where}{_counter}\t{label}\n")
    if at and _counter == int(at):
        name = os.environ.get("TIMELINE_CRASH_SIGNAL", "KILL").upper().removeprefix("SIG")
        os.kill(os.getpid(), getattr(signal, f"SIG{name}"))


def reset() -> None:
    """Start counting again (a new build in the same process)."""
    global _counter
    _counter = 0


def enter_writer() -> None:
    """This process is a writer of the site: count its steps apart from the build's."""
    global _counter, _scope
    _counter, _scope = 0, "WRITER_"


__all__ = ["enter_writer", "reset", "step"]
