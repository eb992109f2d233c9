"""Shared builders for the engine tests: models from matrices, the reference projects, strategies."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import strategies as st
from playwright.sync_api import Browser, sync_playwright

from scenarist.model.compile import CompiledModel, compile_model
from scenarist.model.schema import Judgment, Model
from scenarist.model.validate import validate_model

DATA = Path(__file__).parent / "data"
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
"""Where browser tests keep their screenshots."""
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]  # fmt: skip
REFERENCE = DATA / "cib-reference"

Matrix = list[list[int]]


@pytest.fixture(autouse=True)
def _own_results_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test (and the commands it starts) keeps analysis results in a cache of its own."""
    monkeypatch.setenv("SCENARIST_CACHE_DIR", str(tmp_path_factory.mktemp("results-cache")))


def _offsets(counts: Sequence[int]) -> list[int]:
    out = [0]
    for c in counts:
        out.append(out[-1] + c)
    return out


def _has_self_impacts(counts: Sequence[int], matrix: Sequence[Sequence[int]]) -> bool:
    off = _offsets(counts)
    return any(
        matrix[r][c] != 0
        for k in range(len(counts))
        for r in range(off[k], off[k + 1])
        for c in range(off[k], off[k + 1])
    )


def model_from_matrix(
    counts: Sequence[int],
    matrix: Sequence[Sequence[int]],
    named: Mapping[str, Mapping[str, str | list[str]]] | None = None,
    *,
    model_id: str = "m",
) -> CompiledModel:
    """A compiled model with descriptors d0, d1, ... and variants v0, v1, ... from a flat matrix.

    ``matrix[r][c]`` is the impact of flat variant r on flat variant c; every non-zero entry
    becomes one judgment. ``named`` maps a scenario id to ``{descriptor id: variant id(s)}``.
    """
    off = _offsets(counts)
    assert len(matrix) == off[-1] and all(len(row) == off[-1] for row in matrix)
    ref = [f"d{k}.v{i}" for k, c in enumerate(counts) for i in range(c)]
    judgments = [
        Judgment.model_validate({"from": ref[r], "to": ref[c], "impact": int(matrix[r][c])})
        for r in range(off[-1])
        for c in range(off[-1])
        if matrix[r][c] != 0
    ]
    scenarios = [{"id": n, "name": n, "variants": dict(v)} for n, v in (named or {}).items()]
    model = Model(
        scenarist=1,
        id=model_id,
        title=f"test model {model_id}",
        descriptors=[
            {"id": f"d{k}", "name": f"D{k}", "variants": [{"id": f"v{i}", "name": f"V{i}"} for i in range(c)]}
            for k, c in enumerate(counts)
        ],
        judgments=judgments,
        scenarios=scenarios,
        allow_self_impacts=_has_self_impacts(counts, matrix),
    )
    return compile_model(validate_model(model))


@dataclass(frozen=True)
class Reference:
    """One ScenarioWizard reference project: its matrix and the published solution list (0-based)."""

    name: str
    counts: tuple[int, ...]
    matrix: Matrix
    n_consistent: int
    n_scenarios_total: int | None
    # 0-based scenario -> (consistency value, total impact score); empty when not published
    solutions: dict[tuple[int, ...], tuple[int, int]]
    raw: dict[str, Any]

    def compiled(self) -> CompiledModel:
        return model_from_matrix(self.counts, self.matrix, model_id=self.name)


REFERENCE_NAMES = (
    "CIB_global",
    "CIB_nested_simplified_standardized",
    "CIB_natl_regional",
    "CIB_nested",
    "population_income_education",
)


def load_reference(name: str) -> Reference:
    raw = json.loads((REFERENCE / f"{name}.json").read_text(encoding="utf-8"))
    base = int(raw.get("index_base", 1))
    counts = tuple(len(d["variants"]) for d in raw["descriptors"])
    published = raw["published"]
    solutions = {
        tuple(i - base for i in entry["scenario"]): (
            int(entry["field3_consistency_value"]),
            int(entry["field5_total_impact_score"]),
        )
        for entry in published.get("solution_list") or []
    }
    return Reference(
        name=name,
        counts=counts,
        matrix=[[int(x) for x in row] for row in raw["matrix"]],
        n_consistent=int(published["n_consistent"]),
        n_scenarios_total=published.get("n_scenarios_total"),
        solutions=solutions,
        raw=raw,
    )


# ---------------------------------------------------------------- Hypothesis strategies


@st.composite
def cib_cases(
    draw: st.DrawFn,
    *,
    min_descriptors: int = 2,
    max_descriptors: int = 5,
    max_variants: int = 4,
    self_impacts: bool | None = None,
    impacts: st.SearchStrategy[int] | None = None,
) -> tuple[tuple[int, ...], Matrix]:
    """(counts, flat matrix) of a small random CIB model: 2–5 descriptors, 1–4 variants, impacts −3..3.

    ``self_impacts``: True forces non-zero-able diagonal blocks, False keeps them zero, None draws it.
    """
    n = draw(st.integers(min_descriptors, max_descriptors))
    counts = tuple(draw(st.lists(st.integers(1, max_variants), min_size=n, max_size=n)))
    size = sum(counts)
    values = impacts if impacts is not None else st.integers(-3, 3)
    # bias towards sparse matrices, as real ones are, while keeping dense ones possible
    cell = st.one_of(st.just(0), values)
    matrix = [draw(st.lists(cell, min_size=size, max_size=size)) for _ in range(size)]
    with_self = draw(st.booleans()) if self_impacts is None else self_impacts
    if not with_self:
        off = _offsets(counts)
        for k in range(n):
            for r in range(off[k], off[k + 1]):
                for c in range(off[k], off[k + 1]):
                    matrix[r][c] = 0
    return counts, matrix


@st.composite
def cib_cases_with_fixed(draw: st.DrawFn) -> tuple[tuple[int, ...], Matrix, dict[int, int]]:
    """A small model plus a non-empty set of descriptors fixed to a variant (descriptor → variant index)."""
    counts, matrix = draw(cib_cases())
    chosen = draw(st.sets(st.integers(0, len(counts) - 1), min_size=1, max_size=len(counts)))
    fixed = {k: draw(st.integers(0, counts[k] - 1)) for k in sorted(chosen)}
    return counts, matrix, fixed


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    """Headless Chromium (Debian's package) driven by Playwright, one per test module.

    Without the package the browser tests are skipped, except with ``CI=1``, where they fail:
    CI installs it, so the browser tests must run there.
    """
    if not CHROMIUM.exists():
        reason = "Debian's chromium package is not installed (apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def interrupted(proc: subprocess.Popen[str], after: float, timeout: float) -> tuple[str, str]:
    """Ctrl-C sent to ``proc`` after ``after`` seconds; its stdout and stderr once ended (killed on a timeout)."""
    time.sleep(after)
    proc.send_signal(signal.SIGINT)
    try:
        return proc.communicate(timeout=timeout)
    finally:
        proc.kill()
