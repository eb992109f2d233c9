"""Recall of the method beyond exact search (``cib-multistart``) against the exact set, and against attractor search.

Run:  .venv/bin/python bench/multistart_recall.py [--seeds 5] [--starts 65536] [--big] [--no-record]

On seeded random −3..3 matrices (30 % zeros; ``bench/random_models.py``) whose exact set the
pruned search finds, the multistart method runs once with ``--starts`` starts; its growth
curve gives the distinct consistent scenarios known after each chunk of 4,096 starts, and
so its recall (found / exact) at every effort. Every scenario it reports is consistent, so
recall is the whole story (a scenario outside the exact set stops the run as a bug).

The comparison is *Monte Carlo attractor search*, the method of PyCIB and of the
``weights --method monte-carlo`` command: random starts, each followed by global succession
to its attractor; the consistent scenarios found are the attractors hit at least once. It
runs twice: with as many starts as the multistart run, and with as many as fit in the
multistart run's time (equal time; its rate is measured first on 4,096 starts). Both run
on the same compiled kernels here; PyCIB itself (pure Python, not installable from the
package index on the machine where this was written) follows each start far more slowly.

Models: sizes 12×3, 15×3, 12×4 and 16×4 with ``--seeds`` seeds each, plus the frontier's
20×4 and 25×3 (seed 0) and, with ``--big``, 30×3. The table is appended to
``bench/results-multistart.md`` with the command, the machine and the load.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numba
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from machine import describe
from random_models import DEFAULT_ZERO_SHARE, random_model

from scenarist.engines import search
from scenarist.engines._chunks import domain_arrays
from scenarist.engines._domain import domain_of
from scenarist.engines.multistart import find_some
from scenarist.engines.weights import MC_CHUNK, _Job, _monte_carlo_chunk
from scenarist.model.compile import CompiledModel

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results-multistart.md"
SMALL = ((12, 3), (15, 3), (12, 4), (16, 4))
FRONTIER = ((20, 4), (25, 3))


@dataclass(frozen=True)
class Case:
    name: str
    exact: int
    exact_seconds: float
    growth: tuple[int, ...]
    """Distinct scenarios found after each chunk of starts."""
    multistart_seconds: float
    succession_same_starts: int
    succession_equal_time: int
    equal_time_starts: int


def _attractor_search(model: CompiledModel, exact: np.ndarray, starts: int, seed: int) -> tuple[int, float]:
    """Consistent scenarios hit by Monte Carlo attractor search from ``starts`` random starts, and the time.

    The chunks of ``weights --method monte-carlo`` (global succession from each start), with the
    attractor list taken from the exact set already known, so that only the search is timed.
    """
    domain = domain_of(model)
    dom, dsize, movable = domain_arrays(domain)
    attractors = np.sort(model.flat_indices(exact.reshape(-1, model.n_descriptors)))
    job = _Job(model.matrix, model.offsets, model.counts, dom, dsize, movable, attractors, domain.fixed_positions, seed)
    t0 = time.perf_counter()
    chunks = [(i, min(MC_CHUNK, starts - i * MC_CHUNK)) for i in range(-(-starts // MC_CHUNK))]
    tallies = np.sum([_monte_carlo_chunk(job, c) for c in chunks], axis=0)
    seconds = time.perf_counter() - t0
    return int(np.count_nonzero(tallies[: len(attractors)])), seconds


def run_case(n: int, v: int, seed: int, starts: int) -> Case:
    model = random_model(n, v, seed=seed)
    t0 = time.perf_counter()
    exact = search.search(model, domain_of(model), 0)
    exact_seconds = time.perf_counter() - t0
    known = {tuple(int(i) for i in row) for row in exact.indices}

    t0 = time.perf_counter()
    result = find_some(model, starts=starts, seed=seed)
    ms_seconds = time.perf_counter() - t0
    found = {s.indices for s in result.scenarios}
    if not found <= known:
        raise SystemExit(f"{n}×{v} seed {seed}: multistart reported a scenario outside the exact set")

    rows = exact.indices
    _, probe = _attractor_search(model, rows, 4096, seed)
    same, _ = _attractor_search(model, rows, starts, seed)
    equal_starts = max(1, int(4096 * ms_seconds / max(probe, 1e-9)))
    equal, _ = _attractor_search(model, rows, equal_starts, seed)
    return Case(
        f"{n} × {v}, seed {seed}",
        len(known),
        exact_seconds,
        tuple(g.found for g in result.growth),
        ms_seconds,
        same,
        equal,
        equal_starts,
    )


def _pct(found: int, total: int) -> str:
    return f"{found}/{total} ({100 * found / total:.0f} %)" if total else "0/0"


def table(cases: list[Case], starts: int) -> list[str]:
    chunks = len(cases[0].growth)
    marks = sorted({0, chunks // 4 - 1, chunks // 2 - 1, chunks - 1} - {-1})
    head = " | ".join(f"multistart, {4096 * (k + 1):,} starts" for k in marks)
    lines = [
        f"| matrix | exact set (pruned, s) | {head} | multistart time | attractor search, {starts:,} starts "
        "| attractor search, equal time (starts) |",
        "|---|---:|" + "---:|" * len(marks) + "---:|---:|---:|",
    ]
    for c in cases:
        cells = " | ".join(_pct(c.growth[k], c.exact) for k in marks)
        lines.append(
            f"| {c.name} | {c.exact} ({c.exact_seconds:.1f} s) | {cells} | {c.multistart_seconds:.2f} s "
            f"| {_pct(c.succession_same_starts, c.exact)} "
            f"| {_pct(c.succession_equal_time, c.exact)} ({c.equal_time_starts:,}) |"
        )
    total = sum(c.exact for c in cases)
    same = sum(c.succession_same_starts for c in cases)
    equal = sum(c.succession_equal_time for c in cases)
    lines.append(
        f"| **all {len(cases)} matrices** | {total} | "
        + " | ".join(_pct(sum(c.growth[k] for c in cases), total) for k in marks)
        + f" | | {_pct(same, total)} | {_pct(equal, total)} |"
    )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, default=5, help="seeds per small size")
    parser.add_argument("--starts", type=int, default=65_536, help="multistart starts (a multiple of 4,096)")
    parser.add_argument("--big", action="store_true", help="add the 30×3 frontier matrix (minutes of exact search)")
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args()
    load_start = os.getloadavg()[0]
    specs = [(n, v, s) for n, v in SMALL for s in range(args.seeds)] + [(n, v, 0) for n, v in FRONTIER]
    if args.big:
        specs.append((30, 3, 0))
    run_case(8, 3, 99, 4096)  # compile the kernels
    cases = []
    for n, v, s in specs:
        case = run_case(n, v, s, args.starts)
        print(f"{case.name}: exact {case.exact}, multistart {case.growth[-1]}, attractor search "
              f"{case.succession_same_starts} / {case.succession_equal_time}", flush=True)  # fmt: skip
        cases.append(case)
    lines = table(cases, args.starts)
    print("\n".join(lines))
    if args.no_record:
        return
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    command = "python bench/multistart_recall.py" + "".join(
        f" {a}" for a in sys.argv[1:] if a != "--no-record"
    )  # fmt: skip
    header = [
        f"## {now}",
        "",
        f"- command: `{command}`",
        f"- machine: {describe()}, numba threads {numba.get_num_threads()}; load average "
        f"{load_start:.2f} at start, {os.getloadavg()[0]:.2f} at end",
        f"- versions: Python {platform.python_version()}, numpy {np.__version__}, numba {numba.__version__}",
        f"- random models: zero share {DEFAULT_ZERO_SHARE}, tolerance 0; multistart seed = model seed, "
        "noise 0.1, 300 moves per start; attractor search seeded alike",
        "",
    ]
    fresh = not RESULTS.exists()
    with RESULTS.open("a", encoding="utf-8") as out:
        if fresh:
            out.write("# Multistart recall\n\nRecorded by `bench/multistart_recall.py` (see its docstring).\n\n")
        out.write("\n".join(header + lines) + "\n\n")


if __name__ == "__main__":
    main()
