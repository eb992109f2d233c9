"""Simulated multi-node Dask: the exact search on a scheduler and N single-core workers, each its own process.

Run:  .venv/bin/python bench/dask_nodes.py [--size 25x3] [--workers 1 2] [--repeat N] [--no-record]

For each N a ``dask scheduler`` and N ``dask worker --nthreads 1`` processes are started
as separate operating-system processes talking over TCP on this machine, as they would on
N machines; each worker's compiled kernels are limited to one thread
(``NUMBA_NUM_THREADS=1``), so a worker is one core, like a one-core node. The job is the
exact pruned search of a seeded random matrix (``bench/random_models.py``, tolerance 0),
split into prefixes that the workers take in batches. Every worker first loads the compiled
kernels (from the on-disk cache) with a small search, so the timed runs measure the search
and the scheduling, not the start-up. The same search runs
in this process on one thread for comparison, and every result must equal it.

Speed-up is the one-worker wall time over the N-worker wall time. The machine has 2 cores,
so the curve stops at N = 2; other processes share those cores, so the load average is
recorded with the figures. So is a figure the load does not move: each batch's CPU time
in its worker, handed out in order to N free workers, gives the speed-up the split allows
on N dedicated cores (total CPU over that schedule's finish time). Results are appended
to ``bench/results-frontier.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import heapq
import os
import platform
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any

import numba
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from machine import cpu_model
from random_models import DEFAULT_ZERO_SHARE, random_model

from scenarist.engines import search
from scenarist.engines._domain import domain_of
from scenarist.engines.executors import DaskExecutor

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results-frontier.md"
DASK = Path(sys.executable).with_name("dask")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def _cluster(workers: int) -> Iterator[str]:
    """A scheduler and ``workers`` one-thread workers, each a separate process; yields the address."""
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    one_core = {**os.environ, "NUMBA_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    procs = [
        subprocess.Popen(
            [str(DASK), "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"], **quiet
        )
    ]
    try:
        procs += [
            subprocess.Popen(
                [str(DASK), "worker", address, "--nthreads", "1", "--nworkers", "1", "--no-dashboard"],
                env=one_core,
                **quiet,
            )
            for _ in range(workers)
        ]
        from dask.distributed import Client

        with Client(address, timeout=60) as client:  # type: ignore[no-untyped-call]
            client.wait_for_workers(workers, timeout=120)  # type: ignore[no-untyped-call]
            client.run(_load_kernels, *_small_split())  # type: ignore[no-untyped-call]
        yield address
    finally:
        for proc in reversed(procs):
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _load_kernels(problem: object, prefixes: np.ndarray) -> None:
    """Load the compiled search kernels in a worker (from the on-disk cache) with a small split search."""
    search._search_prefixes(problem, prefixes)


def _small_split() -> tuple[object, np.ndarray]:
    """A small search problem and its prefixes, for :func:`_load_kernels`."""
    model = random_model(12, 3, seed=1)
    domain = domain_of(model)
    problem = search._problem(model, domain, 0, search.search_order(model, domain))
    prefixes, _ = search._prefixes(problem, 1)
    return problem, prefixes


def _metered(fn: Callable[[Any], Any], item: Any) -> tuple[Any, float]:
    """``fn(item)`` and the CPU seconds it took in the worker process (one task thread per worker)."""
    start = time.process_time()
    result = fn(item)
    return result, time.process_time() - start


class Metered:
    """An executor that runs its items on ``inner`` and keeps each item's CPU seconds in ``costs``."""

    def __init__(self, inner: DaskExecutor) -> None:
        self.inner = inner
        self.costs: list[float] = []

    def map(self, fn: Callable[[Any], Any], items: Sequence[Any]) -> list[Any]:
        pairs = self.inner.map(partial(_metered, fn), items)
        self.costs += [cost for _, cost in pairs]
        return [result for result, _ in pairs]


def _makespan(costs: list[float], workers: int) -> float:
    """Finish time of ``costs`` handed out in order to whichever of ``workers`` is free first."""
    free = [0.0] * workers
    for cost in costs:
        heapq.heapreplace(free, free[0] + cost)
    return max(free)


def _timed(job: Callable[[], search.SearchResult], repeat: int) -> tuple[float, search.SearchResult]:
    """Median wall time of ``repeat`` runs of ``job()`` and its last result."""
    times = []
    result = None
    for _ in range(repeat):
        start = time.perf_counter()
        result = job()
        times.append(time.perf_counter() - start)
    assert result is not None
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", default="25x3", help="random matrix, descriptors x variants (default 25x3)")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2], help="worker counts to run")
    parser.add_argument("--repeat", type=int, default=1, help="timed runs per configuration (median)")
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args()
    n, v = (int(x) for x in args.size.lower().split("x"))
    load_start = f"{os.getloadavg()[0]:.2f}"
    model = random_model(n, v)
    domain = domain_of(model)
    small = random_model(16, 3, seed=1)

    numba.set_num_threads(1)
    search.search(small, domain_of(small), 0)
    here_s, here = _timed(lambda: search.search(model, domain, 0), args.repeat)
    print(f"in-process, 1 thread: {here_s:.2f} s, {here.nodes:,} nodes, {len(here.indices)} found", flush=True)
    numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)

    rows: list[tuple[int, float, list[float], int, int]] = []
    for workers in args.workers:
        with _cluster(workers) as address, DaskExecutor(scheduler=address) as dask:
            metered = Metered(dask)
            seconds, result = _timed(lambda ex=metered: search.search(model, domain, 0, executor=ex), args.repeat)
        if not np.array_equal(result.indices, here.indices):
            raise SystemExit(f"{workers} workers: the result differs from the in-process search")
        costs = metered.costs[-len(metered.costs) // args.repeat :]
        rows.append((workers, seconds, costs, result.nodes, result.prefixes))
        print(f"{workers} worker(s): {seconds:.2f} s, {sum(costs):.2f} CPU s in {len(costs)} batches", flush=True)

    base = rows[0][1] if rows and rows[0][0] == 1 else None
    table = [
        "| setting | wall | speed-up over 1 worker (wall) | CPU s in the batches | speed-up the split allows "
        "| nodes | prefixes |",
        "|---|---:|---:|---:|---:|---:|---:|",
        f"| in this process, 1 thread, no Dask | {here_s:.2f} s | | | | {here.nodes:,} | {here.prefixes} |",
    ]
    for workers, seconds, costs, nodes, prefixes in rows:
        speed = f"{base / seconds:.2f}×" if base else "?"
        allows = f"{sum(costs) / _makespan(costs, workers):.2f}×" if sum(costs) > 0 else "?"
        table.append(
            f"| scheduler + {workers} worker(s) × 1 thread | {seconds:.2f} s | {speed} | {sum(costs):.2f} "
            f"({len(costs)} batches) | {allows} | {nodes:,} | {prefixes} |"
        )
    print("\n".join(table))
    if args.no_record:
        return
    machine = (
        f"{cpu_model()}, {os.cpu_count()} logical cores, {platform.system()} {platform.release()}; load average "
        f"{load_start} at start, {os.getloadavg()[0]:.2f} at end (the cores are shared with other processes)"
    )
    import distributed

    header = [
        f"\n## Simulated multi-node Dask, {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC\n",
        f"- command: `{' '.join([Path(sys.executable).name, *sys.argv])}`",
        f"- machine: {machine}",
        f"- versions: Python {platform.python_version()}, numba {numba.__version__}, "
        f"dask.distributed {distributed.__version__}",
        f"- job: exact pruned search of random {n}×{v} (seed 0, zero share {DEFAULT_ZERO_SHARE:g}, tolerance 0); "
        "a `dask scheduler` and N `dask worker --nthreads 1` processes (kernels on one thread each) over TCP; "
        f"median of {args.repeat} run(s) after a warm-up search on the cluster; the machine has 2 cores, "
        "so the curve stops at N = 2\n",
    ]
    with RESULTS.open("a", encoding="utf-8") as fh:
        fh.write("\n".join(header + table) + "\n")
    print(f"recorded in {RESULTS}")


if __name__ == "__main__":
    main()
