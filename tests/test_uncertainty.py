"""Scenario probabilities under judgment uncertainty: exact limits, determinism, priors, fixing, errors."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numba
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import Matrix, cib_cases, model_from_matrix
from scenarist.engines.uncertainty import INTERVAL_Z, ProbabilityResult, scenario_probabilities
from scenarist.engines.weights import volume_weights, wilson_interval
from scenarist.errors import EngineError
from scenarist.model import compile_model, parse_model
from scenarist.model.compile import CompiledModel
from scenarist.model.schema import NamedScenario
from scenarist.model.scw import read_scw
from scenarist.model.validate import validate_model

SW = Path(__file__).parent / "data" / "scenariowizard"
ZERO: Mapping[int, float] = {k: 0.0 for k in range(1, 6)}
"""Every confidence level certain: the judgments are never redrawn."""

RANDOM_SEED = 1
"""With 20,000 draws, zero spread and random starts, seed 1 puts every exact CIB_global share in its 90 % interval."""


def cib_global(named: bool = False) -> CompiledModel:
    model = read_scw(SW / "CIB_global.scw")
    if named:
        scenarios = [
            NamedScenario(id="growth", name="Growth", variants={"WECO": ["ModGr", "RpdGr"]}),
            NamedScenario(id="alert", name="Alert", variants={"WSEC": "Alrt"}),
            NamedScenario(id="mixed_stag", name="Mixed and stagnant", variants={"WTRD": "Mix", "WECO": "Stag"}),
        ]
        model = validate_model(model.model_copy(update={"scenarios": scenarios}))
    return compile_model(model)


def attractor_counts(result: ProbabilityResult) -> dict[tuple[int, ...], int]:
    return {a.indices: a.count for a in result.attractors}


# ---------------------------------------------------------------- exact limit: zero spread, enumerated starts


@pytest.mark.parametrize("k", [1, 3, 200])  # 200 × 36 = 7,200 draws crosses the 4,096-draw chunk boundary
def test_enumerated_zero_spread_equals_exact_weights_on_cib_global(k: int) -> None:
    model = cib_global()
    exact = volume_weights(model, method="exact")
    result = scenario_probabilities(model, draws=k * model.scenario_space, spreads=ZERO, starts="enumerate")
    assert attractor_counts(result) == {a.indices: k * a.weight for a in exact.attractors}
    assert result.cycles == k * exact.cycles == k * 17
    assert {a.indices: a.probability for a in result.attractors} == {a.indices: a.share for a in exact.attractors}


@settings(max_examples=40, deadline=None)
@given(case=cib_cases(), k=st.integers(1, 3))
def test_enumerated_zero_spread_equals_exact_weights_on_random_models(
    case: tuple[tuple[int, ...], Matrix], k: int
) -> None:
    counts, matrix = case
    model = model_from_matrix(counts, matrix)
    exact = volume_weights(model, method="exact")
    result = scenario_probabilities(model, draws=k * model.scenario_space, spreads=ZERO, starts="enumerate")
    assert attractor_counts(result) == {a.indices: k * a.weight for a in exact.attractors if a.weight}
    assert result.cycles == k * exact.cycles
    assert sum(a.count for a in result.attractors) + result.cycles == result.draws


def test_random_starts_zero_spread_intervals_cover_exact_shares() -> None:
    model = cib_global()
    exact = volume_weights(model, method="exact")
    shares = {a.indices: a.share for a in exact.attractors}
    result = scenario_probabilities(model, draws=20_000, seed=RANDOM_SEED, spreads=ZERO)
    assert {a.indices for a in result.attractors} == set(shares)
    for a in result.attractors:
        lo, hi = a.interval
        assert (lo, hi) == wilson_interval(a.count, 20_000, INTERVAL_Z)
        assert lo <= a.probability <= hi
        assert lo <= shares[a.indices] <= hi, (a.indices, a.interval, shares[a.indices])
    lo, hi = wilson_interval(result.cycles, 20_000, INTERVAL_Z)
    assert lo <= exact.cycles / 36 <= hi


# ---------------------------------------------------------------- determinism


def test_same_seed_same_result_and_different_seed_differs() -> None:
    model = cib_global(named=True)
    a = scenario_probabilities(model, draws=6_000, seed=11)
    b = scenario_probabilities(model, draws=6_000, seed=11)
    c = scenario_probabilities(model, draws=6_000, seed=12)
    assert a == b
    assert a.to_dict() == b.to_dict()
    assert a.to_dict() != c.to_dict()


def test_thread_count_does_not_change_the_result() -> None:
    model = cib_global(named=True)
    default = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        single = scenario_probabilities(model, draws=9_000, seed=5)
        single_enum = scenario_probabilities(model, draws=36 * 50, spreads=ZERO, starts="enumerate")
    finally:
        numba.set_num_threads(default)
    multi = scenario_probabilities(model, draws=9_000, seed=5)
    multi_enum = scenario_probabilities(model, draws=36 * 50, spreads=ZERO, starts="enumerate")
    assert single.to_dict() == multi.to_dict()
    assert single_enum.to_dict() == multi_enum.to_dict()


# ---------------------------------------------------------------- bookkeeping


def test_named_probability_is_the_sum_over_its_attractors() -> None:
    model = cib_global(named=True)
    result = scenario_probabilities(model, draws=8_000, seed=3)
    assert [n.id for n in result.named] == ["growth", "alert", "mixed_stag"]
    for n in result.named:
        members = [a for a in result.attractors if n.id in a.named]
        assert all(model.named_of(a.indices) == a.named for a in result.attractors)
        assert n.count == sum(a.count for a in members)
        assert n.probability == pytest.approx(sum(a.probability for a in members), abs=1e-12)
        assert result.named_probability(n.id) == n.probability
        assert n.interval == wilson_interval(n.count, result.draws, INTERVAL_Z)
    with pytest.raises(EngineError):
        result.named_probability("nowhere")


def test_probabilities_and_cycle_share_sum_to_one() -> None:
    result = scenario_probabilities(cib_global(), draws=7_000, seed=2)
    assert result.cycles > 0
    assert sum(a.count for a in result.attractors) + result.cycles == 7_000
    assert sum(a.probability for a in result.attractors) + result.cycle_share == pytest.approx(1.0, abs=1e-12)
    counts = [a.count for a in result.attractors]
    assert counts == sorted(counts, reverse=True)
    dist = result.distribution()
    assert dist.probabilities.sum() == pytest.approx(1.0, abs=1e-12)


@settings(max_examples=25, deadline=None)
@given(case=cib_cases(), seed=st.integers(0, 2**32 - 1))
def test_probabilities_and_cycle_share_sum_to_one_on_random_models(
    case: tuple[tuple[int, ...], Matrix], seed: int
) -> None:
    counts, matrix = case
    result = scenario_probabilities(model_from_matrix(counts, matrix), draws=300, seed=seed)
    assert sum(a.count for a in result.attractors) + result.cycles == 300
    assert sum(a.probability for a in result.attractors) + result.cycle_share == pytest.approx(1.0, abs=1e-12)


# ---------------------------------------------------------------- priors and fixed variants

PRIOR_MODEL = """
scenarist: 1
id: prior-test
title: A driver with a concentrated prior
default_confidence: 1
descriptors:
  - id: driver
    name: Driver
    prior: {mid: 1.0}
    variants:
      - {id: low, name: Low}
      - {id: mid, name: Mid}
      - {id: high, name: High}
  - id: follower
    name: Follower
    variants:
      - {id: a, name: A}
      - {id: b, name: B}
  - id: other
    name: Other
    variants:
      - {id: x, name: X}
      - {id: y, name: Y}
judgments:
  - {from: driver.low, to: follower.a, impact: 2}
  - {from: driver.mid, to: follower.b, impact: 1}
  - {from: driver.high, to: follower.a, impact: -2}
  - {from: follower.a, to: other.x, impact: 2}
  - {from: follower.b, to: other.y, impact: 1}
"""


def test_autonomous_descriptor_with_concentrated_prior_keeps_its_variant() -> None:
    model = compile_model(parse_model(PRIOR_MODEL))
    assert model.priors[0] is not None and model.priors[0].tolist() == [0.0, 1.0, 0.0]
    result = scenario_probabilities(model, draws=3_000, seed=4)  # confidence 1 → σ = 2: judgments vary a lot
    assert result.cycles == 0
    assert sum(a.count for a in result.attractors) == 3_000
    assert len(result.attractors) > 1  # the noise really moves the other descriptors
    assert all(a.variants["driver"] == "mid" for a in result.attractors)
    assert "prior on driver" in result.starts
    with pytest.raises(EngineError):
        scenario_probabilities(model, draws=18, spreads=ZERO, starts="enumerate")


def test_fixed_variant_is_kept_in_every_attractor() -> None:
    model = cib_global()
    result = scenario_probabilities(model, draws=4_000, seed=9, fixed={"WTRD": "FT"})
    assert result.attractors
    assert all(a.variants["WTRD"] == "FT" for a in result.attractors)
    assert result.to_dict()["parameters"]["fixed"] == {"WTRD": "FT"}
    enumerated = scenario_probabilities(model, draws=12 * 2, spreads=ZERO, starts="enumerate", fixed={"WSEC": "Rlx"})
    exact = volume_weights(model, method="exact", fixed={"WSEC": "Rlx"})
    assert all(a.variants["WSEC"] == "Rlx" for a in enumerated.attractors)
    assert attractor_counts(enumerated) == {a.indices: 2 * a.weight for a in exact.attractors if a.weight}
    assert enumerated.cycles == 2 * exact.cycles


@settings(max_examples=25, deadline=None)
@given(case=cib_cases(), data=st.data())
def test_fixed_variant_is_kept_on_random_models(case: tuple[tuple[int, ...], Matrix], data: st.DataObject) -> None:
    counts, matrix = case
    k = data.draw(st.integers(0, len(counts) - 1))
    v = data.draw(st.integers(0, counts[k] - 1))
    result = scenario_probabilities(model_from_matrix(counts, matrix), draws=200, seed=0, fixed={f"d{k}": f"v{v}"})
    assert all(a.indices[k] == v for a in result.attractors)


# ---------------------------------------------------------------- errors and the record


@pytest.mark.parametrize("draws", [0, -5])
def test_non_positive_draws_raise(draws: int) -> None:
    with pytest.raises(EngineError):
        scenario_probabilities(cib_global(), draws=draws)


def test_unknown_starts_raise() -> None:
    with pytest.raises(EngineError):
        scenario_probabilities(cib_global(), draws=10, starts="latin-hypercube")


def test_missing_spread_and_unknown_fixed_raise() -> None:
    with pytest.raises(EngineError):
        scenario_probabilities(cib_global(), draws=10, spreads={5: 0.0})  # default confidence 3 has no spread
    with pytest.raises(EngineError):
        scenario_probabilities(cib_global(), draws=10, fixed={"WTRD": "nowhere"})


def test_to_dict_names_method_and_parameters() -> None:
    spreads = {5: 0.0, 4: 0.25, 3: 0.75, 2: 1.0, 1: 3.0}
    result = scenario_probabilities(cib_global(named=True), draws=1_234, seed=42, spreads=spreads)
    record = result.to_dict()
    assert record["method"] == "monte-carlo-judgment-uncertainty"
    assert record["model"] == result.model_id
    params = record["parameters"]
    assert params["draws"] == 1_234
    assert params["seed"] == 42
    assert params["spreads"] == {str(k): v for k, v in spreads.items()}
    assert params["default_confidence"] == 3
    assert params["starts"] == "uniform"
    assert "90" in params["interval"]
    assert record["cycles"] == result.cycles
    assert record["cycle_share"] == result.cycles / 1_234
    assert [n["id"] for n in record["of_all_draws"]["families"]] == ["growth", "alert", "mixed_stag"]
    given = record["given_settled"]["families"]
    assert [n["id"] for n in given] == ["growth", "alert", "mixed_stag", "none_of_these"]
    assert sum(n["probability"] for n in given) == pytest.approx(1.0, abs=1e-12)
    all_draws = record["of_all_draws"]
    total = sum(n["probability"] for n in all_draws["families"]) + all_draws["none_of_these"]["probability"]
    assert total + all_draws["cycles"] == pytest.approx(1.0, abs=1e-12)
    assert sum(a["count"] for a in record["attractors"]) + record["cycles"] == 1_234
    frame = result.to_frame()
    assert list(frame["count"]) == [a.count for a in result.attractors]


def test_base_matrix_replaces_the_model_matrix() -> None:
    model = cib_global()
    same = scenario_probabilities(model, draws=2_000, seed=6, base=np.array(model.matrix))
    assert same == scenario_probabilities(model, draws=2_000, seed=6)


def test_reruns_reuse_the_draws_without_moving_them() -> None:
    """The kept draws of a chunk are read-only and give the same result as fresh ones, for any base matrix."""
    from scenarist.engines import uncertainty
    from scenarist.model.load import load_model

    model = compile_model(load_model("us-russia-2025"))
    shifted = model.matrix.copy()
    rows, cols = np.nonzero(shifted)
    shifted[rows[0], cols[0]] += 1
    uncertainty._INPUTS.clear()
    fresh = [scenario_probabilities(model, draws=5_000, seed=5, base=m) for m in (model.matrix, shifted)]
    assert uncertainty._INPUTS and all(not a.flags.writeable for kept in uncertainty._INPUTS.values() for a in kept)
    again = [scenario_probabilities(model, draws=5_000, seed=5, base=m) for m in (shifted, model.matrix)]
    assert again[::-1] == fresh
    uncertainty._INPUTS.clear()
    assert scenario_probabilities(model, draws=5_000, seed=5, base=shifted) == fresh[1]
    assert fresh[0] != fresh[1]  # the shift moved something: the comparison above is not vacuous


def test_every_path_hands_the_kernel_arrays_of_one_type(monkeypatch: pytest.MonkeyPatch) -> None:
    """numba compiles a version per argument type (a read-only array is another type): the set-up's
    warm-up compiles one, so plain runs, reruns on a shifted matrix (key assumptions), fixed variants,
    start states and enumerated starts must all pass the same types, or a first real command compiles."""
    from scenarist.engines import _uncertainty_kernels
    from scenarist.engines.sensitivity import key_assumptions
    from scenarist.model.load import load_model

    seen: set[tuple[str, ...]] = set()
    original = _uncertainty_kernels.draw_and_settle

    def recording(*args: object) -> None:
        seen.add(tuple(str(numba.typeof(a)) for a in args))
        original(*args)

    monkeypatch.setattr(_uncertainty_kernels, "draw_and_settle", recording)
    model = compile_model(load_model("us-russia-2025"))
    first, third = model.descriptor_ids[0], model.descriptor_ids[2]
    scenario_probabilities(model, draws=200)
    scenario_probabilities(model, draws=200, fixed={first: model.variant_ids[0][1]})
    scenario_probabilities(model, draws=200, start_from={third: model.variant_ids[2][0]})
    scenario_probabilities(model, draws=200, base=model.matrix.copy())
    key_assumptions(model, draws=50)
    without_priors = model_from_matrix([2, 3], [[0, 0, 2, -1, 0], [0, 0, -1, 2, 1], [1, -2, 0, 0, 0],
                                                [-1, 2, 0, 0, 0], [0, 1, 0, 0, 0]])  # fmt: skip
    scenario_probabilities(without_priors, draws=120, starts="enumerate")
    scenario_probabilities(without_priors, draws=120)
    assert len(seen) == 1, seen
