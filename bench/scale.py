"""Scale benchmarks of the exact CIB search: the pruned search against exhaustive enumeration.

Run:  .venv/bin/python bench/scale.py [--repeat N] [--only TEXT] [--budget SECONDS] [--no-record]

Cases: the consistent set of the 408-million-scenario ``CIB_nested`` project, and seeded
random models (``bench/random_models.py``: N descriptors × v variants, impacts −3..3, 30 %
zeros, zero diagonal blocks) from 12×3 up to 30×4, at tolerance 0. Exhaustive enumeration
runs where the space has at most ``EXHAUSTIVE_MAX`` scenarios.

Each case runs once to compile (numba caches to disk), then ``--repeat`` times; the median
wall time is recorded with the search node count. A pruned case predicted to take longer
than ``--budget`` seconds is *estimated* instead: the search is split into many prefixes, a
seeded random sample of them is searched until the budget is spent, and nodes and time are
extrapolated (marked "est."). Peak memory is the process's maximum resident set size after
the case. Results are appended to ``bench/results-scale.md`` with the command, the machine
(including the load average, since other processes share the cores) and the versions.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import resource
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numba
import numpy as np

from scenarist.engines import search
from scenarist.engines.cib import SOLVERS, domain_of
from scenarist.model import compile_model
from scenarist.model.compile import CompiledModel
from scenarist.model.scw import read_scw

sys.path.insert(0, str(Path(__file__).resolve().parent))
from machine import cpu_model
from random_models import DEFAULT_ZERO_SHARE, random_model

HERE = Path(__file__).resolve().parent
DATA = HERE.parent / "tests" / "data" / "scenariowizard"
RESULTS = HERE / "results-scale.md"
EXHAUSTIVE_MAX = 1_100_000_000
"""Largest space enumerated exhaustively."""
RANDOM_SIZES = ((12, 3), (15, 3), (18, 3), (12, 4), (15, 4), (18, 4), (20, 4), (22, 4), (25, 4), (30, 4))
ESTIMATE_FROM = 22
"""Random models with at least this many descriptors are estimated unless they fit the budget."""


@dataclass(frozen=True)
class Row:
    case: str
    solver: str
    space: int
    found: int
    seconds: float
    nodes: int | None
    note: str
    rss_mb: float


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _median(job: Callable[[], object], repeat: int) -> tuple[float, object]:
    """Median wall time of ``repeat`` runs after a warm-up run, and the last result."""
    result = job()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = job()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def _pruned(name: str, model: CompiledModel, repeat: int) -> Row:
    domain = domain_of(model)
    seconds, result = _median(lambda: search.search(model, domain, 0), repeat)
    assert isinstance(result, search.SearchResult)
    note = f"median of {repeat}; {result.prefixes} prefixes" if result.prefixes else f"median of {repeat}; one thread"
    return Row(name, "pruned", model.scenario_space, len(result.indices), seconds, result.nodes, note, _rss_mb())


def _exhaustive(name: str, model: CompiledModel, repeat: int) -> Row:
    domain = domain_of(model)
    seconds, result = _median(lambda: SOLVERS["exhaustive"](model, domain, 0, None, None), repeat)
    assert isinstance(result, np.ndarray)
    return Row(name, "exhaustive", model.scenario_space, len(result), seconds, None, f"median of {repeat}", _rss_mb())


def _estimate(name: str, model: CompiledModel, budget: float) -> Row:
    """Search a random sample of many prefixes for ``budget`` seconds and extrapolate to all of them."""
    domain = domain_of(model)
    start = time.perf_counter()
    problem = search._problem(model, domain, 0, search.search_order(model, domain))
    prefixes, nodes = search._prefixes(problem, 64)
    rng = np.random.default_rng(0)
    order = rng.permutation(len(prefixes))
    step = 2 * numba.get_num_threads()
    done = found = searched = 0
    spent = 0.0
    while done < len(order) and spent < budget:
        batch = np.ascontiguousarray(prefixes[order[done : done + step]])
        t0 = time.perf_counter()
        rows, k = search._search_prefixes(problem, batch)
        spent += time.perf_counter() - t0
        done += len(batch)
        found += len(rows)
        searched += k
    if done == len(prefixes):
        note = f"one run, all {done} prefixes searched"
        seconds = time.perf_counter() - start
        return Row(name, "pruned", model.scenario_space, found, seconds, nodes + searched, note, _rss_mb())
    share = done / len(prefixes)
    seconds = (time.perf_counter() - start - spent) + spent / share
    note = f"est. from {done} of {len(prefixes)} prefixes in {spent:.0f} s ({found} found in the sample)"
    return Row(name, "pruned", model.scenario_space, -1, seconds, nodes + int(searched / share), note, _rss_mb())


def _cases(args: argparse.Namespace) -> list[tuple[str, Callable[[], Row]]]:
    """(case name, job) pairs, in the order they run."""
    nested = compile_model(read_scw(DATA / "CIB_nested.scw"))
    jobs: list[tuple[str, Callable[[], Row]]] = [
        ("CIB_nested", lambda: _pruned("CIB_nested", nested, args.repeat)),
        ("CIB_nested", lambda: _exhaustive("CIB_nested", nested, min(args.repeat, 3))),
    ]
    for n, v in RANDOM_SIZES:
        model = random_model(n, v, seed=args.seed)
        name = f"random {n}×{v}"
        if n >= ESTIMATE_FROM and not args.full:
            jobs.append((name, lambda name=name, model=model: _estimate(name, model, args.budget)))  # type: ignore[misc]
        else:
            jobs.append((name, lambda name=name, model=model: _pruned(name, model, args.repeat)))  # type: ignore[misc]
        if model.scenario_space <= EXHAUSTIVE_MAX:
            reps = 1 if model.scenario_space > 1e8 else args.repeat
            job = lambda name=name, model=model, reps=reps: _exhaustive(name, model, reps)  # type: ignore[misc]  # noqa: E731
            jobs.append((name, job))
    return jobs


def _fmt_seconds(s: float) -> str:
    return f"{s * 1e3:.1f} ms" if s < 1 else f"{s:,.2f} s"


def _record(rows: list[Row], args: argparse.Namespace, load: tuple[str, str]) -> None:
    machine = (
        f"{cpu_model()}, {os.cpu_count()} logical cores, numba threads {numba.get_num_threads()}, "
        f"{platform.system()} {platform.release()}; load average {load[0]} at start, {load[1]} at end"
    )
    versions = f"Python {platform.python_version()}, numpy {np.__version__}, numba {numba.__version__}"
    lines = [
        f"\n## {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC\n",
        f"- command: `{' '.join([Path(sys.executable).name, *sys.argv])}`",
        f"- machine: {machine}",
        f"- versions: {versions}",
        f"- random models: seed {args.seed}, zero share {DEFAULT_ZERO_SHARE:g}, tolerance 0\n",
        "| case | solver | scenarios | found | time | search nodes | peak RSS | note |",
        "|---|---|---:|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        found = "—" if r.found < 0 else f"{r.found:,}"
        nodes = "—" if r.nodes is None else f"{r.nodes:,}"
        lines.append(
            f"| {r.case} | {r.solver} | {r.space:.3g} | {found} | {_fmt_seconds(r.seconds)} | {nodes} "
            f"| {r.rss_mb:,.0f} MB | {r.note} |"
        )
    with RESULTS.open("a", encoding="utf-8") as fh:
        if fh.tell() == 0:
            fh.write("# Scale benchmark results\n\nRecorded by `bench/scale.py` (see its docstring).\n")
        fh.write("\n".join(lines) + "\n")
    print(f"recorded in {RESULTS}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--only", default="", help="run the cases whose name contains this text")
    parser.add_argument("--budget", type=float, default=60.0, help="seconds per estimated case")
    parser.add_argument("--full", action="store_true", help="run every pruned case to the end")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args()
    load_start = f"{os.getloadavg()[0]:.2f}"
    rows = []
    for name, job in _cases(args):
        if args.only and args.only not in name:
            continue
        row = job()
        rows.append(row)
        print(
            f"{row.case:16s} {row.solver:10s} {_fmt_seconds(row.seconds):>12s} nodes {row.nodes} {row.note}", flush=True
        )
    if not args.no_record:
        _record(rows, args, (load_start, f"{os.getloadavg()[0]:.2f}"))


if __name__ == "__main__":
    main()
