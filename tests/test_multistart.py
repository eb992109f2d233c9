"""Beyond exact search: what multistart local search finds is always right, though possibly not all."""

from __future__ import annotations

from collections.abc import Iterator

import numba
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import naive_cib
from conftest import Matrix, cib_cases, cib_cases_with_fixed, load_reference, model_from_matrix
from scenarist.engines.cib import find_scenarios
from scenarist.engines.executors import SerialExecutor
from scenarist.engines.multistart import INCOMPLETE, find_some
from scenarist.errors import EngineError

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(cib_cases(), st.integers(0, 2))
def test_every_scenario_found_is_within_tolerance(case: tuple[tuple[int, ...], Matrix], tolerance: int) -> None:
    counts, matrix = case
    model = model_from_matrix(counts, matrix)
    result = find_some(model, tolerance=tolerance, starts=300, max_steps=50)
    exact = naive_cib.solve(counts, matrix, tolerance)
    assert {s.indices for s in result.scenarios} <= set(exact)
    for s in result.scenarios:
        assert (s.consistency_value, s.inconsistency, s.total_impact_score) == exact[s.indices]
    assert [g.found for g in result.growth] == sorted(g.found for g in result.growth)
    assert result.growth[-1].found == len(result) and result.growth[-1].starts == 300


@SETTINGS
@given(cib_cases_with_fixed())
def test_fixed_descriptors_keep_their_variant(case: tuple[tuple[int, ...], Matrix, dict[int, int]]) -> None:
    counts, matrix, fixed = case
    model = model_from_matrix(counts, matrix)
    names = {f"d{k}": f"v{i}" for k, i in fixed.items()}
    result = find_some(model, starts=200, max_steps=50, fixed=names)
    exact = naive_cib.solve(counts, matrix, 0, fixed)
    assert {s.indices for s in result.scenarios} <= set(exact)


@pytest.mark.parametrize("name", ["CIB_global", "CIB_natl_regional"])
def test_finds_every_consistent_scenario_of_reference_projects(name: str) -> None:
    """On published projects a modest effort finds the whole published list, and the curve has levelled off."""
    model = load_reference(name).compiled()
    exact = {s.indices for s in find_scenarios(model, solver="exhaustive").scenarios}
    result = find_some(model, starts=8192)
    assert {s.indices for s in result.scenarios} == exact
    assert result.levelled_off


@pytest.fixture
def one_then_two_threads() -> Iterator[list[int]]:
    before = numba.get_num_threads()
    yield [1, min(2, numba.config.NUMBA_NUM_THREADS)]
    numba.set_num_threads(before)


def test_same_seed_same_result_whatever_the_threads_or_executor(one_then_two_threads: list[int]) -> None:
    model = load_reference("CIB_natl_regional").compiled()
    runs = []
    for threads in one_then_two_threads:
        numba.set_num_threads(threads)
        runs.append(find_some(model, starts=5000, seed=4))
    runs.append(find_some(model, starts=5000, seed=4, executor=SerialExecutor()))
    assert runs[0] == runs[1] == runs[2]


def test_solver_table_entry_is_marked_incomplete() -> None:
    model = load_reference("CIB_global").compiled()
    sampled = find_scenarios(model, solver="multistart")
    exact = find_scenarios(model, solver="pruned")
    assert sampled.method == "cib-multistart" and not sampled.complete and exact.complete
    assert {s.indices for s in sampled.scenarios} <= {s.indices for s in exact.scenarios}
    result = find_some(model, starts=100)
    assert not result.complete and result.to_dict()["note"] == INCOMPLETE
    assert "may be missing" in INCOMPLETE


@pytest.mark.parametrize(
    "kwargs", [{"tolerance": -1}, {"starts": 0}, {"noise": 1.0}, {"noise": -0.1}, {"max_steps": 0}]
)
def test_bad_options_raise(kwargs: dict[str, float]) -> None:
    model = load_reference("CIB_global").compiled()
    with pytest.raises(EngineError):
        find_some(model, **kwargs)  # type: ignore[arg-type]
