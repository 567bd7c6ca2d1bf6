"""Run ``timeline`` in a child process forked from a warm server (for tests/test_crash.py).

A child of multiprocessing's fork server is a real process: it can be killed
with SIGKILL at a write step (:mod:`timeline.faults`) like any run of the
command, but it starts without importing pandas and pyarrow again.
"""

from __future__ import annotations

import multiprocessing
import os

PRELOAD = [
    "timeline.cli",
    "exports.site",
    "exports.publish",
    "pandas",
    "pandas.io.formats.csvs",
    "pyarrow.parquet",
    "pyarrow.pandas_compat",
    "pydantic",
    "typer._coercion",
]


def _child(arguments: list[str], environment: dict[str, str]) -> None:
    os.environ.update(environment)
    import tempfile

    tempfile.tempdir = None  # take TMPDIR from the environment just set
    from timeline.cli import app

    try:
        app(arguments, prog_name="timeline")
    except SystemExit as exit_:
        code = exit_.code
        os._exit(code if isinstance(code, int) else 1)
    os._exit(0)


class Runner:
    """Runs the command in forked children; ``run`` returns the exit code (-9: SIGKILL)."""

    def __init__(self) -> None:
        self.context = multiprocessing.get_context("forkserver")
        self.context.set_forkserver_preload(PRELOAD)

    def run(self, arguments: list[str], environment: dict[str, str], timeout: float = 120) -> int:
        process = self.context.Process(target=_child, args=(arguments, environment))
        process.start()
        process.join(timeout)
        if process.is_alive():
            process.kill()
            process.join()
            raise TimeoutError(f"timeline {' '.join(arguments)} ran over {timeout} s")
        return process.exitcode
