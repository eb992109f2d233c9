"""Volume weights: ScenarioWizard's exact figures, a naive reference, Monte Carlo and interventions."""

from __future__ import annotations

import itertools
import json
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest
from hypothesis import given, settings

from conftest import Matrix, cib_cases, cib_cases_with_fixed, model_from_matrix
from naive_cib import theta
from scenarist.engines.weights import volume_weights, wilson_interval
from scenarist.errors import EngineError
from scenarist.model import compile_model
from scenarist.model.compile import CompiledModel
from scenarist.model.scw import read_scw

DATA = Path(__file__).parent / "data"
SW = DATA / "scenariowizard"

State = tuple[int, ...]


def scw_model(name: str) -> CompiledModel:
    return compile_model(read_scw(SW / f"{name}.scw"))


def naive_weights(
    counts: Sequence[int], matrix: Matrix, fixed: Mapping[int, int] | None = None
) -> tuple[Counter[State], int]:
    """Follow ScenarioWizard's global succession from every start (fixed descriptors pinned): attractor → starts."""
    fixed = dict(fixed or {})
    weights: Counter[State] = Counter()
    cycles = 0
    ranges = [range(fixed[k], fixed[k] + 1) if k in fixed else range(c) for k, c in enumerate(counts)]
    for start in itertools.product(*ranges):
        z: State = tuple(start)
        seen = set()
        while z not in seen:
            seen.add(z)
            th = theta(counts, matrix, z)
            nxt = list(z)
            for j, scores in enumerate(th):
                if j not in fixed and scores[z[j]] != max(scores):
                    nxt[j] = scores.index(max(scores))
            if tuple(nxt) == z:
                weights[z] += 1
                break
            z = tuple(nxt)
        else:
            cycles += 1
    return weights, cycles


# ---------------------------------------------------------------- ScenarioWizard's exact figures


def test_cib_global_exact_weights() -> None:
    result = volume_weights(scw_model("CIB_global"), method="exact")
    got = {tuple(i + 1 for i in a.indices): a.weight for a in result.attractors}
    assert got == {(2, 3, 2): 4, (3, 1, 3): 12, (2, 2, 2): 1, (1, 2, 3): 2}
    assert result.cycles == 17
    assert result.starts == 36
    assert [a.weight for a in result.attractors] == [12, 4, 2, 1]  # sorted by weight, descending
    assert all(a.share == a.weight / 36 and a.interval is None for a in result.attractors)
    assert result.method == "exact" and result.seed is None


@pytest.mark.slow
def test_cib_nested_simplified_standardized_exact_weights() -> None:
    raw = json.loads((DATA / "cib-reference" / "CIB_nested_simplified_standardized.json").read_text(encoding="utf-8"))
    base = int(raw.get("index_base", 1))
    expected = {
        tuple(i - base for i in entry["scenario"]): int(entry["field2_volume_weight"])
        for entry in raw["published"]["solution_list"]
    }
    assert len(expected) == 15
    result = volume_weights(scw_model("CIB_nested_simplified_standardized"), method="exact")
    assert {a.indices: a.weight for a in result.attractors} == expected
    assert result.cycles == 46_926
    assert result.starts == 22_674_816
    assert sum(expected.values()) + result.cycles == result.starts


# ---------------------------------------------------------------- against the naive reference


@settings(max_examples=60, deadline=None)
@given(case=cib_cases())
def test_exact_weights_equal_naive(case: tuple[tuple[int, ...], Matrix]) -> None:
    counts, matrix = case
    model = model_from_matrix(counts, matrix)
    result = volume_weights(model, method="exact")
    weights, cycles = naive_weights(counts, matrix)
    assert {a.indices: a.weight for a in result.attractors} == dict(weights)
    assert result.cycles == cycles
    assert sum(a.weight for a in result.attractors) + result.cycles == model.scenario_space == result.starts


@settings(max_examples=60, deadline=None)
@given(case=cib_cases_with_fixed())
def test_fixed_weights_sum_over_the_restricted_space(case: tuple[tuple[int, ...], Matrix, dict[int, int]]) -> None:
    counts, matrix, fixed = case
    model = model_from_matrix(counts, matrix)
    names = {f"d{k}": f"v{i}" for k, i in fixed.items()}
    result = volume_weights(model, method="exact", fixed=names)
    restricted = 1
    for k, c in enumerate(counts):
        restricted *= 1 if k in fixed else c
    assert result.starts == restricted
    assert sum(a.weight for a in result.attractors) + result.cycles == restricted
    weights, cycles = naive_weights(counts, matrix, fixed)
    assert {a.indices: a.weight for a in result.attractors} == dict(weights)
    assert result.cycles == cycles
    assert all(a.indices[k] == i for a in result.attractors for k, i in fixed.items())
    assert dict(result.fixed) == names


def test_cib_global_fixed_weights() -> None:
    model = scw_model("CIB_global")
    result = volume_weights(model, method="exact", fixed={"WTRD": "Mix"})
    assert result.starts == 12
    assert sum(a.weight for a in result.attractors) + result.cycles == 12
    assert all(a.variants["WTRD"] == "Mix" for a in result.attractors)
    assert result.to_dict()["fixed"] == {"WTRD": "Mix"}


# ---------------------------------------------------------------- Monte Carlo

MC_SEED = 1
"""With 200,000 starts, seed 1 puts every exact CIB_global share inside its 95 % interval (seed 0 misses one)."""


def test_monte_carlo_is_deterministic_for_a_seed() -> None:
    model = scw_model("CIB_global")
    a = volume_weights(model, method="monte-carlo", starts=5_000, seed=7)
    b = volume_weights(model, method="monte-carlo", starts=5_000, seed=7)
    c = volume_weights(model, method="monte-carlo", starts=5_000, seed=8)
    assert a == b
    assert a.to_dict() == b.to_dict()
    assert a.seed == 7 and a.to_dict()["seed"] == 7
    assert [x.weight for x in a.attractors] != [x.weight for x in c.attractors] or a.cycles != c.cycles


def test_monte_carlo_intervals_cover_the_exact_shares() -> None:
    model = scw_model("CIB_global")
    exact = {a.indices: a.share for a in volume_weights(model, method="exact").attractors}
    mc = volume_weights(model, method="monte-carlo", starts=200_000, seed=MC_SEED)
    assert mc.method == "monte-carlo" and mc.starts == 200_000
    assert sum(a.weight for a in mc.attractors) + mc.cycles == 200_000
    assert {a.indices for a in mc.attractors} == set(exact)
    for a in mc.attractors:
        assert a.interval is not None
        lo, hi = a.interval
        assert lo <= a.share <= hi
        assert lo <= exact[a.indices] <= hi, (a.indices, a.interval, exact[a.indices])


def test_bad_method_and_starts() -> None:
    model = scw_model("CIB_global")
    with pytest.raises(EngineError):
        volume_weights(model, method="adiabatic")
    with pytest.raises(EngineError):
        volume_weights(model, method="monte-carlo", starts=0)


def test_auto_is_exact_for_small_spaces() -> None:
    assert volume_weights(scw_model("CIB_global")).method == "exact"


# ---------------------------------------------------------------- Wilson interval


def test_wilson_interval_hand_computed() -> None:
    # 10 of 100, z = 1.96: centre 0.119208 / 1.038416, half-width 1.96·√0.00099604 / 1.038416
    lo, hi = wilson_interval(10, 100)
    assert lo == pytest.approx(0.0552291, abs=2e-6)
    assert hi == pytest.approx(0.1743657, abs=2e-6)
    lo, hi = wilson_interval(0, 50)
    assert lo == pytest.approx(0.0, abs=1e-12) and hi == pytest.approx(3.8415 / (50 + 3.8415), rel=1e-4)
    lo, hi = wilson_interval(50, 50)
    assert hi == 1.0 and lo == pytest.approx(50 / (50 + 3.8415), rel=1e-4)
    assert wilson_interval(0, 0) == (0.0, 1.0)
