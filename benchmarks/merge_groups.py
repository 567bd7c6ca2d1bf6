"""Merging (:func:`timeline.merge.groups`), this code against a peer, in the same run.

Usage (from the repository root, inside the virtualenv)::

    python benchmarks/merge_groups.py [--peer main] [--rounds 3]

Two kinds of input, each at two sizes, built the same way in both processes:

* ``copies``: the shape of a news archive (and of ``scale.py``'s generated
  corpus): some reports, each copied into many documents (32 copies of 30
  reports a day, over ten days of one association). Merging over distinct
  reports compares the 300 reports, not the 9,600 rows.
* ``hostile``: thousands of different rows on one day of one association (made-up
  sentences, a few shared characters): the window must keep the work linear;
  twice the rows should cost about twice the time (the ``growth`` column).

Each measurement runs in a fresh process (CPU seconds of ``groups`` alone, the best
of ``--rounds``); the table gives both codes' seconds, their ratio (peer / this) and
how many groups each made.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from peer import peer_code, run_json  # noqa: E402

CHILD = """
import json, random, time
from datetime import date, timedelta
from timeline import merge

kind, size, rounds = {kind!r}, {size}, {rounds}
rng = random.Random(size)
rows = []
if kind == "copies":
    days, per_day, copies = size // 960, 30, 32
    for day in range(days):
        for report in range(per_day):
            words = "".join(rng.choice("甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未") for _ in range(10))
            for copy in range(copies):
                rows.append(dict(
                    association="甲会", start=date(2024, 3, 1) + timedelta(days=day),
                    end=date(2024, 3, 1) + timedelta(days=day), granularity="day",
                    role="event", doc=f"d{{copy:03d}}-{{day}}.txt",
                    description=f"3月{{day + 1}}日，协会召开{{words}}会议。",
                    date_text=f"3月{{day + 1}}日", published=None, span_start=report * 40,
                ))
else:
    characters = "天地玄黄宇宙洪荒日月盈昃辰宿列张寒来暑往秋收冬藏"
    for i in range(size):
        rows.append(dict(
            association="甲会", start=date(2024, 3, 1), end=date(2024, 3, 1),
            granularity="day", role="event", doc=f"d{{i % 50}}.txt",
            description="".join(rng.choice(characters) for _ in range(12)) + str(i),
            date_text="3月1日", published=None, span_start=i,
        ))
rng.shuffle(rows)
best = None
for _ in range(rounds):
    merge._gist.cache_clear()
    started = time.process_time()
    found = merge.groups(rows)
    spent = time.process_time() - started
    best = spent if best is None else min(best, spent)
print(json.dumps({{"seconds": best, "groups": len(found), "rows": len(rows)}}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--peer", default="main", help="a git reference to compare with")
    parser.add_argument("--rounds", type=int, default=3)
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="merge-groups-") as work:
        peer = peer_code(arguments.peer, Path(work) / "peer")
        print(f"peer: {arguments.peer}; CPU seconds of merge.groups, best of {arguments.rounds}")
        print("| input | rows | peer s | this s | peer / this | groups (peer / this) | growth |")
        print("|---|---|---|---|---|---|---|")
        for kind, sizes in (("copies", (9600, 19200)), ("hostile", (4000, 8000))):
            last = None
            for size in sizes:
                code = CHILD.format(kind=kind, size=size, rounds=arguments.rounds)
                theirs = run_json(peer, code, f"peer {kind}")
                mine = run_json(ROOT, code, f"this {kind}")
                growth = f"{mine['seconds'] / last:.2f}" if last else ""
                last = mine["seconds"]
                print(
                    f"| {kind} | {mine['rows']:,} | {theirs['seconds']:.3f} | {mine['seconds']:.3f}"
                    f" | {theirs['seconds'] / max(mine['seconds'], 1e-9):.2f}"
                    f" | {theirs['groups']:,} / {mine['groups']:,} | {growth} |"
                )


if __name__ == "__main__":
    main()
