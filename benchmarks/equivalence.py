"""Same results as another commit: ``normalize()`` over many texts and contexts, compared.

A speed change to the normalizers must not change one mention. This script resolves
a few thousand texts against several contexts with this checkout's code and with
the code of ``--peer REF`` (its merge base with ``HEAD``, as the other benchmarks
take it), each in a child process, and compares the two dumps byte for byte:

* every case line of ``tests/corpus/*.txt`` alone, and runs of eight consecutive
  lines joined (so that the narrative's state carries from one date to the next);
* the sample documents ``data/corpus/*.txt`` whole and line by line;
* every input of ``benchmarks/pathological.py`` at 3 KB, and its mixtures at 16 KB
  with several seeds;

each under four contexts (no date; news of 2023-09-08; a narrative of 2024-01-10;
news of 1999-02-01). Any extra folders of ``.txt`` files given as arguments are read
too (whole and by line).

    python benchmarks/equivalence.py --peer main
    python benchmarks/equivalence.py --peer main /path/to/more/texts
"""

from __future__ import annotations

import argparse
import hashlib
import multiprocessing
import sys
import tempfile
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:  # runnable from a checkout without installing
    sys.path.insert(0, str(REPO))

from pathological import INPUTS, MIXED_TOKENS, _mixture  # noqa: E402
from peer import peer_code  # noqa: E402

#: (published, document type): the contexts every text is resolved against.
CONTEXTS = [
    (None, "news"),
    (date(2023, 9, 8), "news"),
    (date(2024, 1, 10), "narrative"),
    (date(1999, 2, 1), "news"),
]


def _case_lines(path: Path) -> list[str]:
    """The texts of a corpus file's case lines, without their ⟦⟧ marks."""
    lines = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith(("#", "@", "=")):
            continue
        line = line.removeprefix("! ").replace("⟦", "").replace("⟧", "")
        lines.append(line.replace("\\n", "\n"))
    return lines


def texts(extra: list[Path]) -> list[str]:
    """Every text of the comparison, in a fixed order."""
    found: list[str] = []
    for path in sorted((REPO / "tests" / "corpus").glob("*.txt")):
        lines = _case_lines(path)
        found += lines
        found += ["\n".join(lines[i : i + 8]) for i in range(0, len(lines), 4)]
    folders = [REPO / "data" / "corpus", *extra]
    for folder in folders:
        for path in sorted(folder.glob("*.txt")):
            whole = path.read_text(encoding="utf-8", errors="replace")
            found.append(whole)
            found += [line for line in whole.splitlines() if line.strip()]
    for build in INPUTS.values():
        found.append(build(3 * 1024))
    for seed in range(10, 20):
        found.append(_mixture(seed, MIXED_TOKENS)(16 * 1024))
        found.append(_mixture(seed, list("0123456789年月日至-、号今去明农历正初春节"))(16 * 1024))
    return found


def _dump(code: Path, extra: list[Path], queue) -> None:
    # Imported from ``code`` in the child: this checkout or the peer's copy.
    sys.path.insert(0, str(code))
    from normalizers import DocumentContext, normalize

    digests = []
    for text in texts(extra):
        result = []
        for published, kind in CONTEXTS:
            result.append(repr(normalize(text, DocumentContext(published, kind))))
        digests.append((hashlib.sha256("\n".join(result).encode()).hexdigest(), result))
    queue.put(digests)


def dump(code: Path, extra: list[Path]) -> list[tuple[str, list[str]]]:
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=_dump, args=(code, extra, queue))
    child.start()
    digests = queue.get()
    child.join()
    return digests


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--peer", default="main", help="the commit to compare with (main)")
    parser.add_argument("folders", nargs="*", type=Path, help="more folders of .txt files")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="equivalence-peer-") as folder:
        peer = peer_code(args.peer, Path(folder))
        before = dump(peer, args.folders)
    after = dump(REPO, args.folders)
    differ = [i for i, (a, b) in enumerate(zip(before, after, strict=True)) if a[0] != b[0]]
    print(f"{len(after)} texts × {len(CONTEXTS)} contexts: {len(differ)} differ")
    for index in differ[:5]:
        for context, old, new in zip(CONTEXTS, before[index][1], after[index][1], strict=True):
            if old != new:
                print(
                    f"text #{index}, context {context}:\n  peer: {old[:600]}\n  this: {new[:600]}"
                )
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
