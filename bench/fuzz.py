"""A long fuzz run over every reader: the seeded cases of ``tests/fuzzing.py``, many more of them.

Run:  .venv/bin/python bench/fuzz.py [--cases 100000] [--first 0] [--workers 2] [--no-record]

Each case must end in a result or a project error within 20 s; anything else (another
exception, a hang) stops the run with the case number, which ``run_case`` reproduces. The
outcome counts per reader, the slowest case and the peak memory of a worker are appended
to ``bench/results-fuzz.md`` with the command and the machine.
"""

from __future__ import annotations

import argparse
import datetime as dt
import platform
import resource
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from machine import describe

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from fuzzing import KINDS, run_case  # noqa: E402

RESULTS = Path(__file__).with_name("results-fuzz.md")


def _span(bounds: tuple[int, int]) -> tuple[Counter[tuple[str, bool]], float, int, int]:
    """Run cases ``[first, last)``; their outcome counts, the slowest time and case, and peak RSS (KiB)."""
    counts: Counter[tuple[str, bool]] = Counter()
    slowest, slowest_case = 0.0, -1
    with tempfile.TemporaryDirectory() as folder:
        for seed in range(*bounds):
            outcome = run_case(seed, Path(folder), limit=20.0)
            counts[(outcome.kind, outcome.accepted)] += 1
            if outcome.seconds > slowest:
                slowest, slowest_case = outcome.seconds, seed
    return counts, slowest, slowest_case, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--first", type=int, default=0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args()
    step = 1000
    spans = [(s, min(s + step, args.first + args.cases)) for s in range(args.first, args.first + args.cases, step)]
    started = time.monotonic()
    total: Counter[tuple[str, bool]] = Counter()
    slowest, slowest_case, peak = 0.0, -1, 0
    with ProcessPoolExecutor(args.workers) as pool:
        for done, (counts, slow, case, rss) in enumerate(pool.map(_span, spans), start=1):
            total.update(counts)
            if slow > slowest:
                slowest, slowest_case = slow, case
            peak = max(peak, rss)
            print(f"{done * step:,} cases, {time.monotonic() - started:.0f} s", flush=True)
    seconds = time.monotonic() - started
    rows = [f"| {kind} | {total[(kind, True)]:,} | {total[(kind, False)]:,} | 0 |" for kind in KINDS]
    record = "\n".join(
        [
            f"## {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC",
            "",
            f"- command: `python bench/fuzz.py --cases {args.cases} --first {args.first} --workers {args.workers}`",
            f"- machine: {describe()}; Python {platform.python_version()}",
            f"- result: {sum(total.values()):,} cases in {seconds:.0f} s, no exception other than the project's "
            f"own errors, no case over its 20 s limit; slowest case {slowest_case} ({slowest:.2f} s); "
            f"peak memory of a worker {peak / 1024:.0f} MiB",
            "",
            "| reader | accepted | refused with a project error | other exceptions or hangs |",
            "|---|---:|---:|---:|",
            *rows,
            "",
        ]
    )
    print(record)
    if not args.no_record:
        with RESULTS.open("a", encoding="utf-8") as handle:
            handle.write(record + "\n")


if __name__ == "__main__":
    main()
