"""The exact frontier: the pruned search on the seeded random matrices of the targets, and multistart recall.

Run:  .venv/bin/python bench/frontier.py [--budget SECONDS] [--starts N] [--only 20x4,25x3] [--no-record]

For each matrix of the target table (seeded random −3..3 matrices, 30 % zeros; see
``bench/random_models.py``) the exact pruned search runs once after a warm-up that
compiles the kernels; cases too large to finish are *estimated* from a random sample of
their prefixes searched for ``--budget`` seconds (as in ``bench/scale.py``). The table
prints today's wall time and search nodes beside the independent C reference and the
target, with the cost per node: the process's CPU time (every thread) over the nodes, which
the load of other processes moves far less than the wall time (the C reference's cost per
node is its wall time over its nodes, one thread), and the load average when the case
started. Where the exact set is known, the multistart method (``cib-multistart``) runs
with ``--starts`` starts and its recall (share of the exact set it found) is printed with
its time and growth curve. Results are appended to ``bench/results-frontier.md`` with
the command, the machine (load average included: other processes share the cores) and
the versions.
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
from machine import cpu_model
from random_models import DEFAULT_ZERO_SHARE, random_model
from scale import Row, _estimate, _fmt_seconds

from scenarist.engines import search
from scenarist.engines._domain import domain_of
from scenarist.engines.multistart import find_some

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results-frontier.md"


@dataclass(frozen=True)
class Target:
    n: int
    v: int
    reference: str
    """The independent C reference: wall time and nodes."""
    reference_us: float
    """The reference's wall time per node, microseconds."""
    target: str
    exact: bool
    """Whether the exact search is run to the end (else estimated)."""


TARGETS = (
    Target(20, 4, "0.53 s, 0.70 M nodes", 0.53 / 0.70, "≤ 0.5 s", True),
    Target(25, 3, "0.45 s, 0.49 M nodes", 0.45 / 0.49, "≤ 0.5 s", True),
    Target(30, 3, "1.8 s, 2.1 M nodes", 1.8 / 2.1, "≤ 2 s", True),
    Target(25, 4, "30 s, 40 M nodes", 30 / 40, "≤ 30 s", True),
    Target(30, 4, "30 min, 1.9 G nodes (7 consistent)", 1800 / 1900, "≤ 5 min, fewer nodes", False),
)


@dataclass(frozen=True)
class Recall:
    found: int
    exact: int
    seconds: float
    growth: str


@dataclass(frozen=True)
class Cost:
    load: float
    """Load average (one minute) when the case started."""
    cpu_us: float
    """CPU microseconds (every thread of this process) per search node."""


def _exact(t: Target, budget: float) -> tuple[Row, np.ndarray | None, Cost]:
    model = random_model(t.n, t.v)
    name = f"random {t.n}×{t.v}"
    load = os.getloadavg()[0]
    start, cpu = time.perf_counter(), time.process_time()
    if not t.exact:
        row = _estimate(name, model, budget)
        wall, cpu = time.perf_counter() - start, time.process_time() - cpu
        # The estimate extrapolates wall time and nodes alike; CPU per node follows their ratio.
        return row, None, Cost(load, cpu / wall * row.seconds / max(row.nodes or 1, 1) * 1e6)
    domain = domain_of(model)
    result = search.search(model, domain, 0)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    note = f"{result.prefixes} prefixes" if result.prefixes else "one thread"
    row = Row(name, "pruned", model.scenario_space, len(result.indices), seconds, result.nodes, note, 0.0)
    return row, result.indices, Cost(load, cpu / max(result.nodes, 1) * 1e6)


def _recall(t: Target, exact: np.ndarray | None, starts: int) -> Recall:
    model = random_model(t.n, t.v)
    start = time.perf_counter()
    result = find_some(model, starts=starts)
    seconds = time.perf_counter() - start
    found = {s.indices for s in result.scenarios}
    points = ", ".join(str(g.found) for g in result.growth[:: max(1, len(result.growth) // 8)])
    if exact is None:
        return Recall(len(found), -1, seconds, points)
    known = {tuple(int(i) for i in row) for row in exact}
    if not found <= known:
        raise SystemExit(f"{t.n}×{t.v}: multistart reported a scenario the exact search did not find")
    return Recall(len(found), len(known), seconds, points)


def _warm_up() -> None:
    small = random_model(15, 4, seed=1)
    search.search(small, domain_of(small), 0)
    find_some(small, starts=5000)


def _table(rows: list[tuple[Target, Row, Cost, Recall]]) -> list[str]:
    lines = [
        "| matrix | space | today (wall, 2 threads) | today's nodes | today's CPU per node | load | C reference "
        "| C per node | target | multistart found / exact | multistart time | growth (every 8th chunk) |",
        "|---|---:|---:|---:|---:|---:|---|---:|---|---:|---:|---|",
    ]
    for t, r, c, m in rows:
        est = "est. " if r.found < 0 else ""
        exact = "?" if m.exact < 0 else str(m.exact)
        lines.append(
            f"| {t.n} × {t.v} | {r.space:.2g} | {est}{_fmt_seconds(r.seconds)} | {est}{r.nodes:,} "
            f"| {c.cpu_us:.1f} µs | {c.load:.1f} | {t.reference} | {t.reference_us:.2f} µs "
            f"| {t.target} | {m.found} / {exact} | {_fmt_seconds(m.seconds)} | {m.growth} |"
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--budget", type=float, default=30.0, help="seconds per estimated case")
    parser.add_argument("--starts", type=int, default=65_536, help="multistart starts per case")
    parser.add_argument("--only", default="", help="comma-separated sizes to run, e.g. 20x4,25x3 (default: all)")
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args()
    only = {tuple(int(x) for x in size.lower().split("x")) for size in args.only.split(",") if size}
    load_start = f"{os.getloadavg()[0]:.2f}"
    _warm_up()
    rows = []
    for t in TARGETS:
        if only and (t.n, t.v) not in only:
            continue
        row, exact, cost = _exact(t, args.budget)
        recall = _recall(t, exact, args.starts)
        rows.append((t, row, cost, recall))
        print(
            f"{t.n}×{t.v}: {_fmt_seconds(row.seconds)}, {row.nodes:,} nodes, {cost.cpu_us:.1f} µs CPU per node "
            f"(load {cost.load:.1f}); multistart {recall}",
            flush=True,
        )
    table = _table(rows)
    print("\n".join(table))
    if args.no_record:
        return
    machine = (
        f"{cpu_model()}, {os.cpu_count()} logical cores, numba threads {numba.get_num_threads()}, "
        f"{platform.system()} {platform.release()}; load average {load_start} at start, "
        f"{os.getloadavg()[0]:.2f} at end"
    )
    versions = f"Python {platform.python_version()}, numpy {np.__version__}, numba {numba.__version__}"
    header = [
        f"\n## {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC\n",
        f"- command: `{' '.join([Path(sys.executable).name, *sys.argv])}`",
        f"- machine: {machine}",
        f"- versions: {versions}",
        f"- random models: seed 0, zero share {DEFAULT_ZERO_SHARE:g}, tolerance 0; estimates from "
        f"{args.budget:g} s of sampled prefixes; multistart {args.starts:,} starts, seed 0\n",
    ]
    with RESULTS.open("a", encoding="utf-8") as fh:
        if fh.tell() == 0:
            fh.write("# Exact frontier results\n\nRecorded by `bench/frontier.py` (see its docstring).\n")
        fh.write("\n".join(header + table) + "\n")
    print(f"recorded in {RESULTS}")


if __name__ == "__main__":
    main()
