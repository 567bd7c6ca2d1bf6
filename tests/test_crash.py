"""Issue 12: a crash test, SQLite-style, for publishing.

``build`` is killed at each of its write steps in turn (``TIMELINE_CRASH_AT=N``,
see :mod:`timeline.faults`), with SIGKILL and with SIGTERM, in a real child
process. After each kill the published folder must be the whole old build or
the whole new one; after the next run it must be the new build with no
temporary file, staging folder or journal left, beside it or in $TMPDIR.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from crash_harness import Runner
from folders import snapshot

A = "汕头市纺织服装产业协会"
B = "辽宁省纺织服装协会"
OLD = {"a.txt": f"{A}简报\n2023年8月22日，{A}召开第三届会员大会。\n"}
NEW = {  # every file of the old build changes, and a feed is added
    "a.txt": f"{A}简报\n2023年8月22日，{A}召开第三届会员大会。\n2024年4月，{A}参与植树护绿。\n",
    "b.txt": f"{B}简报\n2024年3月5日，{B}召开理事会。\n",
}
EPOCH = {"SOURCE_DATE_EPOCH": "1700000000"}  # the same feed stamps in every run


def leftovers(out: Path, scratch: Path) -> list[Path]:
    found = [p for p in out.rglob("*") if p.name.endswith(".tmp")]
    found += list(out.parent.glob(f".{out.name}.*"))  # staging, old, journal
    found += list(scratch.iterdir())
    return found


@pytest.fixture(scope="module")
def runner() -> Runner:
    return Runner()


@pytest.fixture
def setting(tmp_path: Path, runner: Runner) -> dict:
    old_corpus, new_corpus, scratch = tmp_path / "old", tmp_path / "new", tmp_path / "scratch"
    for folder, documents in ((old_corpus, OLD), (new_corpus, NEW)):
        folder.mkdir()
        for name, text in documents.items():
            (folder / name).write_text(text, encoding="utf-8")
    scratch.mkdir()
    environment = {**EPOCH, "TMPDIR": str(scratch)}
    pristine, reference = tmp_path / "pristine", tmp_path / "reference"
    assert runner.run(["build", str(old_corpus), "--out", str(pristine), "-q"], environment) == 0
    shutil.copytree(pristine, reference)
    assert runner.run(["build", str(new_corpus), "--out", str(reference), "-q"], environment) == 0
    log = tmp_path / "steps.log"
    trial = tmp_path / "trial"
    shutil.copytree(pristine, trial)
    counting = {**environment, "TIMELINE_CRASH_LOG": str(log)}
    assert runner.run(["build", str(new_corpus), "--out", str(trial), "-q"], counting) == 0
    steps = log.read_text(encoding="utf-8").splitlines()
    old, new = snapshot(pristine), snapshot(reference)
    assert old != new and set(old) < set(new)
    return {
        "pristine": pristine,
        "corpus": new_corpus,
        "scratch": scratch,
        "environment": environment,
        "steps": steps,
        "old": old,
        "new": new,
        "out": tmp_path / "public",
    }


@pytest.mark.parametrize("signal_name", ["KILL", "TERM"])
def test_a_build_killed_at_any_write_step_leaves_the_old_or_the_new_folder(
    setting: dict, runner: Runner, signal_name: str
) -> None:
    out, steps = setting["out"], setting["steps"]
    assert len(steps) >= 10, steps  # every file written, the switch and the clean-up
    arguments = ["build", str(setting["corpus"]), "--out", str(out), "-q"]
    outcomes = {"old": 0, "new": 0}
    for number, label in enumerate(steps, start=1):
        shutil.rmtree(out, ignore_errors=True)
        shutil.copytree(setting["pristine"], out)
        environment = {
            **setting["environment"],
            "TIMELINE_CRASH_AT": str(number),
            "TIMELINE_CRASH_SIGNAL": signal_name,
        }
        code = runner.run(arguments, environment)
        where = f"SIG{signal_name} at step {number} ({label})"
        if signal_name == "KILL":
            assert code == -9, where
        else:
            assert code in (143, 0), where  # rolled back, or the switch was already made
        after_kill = snapshot(out)
        assert after_kill in (setting["old"], setting["new"]), f"{where}: a mixed folder"
        outcomes["old" if after_kill == setting["old"] else "new"] += 1
        if signal_name == "TERM" and code == 143:
            assert after_kill == setting["old"], where  # SIGTERM rolls back
            assert not leftovers(out, setting["scratch"]), where  # and cleans up itself
        assert runner.run(arguments, setting["environment"]) == 0, where
        assert snapshot(out) == setting["new"], f"{where}: the next run"
        assert not leftovers(out, setting["scratch"]), f"{where}: left behind"
    assert outcomes["old"] and outcomes["new"]  # the kills fell on both sides of the switch
