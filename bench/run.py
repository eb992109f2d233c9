"""Benchmarks of the CIB engines on the reference ScenarioWizard projects.

Run:  .venv/bin/python bench/run.py [--repeat N] [--only NAME] [--no-record]

Each case is run once to compile (numba caches to disk), then ``--repeat`` times; the
median wall time is recorded. Results are appended to ``bench/results.md`` with the
command, the machine and the library versions.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numba
import numpy as np
from machine import cpu_model

from scenarist.engines.bayes import Observation, posterior, watch_list
from scenarist.engines.cib import find_scenarios
from scenarist.engines.executors import DaskExecutor, SerialExecutor
from scenarist.engines.uncertainty import scenario_probabilities
from scenarist.engines.weights import volume_weights
from scenarist.model import compile_model, load_model
from scenarist.model.compile import CompiledModel
from scenarist.model.scw import read_scw

HERE = Path(__file__).resolve().parent
DATA = HERE.parent / "tests" / "data" / "scenariowizard"
RESULTS = HERE / "results.md"
Row = tuple[str, str, float, float, float]


def _model(name: str) -> CompiledModel:
    return compile_model(read_scw(DATA / f"{name}.scw"))


def _cases() -> dict[str, tuple[str, Callable[[], object], int]]:
    """name → (description, job, units of work (scenarios or starts))."""
    cases: dict[str, tuple[str, Callable[[], object], int]] = {}
    for name in ("CIB_nested_simplified_standardized", "CIB_natl_regional", "CIB_nested"):
        model = _model(name)
        cases[f"consistent:{name}"] = (
            f"exhaustive consistent set, {model.scenario_space:,} scenarios",
            lambda m=model: find_scenarios(m, solver="exhaustive"),  # type: ignore[misc]
            model.scenario_space,
        )
        cases[f"pruned:{name}"] = (
            f"pruned exact search, {model.scenario_space:,} scenarios (figure: scenarios covered per second)",
            lambda m=model: find_scenarios(m, solver="pruned"),  # type: ignore[misc]
            model.scenario_space,
        )
    model = _model("CIB_nested_simplified_standardized")
    cases["weights:CIB_nested_simplified_standardized"] = (
        f"exact volume weights, {model.scenario_space:,} starts",
        lambda: volume_weights(model, method="exact"),
        model.scenario_space,
    )
    cases["weights-mc:CIB_nested_simplified_standardized"] = (
        "Monte Carlo volume weights, 1,000,000 starts",
        lambda: volume_weights(model, method="monte-carlo", starts=1_000_000, seed=1),
        1_000_000,
    )
    bundled = compile_model(load_model())
    cases["draws:us-russia-2025"] = (
        "probability engine, 20,000 judgment draws with succession",
        lambda: scenario_probabilities(bundled, draws=20_000, seed=1),
        20_000,
    )
    prior = scenario_probabilities(bundled, draws=20_000, seed=1).distribution()
    signposts = [s.id for s in bundled.signposts]
    cases["evidence-update:us-russia-2025"] = (
        f"one Bayes update over {len(prior.probabilities):,} attractors (posterior + watch list)",
        lambda: watch_list(bundled, posterior(bundled, prior, [Observation(signposts[0], True, 0.8)]).distribution),
        1,
    )
    return cases


def _measure(
    name: str, what: str, job: Callable[[], object], units: int, repeat: int
) -> tuple[str, str, float, float, float]:
    job()  # compile / warm up
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        job()
        times.append(time.perf_counter() - start)
    median = statistics.median(times)
    print(f"{name:50s} median {median:8.3f} s  min {min(times):8.3f} s  {units / median:14,.0f} /s", flush=True)
    return (name, what, median, min(times), units / median)


def _worker_cases(repeat: int) -> list[Row]:
    """The same chunked work in this process and on local Dask clusters of 1 and 2 workers."""
    nested = _model("CIB_nested")
    bundled = compile_model(load_model())
    rows = []
    for label, make in (
        ("in-process", SerialExecutor),
        ("dask-1-worker", lambda: DaskExecutor(workers=1)),
        ("dask-2-workers", lambda: DaskExecutor(workers=2)),
    ):
        with make() as executor:
            rows.append(
                _measure(
                    f"{label}:exhaustive:CIB_nested",
                    f"exhaustive consistent set, {nested.scenario_space:,} scenarios",
                    lambda e=executor: find_scenarios(nested, solver="exhaustive", executor=e),  # type: ignore[misc]
                    nested.scenario_space,
                    repeat,
                )
            )
            rows.append(
                _measure(
                    f"{label}:draws:us-russia-2025",
                    "probability engine, 200,000 judgment draws",
                    lambda e=executor: scenario_probabilities(bundled, draws=200_000, seed=1, executor=e),  # type: ignore[misc]
                    200_000,
                    repeat,
                )
            )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--only", default="")
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args()
    rows = []
    for name, (what, job, units) in _cases().items():
        if args.only and args.only not in name:
            continue
        rows.append(_measure(name, what, job, units, args.repeat))
    if not args.only or "dask" in args.only:
        rows += _worker_cases(args.repeat)
    if args.no_record:
        return
    machine = (
        f"{cpu_model()}, {os.cpu_count()} logical cores, numba threads {numba.get_num_threads()}, "
        f"{platform.system()} {platform.release()}"
    )
    versions = f"Python {platform.python_version()}, numpy {np.__version__}, numba {numba.__version__}"
    lines = [
        f"\n## {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC\n",
        f"- command: `{' '.join([Path(sys.executable).name, *sys.argv])}` (median of {args.repeat} after a warm-up)",
        f"- machine: {machine}",
        f"- versions: {versions}\n",
        "| case | work | median (s) | min (s) | per second |",
        "|---|---|---:|---:|---:|",
    ]
    lines += [f"| `{n}` | {w} | {m:.3f} | {lo:.3f} | {rate:,.0f} |" for n, w, m, lo, rate in rows]
    with RESULTS.open("a", encoding="utf-8") as fh:
        fh.write("\n".join(lines) + "\n")
    print(f"recorded in {RESULTS}")


if __name__ == "__main__":
    main()
