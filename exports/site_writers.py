"""The site's writers (feeds, pages, table files) at once, each in a forked process.

:func:`exports.site.build_site` has three writers that share nothing but the
table and the feeds' plan: the feeds, the pages (:func:`exports.html.write_timeline`)
and the table files. The pages and the table files need no plan and start
first; the page writer takes the plan's feeds when it makes its last page
(:class:`Later`). With more than one local worker they run at the same time,
the pages and the table files each in a child process **forked** from the build,
the feeds in the build itself once it made their plan (:meth:`Writers.here`: it
would only wait beside the others): a fork hands a child the table
as it is in memory, at no cost (copy on write), where a fresh interpreter would
have to read ``events.parquet`` back (a second or two at 10,000 documents, and
the same bytes only if the round trip were exact). Where ``fork`` is missing, or
the process holds other threads (their locks could be held in the child), the
writers run one after the other here. A ``dask.distributed`` scheduler changes
nothing: the output folder is on this machine, so its writers are local.

Publishing stays all or nothing (:mod:`exports.publish`): the children write
into the staging folder only; the build waits for all of them, and a child that
fails (its error is sent back and raised here, naming the file) or dies (killed,
out of memory) fails the build, the published folder left as it was. SIGTERM
and SIGINT interrupt the wait: the children are killed and reaped before the
staging folder is removed, and a child dies with the build even when the build
is killed with SIGKILL (``PR_SET_PDEATHSIG``), so no writer outlives it.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import pickle
import selectors
import signal
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from exports.publish import Interrupted
from timeline import faults
from timeline.collector import can_fork

#: Linux prctl: the child gets this signal when the process that forked it dies.
_PR_SET_PDEATHSIG = 1


class WriterError(OSError):
    """A writer's process ended without finishing (killed, or exited without a word)."""


@dataclass
class _Child:
    name: str
    pid: int
    pipe: int  # read end: the child's report (:func:`_send`), then end of file
    started: float
    report: bytearray = field(default_factory=bytearray)


class Writers:
    """Start writers with :meth:`start`, then :meth:`wait` for all of them.

    ``parallel`` False (or no ``fork`` here, or other threads alive): each writer
    runs in this process as it is started. Used as a context manager, so that
    children still running when the build stops (an error, a signal) are killed.
    """

    def __init__(self, parallel: bool) -> None:
        self.parallel = parallel and can_fork()
        self.children: list[_Child] = []
        #: Each writer's wall time, as the writer measured it.
        self.seconds: dict[str, float] = {}
        #: Each writer's CPU seconds (its threads too), as the writer measured them.
        self.cpu: dict[str, float] = {}
        #: What each writer's ``work`` returned (sent back pickled by a child).
        self.results: dict[str, object] = {}

    def __enter__(self) -> Writers:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def start(self, name: str, work: Callable[[], object]) -> None:
        """Run ``work`` (named ``name`` in messages): now, or in a forked child."""
        if not self.parallel:
            self.here(name, work)
            return
        started = time.perf_counter()
        read, write = os.pipe()
        parent = os.getpid()
        pid = os.fork()
        if pid == 0:  # the child: never returns
            os.close(read)
            _run_child(work, write, parent)
        os.close(write)
        self.children.append(_Child(name, pid, read, started))

    def here(self, name: str, work: Callable[[], object]) -> None:
        """Run ``work`` in this process, timed as a writer (a small one, or one this
        process would otherwise only wait beside: a fork would cost more)."""
        started, used = time.perf_counter(), cpu_seconds()
        self.results[name] = work()
        self.seconds[name] = time.perf_counter() - started
        self.cpu[name] = cpu_seconds() - used

    def wait(self, idle: Callable[[], object] | None = None, every: float = 0.05) -> None:
        """Wait for every child; raise the first failure (the others are killed).

        ``idle``: called whenever ``every`` seconds passed with no word from a child
        (work this process can do while it would only wait: starting the disk on the
        files written, :class:`timeline.files.EarlyWriteback`); it should return within ``every``,
        and True when it has more to do: it is then called again at once, with no
        pause, as long as no child has a word (a backlog left to the end would be
        done after the writers, between the page and the switch).
        """
        selector = selectors.DefaultSelector()
        try:
            for child in self.children:
                selector.register(child.pipe, selectors.EVENT_READ, child)
            running = len(self.children)
            more = False
            while running:
                ready = selector.select(None if idle is None else 0 if more else every)
                more = False
                if not ready and idle is not None:
                    more = bool(idle())
                for key, _ in ready:
                    child: _Child = key.data
                    data = os.read(child.pipe, 1 << 20)
                    if data:
                        child.report += data
                        continue
                    selector.unregister(child.pipe)
                    running -= 1
                    _, status = os.waitpid(child.pid, 0)
                    os.close(child.pipe)
                    self.children.remove(child)
                    result, seconds, cpu = _outcome(child, status)
                    self.results[child.name], self.seconds[child.name] = result, seconds
                    self.cpu[child.name] = cpu
        finally:
            selector.close()

    def stop(self) -> None:
        """Kill and reap the children still running (the build stopped before they did)."""
        for child in self.children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(child.pid, signal.SIGKILL)
        for child in self.children:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(child.pid, 0)
            with contextlib.suppress(OSError):
                os.close(child.pipe)
        self.children = []


class Later:
    """A value the build hands to a writer forked before the value existed.

    The page writer starts before the feeds' plan and needs its feeds only for
    its last page: the build :meth:`send` s them when the plan is made, the
    writer's :meth:`get` waits for them there. The value goes through the file
    ``path`` (any size: a pipe would hold the build until the writer reads; the
    staging folder, so that nothing is left anywhere else), one byte through a
    pipe says it is complete. :meth:`close` (the build, after the writers
    ended) removes the file. In one process (no fork) :meth:`send` comes before
    :meth:`get` and nothing waits.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.read, self.write = os.pipe()
        self.value: object = None
        self.received = False

    def send(self, value: object) -> None:
        """Hand ``value`` to the writers (once)."""
        with open(self.path, "wb") as stream:
            pickle.dump(value, stream, protocol=pickle.HIGHEST_PROTOCOL)
        os.write(self.write, b"1")

    def get(self) -> object:
        """The value :meth:`send` gave, waiting for it if need be."""
        if not self.received:
            if not os.read(self.read, 1):  # end of file: the build never sent it
                raise WriterError(errno.EPIPE, "the build ended before sending its value")
            with open(self.path, "rb") as stream:
                self.value = pickle.load(stream)
            self.received = True
        return self.value

    def close(self) -> None:
        for descriptor in (self.read, self.write):
            with contextlib.suppress(OSError):
                os.close(descriptor)
        with contextlib.suppress(OSError):
            self.path.unlink()

    def __enter__(self) -> Later:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def run_all(functions: list[Callable[[], object]], parallel: bool = True) -> list[object]:
    """Every function's result, in order; at once in forked processes when ``parallel``."""
    with Writers(parallel) as writers:
        for number, function in enumerate(functions):
            writers.start(f"part {number + 1}", function)
        writers.wait()
    return [writers.results[f"part {number + 1}"] for number in range(len(functions))]


def cpu_seconds() -> float:
    """This process's CPU seconds (its threads too) and those of its children that ended
    and were waited for (a writer's own helper, :mod:`exports.site_pages`)."""
    children = os.times()
    return time.process_time() + children.children_user + children.children_system


def _run_child(work: Callable[[], object], pipe: int, parent: int) -> None:
    """The child's whole life: run ``work``, send back its result or error, ``os._exit``.

    Nothing of the parent's clean-up runs here (no ``finally`` of the build, no
    ``atexit``, no flushing of its buffers): the child only ever leaves by ``os._exit``.
    """
    code = 1
    started = time.perf_counter()
    try:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)  # die at once; the build rolls back
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        _die_with(parent)
        faults.enter_writer()  # its write steps are counted apart (tests/test_site_writers.py)
        result = work()
        seconds = time.perf_counter() - started
        _send(pipe, {"result": result, "seconds": seconds, "cpu": cpu_seconds()})
        code = 0
    except BaseException as error:  # noqa: BLE001 (every failure goes back to the build)
        with contextlib.suppress(BaseException):
            _send(pipe, _failure(error))
    finally:
        os._exit(code)


def _die_with(parent: int) -> None:
    """Ask the kernel to kill this process when its parent dies (Linux; else nothing)."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # the parent died before the request was made
        os._exit(1)


def _failure(error: BaseException) -> dict:
    """The report of a failed writer: its error (as text when it cannot be pickled)."""
    trace = "".join(traceback.format_exception(error))
    try:
        pickle.dumps(error)
    except Exception:  # noqa: BLE001 (an error that cannot be pickled goes as text)
        error = RuntimeError(f"{type(error).__name__}: {error}")
    return {"error": error, "trace": trace}


def _send(pipe: int, report: dict) -> None:
    view = memoryview(pickle.dumps(report, protocol=pickle.HIGHEST_PROTOCOL))
    while view:
        view = view[os.write(pipe, view) :]


def _outcome(child: _Child, status: int) -> tuple[object, float, float]:
    """What ``child``'s work returned, its seconds and CPU seconds; raise what ended it badly."""
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        if number in (signal.SIGTERM, signal.SIGINT):
            raise Interrupted(number)  # the writer was stopped as the build is: same answer
        name = signal.Signals(number).name
        raise WriterError(
            errno.ECHILD, f"the {child.name} writer (process {child.pid}) was killed by {name}"
        )
    code = os.waitstatus_to_exitcode(status)
    try:
        report = pickle.loads(bytes(child.report))
    except Exception:  # noqa: BLE001 (no report, or a broken one: say how it ended)
        raise WriterError(
            errno.ECHILD,
            f"the {child.name} writer (process {child.pid}) ended with exit code {code}",
        ) from None
    error = report.get("error")
    if error is None and code == 0:
        return report["result"], report["seconds"], report.get("cpu", 0.0)
    if error is None:
        error = WriterError(errno.ECHILD, f"the {child.name} writer ended with exit code {code}")
    if isinstance(error, OSError | ValueError | Interrupted):
        raise error  # the product's own errors: the build reports them as it always has
    error.add_note(f"in the {child.name} writer (process {child.pid}):\n{report.get('trace')}")
    raise error


__all__ = ["Later", "WriterError", "Writers", "can_fork", "cpu_seconds", "run_all"]
