"""Key assumptions: ±1 judgment shifts with common random numbers, ranked by influence."""

from __future__ import annotations

from collections.abc import Mapping

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import Matrix, cib_cases, model_from_matrix
from scenarist.engines.sensitivity import SensitivityResult, key_assumptions
from scenarist.engines.uncertainty import scenario_probabilities
from scenarist.model.compile import CompiledModel

ZERO: Mapping[int, float] = {k: 0.0 for k in range(1, 6)}


def tiny() -> CompiledModel:
    """Four two-variant descriptors; d0 drives d1 (the named scenarios), d2 drives d3 (no named scenario).

    Flat variants: d0 = 0, 1; d1 = 2, 3; d2 = 4, 5; d3 = 6, 7.
    * d0.v0 → d1.v0 = +1 decides d1 when d0 = v0: shifted to 0, d1 ties and keeps its start variant.
    * d0.v1 → d1.v1 = +3 and d0.v1 → d1.v0 = −3 leave a margin of 6: a ±1 shift changes nothing.
    * d2 → d3 judgments cannot reach d0 or d1, on which the named scenarios rest.
    """
    m: Matrix = [[0] * 8 for _ in range(8)]
    m[0][2] = 1
    m[1][3] = 3
    m[1][2] = -3
    m[4][6] = 2
    m[5][7] = 1
    named = {"n": {"d1": "v0"}, "m": {"d0": "v1", "d1": "v1"}}
    return model_from_matrix((2, 2, 2, 2), m, named, model_id="tiny")


def influences(result: SensitivityResult) -> dict[tuple[str, str], float]:
    return {(j.source, j.target): j.influence for j in result.judgments}


def assert_sorted(result: SensitivityResult) -> None:
    values = [j.influence for j in result.judgments]
    assert values == sorted(values, reverse=True)
    keys = [(-j.influence, j.source, j.target) for j in result.judgments]
    assert keys == sorted(keys)


def test_the_deciding_judgment_ranks_first() -> None:
    model = tiny()
    result = key_assumptions(model, draws=4_000, seed=3, spreads=ZERO)
    assert_sorted(result)
    first = result.judgments[0]
    assert (first.source, first.target, first.impact) == ("d0.v0", "d1.v0", 1)
    # −1 makes d1 tie when d0 = v0, so about half of those draws (a quarter of all) leave n; +1 changes nothing
    assert first.influence > 0.15
    assert first.minus["n"] < -0.15
    assert first.plus == {"n": 0.0, "m": 0.0, "none_of_these": 0.0}
    assert all(j.influence == 0.0 for j in result.judgments[1:])
    assert len(result.judgments) == 5
    base = scenario_probabilities(model, draws=4_000, seed=3, spreads=ZERO)
    assert dict(result.baseline) == {n.id: n.probability for n in base.settled_partition()}


def test_judgment_that_cannot_reach_a_named_scenario_has_zero_influence() -> None:
    # default spreads: every judgment is redrawn, so only common random numbers make the zeros exact
    result = key_assumptions(tiny(), draws=3_000, seed=8)
    assert_sorted(result)
    got = influences(result)
    assert got[("d2.v0", "d3.v0")] == 0.0
    assert got[("d2.v1", "d3.v1")] == 0.0
    for j in result.judgments:
        if j.source.startswith("d2"):
            assert set(j.minus.values()) == set(j.plus.values()) == {0.0}
    assert got[("d0.v0", "d1.v0")] > 0.0
    assert result.judgments[0].source == "d0.v0" and result.judgments[0].target == "d1.v0"


def test_same_seed_same_ranking_and_record() -> None:
    a = key_assumptions(tiny(), draws=1_000, seed=5)
    b = key_assumptions(tiny(), draws=1_000, seed=5)
    assert a.to_dict() == b.to_dict()
    record = a.to_dict()
    assert record["method"] == "judgment-shift-crn"
    assert record["model"] == "tiny"
    assert record["parameters"] == {"draws": 1_000, "seed": 5, "shift": 1, "evidence": 0}
    assert [(j["from"], j["to"]) for j in record["judgments"]] == [(j.source, j.target) for j in a.judgments]
    assert a.top(2) == a.judgments[:2]
    assert list(a.to_frame()["influence"]) == [j.influence for j in a.judgments]


def test_progress_is_reported_per_judgment() -> None:
    seen: list[tuple[int, int]] = []
    key_assumptions(tiny(), draws=200, seed=0, progress=lambda done, total: seen.append((done, total)))
    assert seen == [(k, 5) for k in range(1, 6)]


@settings(max_examples=10, deadline=None)
@given(case=cib_cases(max_descriptors=4, max_variants=3), seed=st.integers(0, 1000))
def test_output_is_sorted_on_random_models(case: tuple[tuple[int, ...], Matrix], seed: int) -> None:
    counts, matrix = case
    model = model_from_matrix(counts, matrix, {"n": {"d0": "v0"}})
    result = key_assumptions(model, draws=150, seed=seed)
    assert_sorted(result)
    stated = sum(1 for row in matrix for x in row if x != 0)
    assert len(result.judgments) == stated
    for j in result.judgments:
        assert 0.0 <= j.influence <= 1.0
        assert j.influence == pytest.approx(max(abs(v) for v in (*j.minus.values(), *j.plus.values())))
