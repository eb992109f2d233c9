"""The exact pruned search returns exactly the exhaustive engine's scenarios."""

from __future__ import annotations

from collections.abc import Iterator

import numba
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import REFERENCE_NAMES, Matrix, cib_cases, cib_cases_with_fixed, load_reference, model_from_matrix
from scenarist.engines import search
from scenarist.engines.cib import AUTO_EXHAUSTIVE_BELOW, SOLVERS, Domain, domain_of, find_scenarios
from scenarist.engines.executors import SerialExecutor
from scenarist.model.compile import CompiledModel

SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
Case = tuple[tuple[int, ...], Matrix]
FixedCase = tuple[tuple[int, ...], Matrix, dict[int, int]]


def exhaustive(model: CompiledModel, domain: Domain, tolerance: int) -> np.ndarray:
    return SOLVERS["exhaustive"](model, domain, tolerance, None, None)


def pruned(model: CompiledModel, domain: Domain, tolerance: int) -> np.ndarray:
    return SOLVERS["pruned"](model, domain, tolerance, None, None)


def assert_same(model: CompiledModel, domain: Domain, tolerance: int) -> None:
    expected = exhaustive(model, domain, tolerance)
    got = pruned(model, domain, tolerance)
    assert got.dtype == np.int64 and got.shape == expected.shape
    assert np.array_equal(got, expected), f"tolerance {tolerance}: {got.tolist()} != {expected.tolist()}"


def fixed_ids(fixed: dict[int, int]) -> dict[str, str]:
    return {f"d{k}": f"v{i}" for k, i in fixed.items()}


def random_case(seed: int, n: int, v: int, zero_share: float = 0.3, self_impacts: bool = False) -> CompiledModel:
    """A seeded random model: impacts −3..3, a share of zeros, optional non-zero diagonal blocks."""
    rng = np.random.default_rng(seed)
    size = n * v
    matrix = np.where(rng.random((size, size)) < zero_share, 0, rng.integers(-3, 4, size=(size, size)))
    if not self_impacts:
        block = np.repeat(np.arange(n), v)
        matrix[block[:, None] == block[None, :]] = 0
    return model_from_matrix((v,) * n, matrix.tolist(), model_id=f"r{seed}")


@pytest.fixture
def split_always(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Force the prefix-parallel path, with one reserved result row per prefix (so prefixes rerun)."""
    monkeypatch.setattr(search, "SERIAL_NODES", 0)
    monkeypatch.setattr(search, "_FIRST_CAP", 1)
    yield


# ---------------------------------------------------------------- agreement with the exhaustive engine


@SETTINGS
@given(case=cib_cases(self_impacts=False), tolerance=st.sampled_from([0, 1, 2]))
def test_agrees_with_exhaustive(case: Case, tolerance: int) -> None:
    counts, matrix = case
    model = model_from_matrix(counts, matrix)
    assert_same(model, domain_of(model), tolerance)


@SETTINGS
@given(case=cib_cases(self_impacts=True), tolerance=st.sampled_from([0, 1, 2]))
def test_agrees_with_exhaustive_with_self_impacts(case: Case, tolerance: int) -> None:
    counts, matrix = case
    model = model_from_matrix(counts, matrix)
    assert_same(model, domain_of(model), tolerance)


@SETTINGS
@given(case=cib_cases_with_fixed(), tolerance=st.sampled_from([0, 1, 2]))
def test_agrees_with_exhaustive_with_fixed_descriptors(case: FixedCase, tolerance: int) -> None:
    counts, matrix, fixed = case
    model = model_from_matrix(counts, matrix)
    assert_same(model, domain_of(model, fixed_ids(fixed)), tolerance)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    case=cib_cases(min_descriptors=5, max_descriptors=8, max_variants=4),
    tolerance=st.sampled_from([0, 1, 2]),
    data=st.data(),
)
def test_agrees_with_exhaustive_on_larger_models(case: Case, tolerance: int, data: st.DataObject) -> None:
    counts, matrix = case
    model = model_from_matrix(counts, matrix)
    chosen = data.draw(st.sets(st.integers(0, len(counts) - 1), max_size=2), label="fixed")
    fixed = {k: data.draw(st.integers(0, counts[k] - 1)) for k in sorted(chosen)}
    assert_same(model, domain_of(model, fixed_ids(fixed)), tolerance)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    case=cib_cases(min_descriptors=4, max_descriptors=7, max_variants=5, impacts=st.integers(-9, 9)),
    tolerance=st.sampled_from([0, 1, 3, 6]),
)
def test_agrees_with_exhaustive_with_wide_impacts_and_tolerances(case: Case, tolerance: int) -> None:
    """Impacts beyond −3..3 and larger tolerances: the margin and sum bounds must stay valid."""
    counts, matrix = case
    model = model_from_matrix(counts, matrix)
    assert_same(model, domain_of(model), tolerance)


@pytest.mark.parametrize("tolerance", [0, 1, 2])
@pytest.mark.parametrize("self_impacts", [False, True])
def test_random_models_through_the_parallel_path(split_always: None, tolerance: int, self_impacts: bool) -> None:
    for seed in range(4):
        model = random_case(seed, 9, 3, self_impacts=self_impacts)
        assert_same(model, domain_of(model), tolerance)
        assert_same(model, domain_of(model, {"d3": "v1", "d7": "v2"}), tolerance)


def test_all_zero_matrix_lists_every_scenario(split_always: None) -> None:
    counts = (3, 1, 2, 3, 2, 3)
    size = sum(counts)
    model = model_from_matrix(counts, [[0] * size for _ in range(size)])
    got = pruned(model, domain_of(model), 0)
    assert len(got) == 3 * 1 * 2 * 3 * 2 * 3
    assert np.array_equal(got, exhaustive(model, domain_of(model), 0))


def test_single_variant_descriptors_and_a_fully_fixed_domain() -> None:
    model = random_case(7, 6, 3)
    every = {f"d{k}": "v0" for k in range(6)}
    assert_same(model, domain_of(model, every), 0)
    ones = model_from_matrix((1, 1), [[2, 0], [0, -1]])
    assert pruned(ones, domain_of(ones), 0).tolist() == [[0, 0]]


# ---------------------------------------------------------------- the reference projects


@pytest.mark.parametrize("name", REFERENCE_NAMES)
def test_reference_projects(name: str) -> None:
    ref = load_reference(name)
    model = ref.compiled()
    got = {tuple(int(i) for i in row) for row in pruned(model, domain_of(model), 0)}
    assert len(got) == ref.n_consistent
    if ref.solutions:
        assert got == set(ref.solutions)


def test_cib_nested_through_find_scenarios_auto() -> None:
    ref = load_reference("CIB_nested")
    result = find_scenarios(ref.compiled(), solver="auto")
    assert result.method == "cib-pruned"
    assert {s.indices: (s.consistency_value, s.total_impact_score) for s in result.scenarios} == ref.solutions


def test_auto_uses_the_exhaustive_engine_on_small_spaces() -> None:
    model = random_case(3, 5, 3)
    assert model.scenario_space < AUTO_EXHAUSTIVE_BELOW
    auto = find_scenarios(model, tolerance=1)
    assert auto.method == "cib-exhaustive"
    forced = find_scenarios(model, tolerance=1, solver="pruned")
    assert forced.method == "cib-pruned"
    assert forced.scenarios == auto.scenarios


# ---------------------------------------------------------------- threads, executors, progress


def test_parallel_result_equals_single_threaded(split_always: None) -> None:
    model = random_case(11, 11, 3, zero_share=0.5)
    domain = domain_of(model)
    before = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = search.search(model, domain, 1)
        numba.set_num_threads(min(2, numba.config.NUMBA_NUM_THREADS))
        two = search.search(model, domain, 1)
    finally:
        numba.set_num_threads(before)
    assert one.prefixes > 1 and two.prefixes > 1
    assert np.array_equal(one.indices, two.indices)
    assert np.array_equal(one.indices, exhaustive(model, domain, 1))


def test_executor_and_progress(split_always: None) -> None:
    model = random_case(5, 10, 3)
    domain = domain_of(model)
    calls: list[tuple[int, int]] = []
    with SerialExecutor() as executor:
        got = search.pruned_search(model, domain, 0, lambda done, total: calls.append((done, total)), executor)
    assert np.array_equal(got, exhaustive(model, domain, 0))
    assert calls and calls[-1][0] == calls[-1][1]
    assert [done for done, _ in calls] == sorted(done for done, _ in calls)


def test_small_search_reports_one_step() -> None:
    model = random_case(2, 6, 3)
    calls: list[tuple[int, int]] = []
    result = search.search(model, domain_of(model), 0, lambda done, total: calls.append((done, total)))
    assert result.prefixes == 0 and calls == [(1, 1)]
    assert result.nodes >= 1


def test_search_order_puts_fixed_descriptors_first() -> None:
    model = random_case(4, 6, 3)
    order = search.search_order(model, domain_of(model, {"d4": "v1", "d2": "v0"}))
    assert order[:2] == (2, 4) and sorted(order) == list(range(6))


class RecordingExecutor:
    """Runs the work items here and keeps them, to look at how the search split its work."""

    def __init__(self) -> None:
        self.items: list[np.ndarray] = []

    def map(self, fn, items):  # type: ignore[no-untyped-def]
        self.items += list(items)
        return [fn(item) for item in items]


def test_executor_gets_finer_prefixes_dealt_round_robin(split_always: None) -> None:
    model = random_case(13, 12, 3)
    domain = domain_of(model)
    executor = RecordingExecutor()
    spread = search.search(model, domain, 3, executor=executor)
    here = search.search(model, domain, 3)
    assert np.array_equal(spread.indices, exhaustive(model, domain, 3))
    assert np.array_equal(spread.indices, here.indices)
    batches = executor.items
    assert len(batches) > 1
    assert sum(len(b) for b in batches) == spread.prefixes
    # Every prefix once, dealt round-robin (batch sizes differ by one at most) from one fixed shuffle:
    # neighbouring prefixes are spread over the batches and over the threads' runs within a batch.
    dealt = np.array([batches[j % len(batches)][j // len(batches)] for j in range(spread.prefixes)])
    assert len({tuple(row) for row in dealt.tolist()}) == spread.prefixes
    assert max(map(len, batches)) - min(map(len, batches)) <= 1
    depth_first = np.lexsort(dealt.T[::-1])
    assert not np.array_equal(depth_first, np.arange(spread.prefixes))  # shuffled, not in search order
    again = RecordingExecutor()
    search.search(model, domain, 3, executor=again)
    assert all(np.array_equal(a, b) for a, b in zip(again.items, batches, strict=True))  # the same shuffle


# ---------------------------------------------------------------- the Lagrangian bound


def _nodes_and_rows(problem: object) -> tuple[int, set[tuple[int, ...]]]:
    rows, nodes = search._run_one(problem, np.zeros(0, dtype=np.int64), search._depth(problem), 1 << 62)
    assert rows is not None
    return nodes, {tuple(int(i) for i in row) for row in rows}


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_lagrangian_bound_cuts_nodes_without_changing_the_result(seed: int) -> None:
    """The same scenarios with the bound switched off (scale 0), and fewer nodes with it on."""
    model = random_case(seed, 13, 3)
    domain = domain_of(model)
    problem = search._problem(model, domain, 0, search.search_order(model, domain))
    assert problem.lscale > 0
    with_bound, found = _nodes_and_rows(problem)
    without, found_without = _nodes_and_rows(problem._replace(lscale=0.0))
    assert found == found_without
    assert with_bound < without


def test_lagrangian_scale_keeps_every_sum_exact_and_switches_off_for_huge_judgments() -> None:
    rng = np.random.default_rng(0)
    DT = rng.integers(-6, 7, size=(60, 80))
    own = rng.integers(-6, 7, size=80)
    scale = search._lagrange_scale(DT, own, 2)
    bound = DT.shape[1] * (float((np.abs(own) + 2 * np.abs(DT).sum(axis=0)).max()) + 2)
    assert 1024 <= scale <= 2**20 and scale * bound < 2**52
    assert scale == 2 ** round(np.log2(scale))
    assert search._lagrange_scale(DT * 10**12, own * 10**12, 2) == 0.0
    assert search._lagrange_scale(np.zeros((3, 0), dtype=np.int64), np.zeros(0, dtype=np.int64), 0) == 0.0


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=cib_cases(min_descriptors=4, max_descriptors=7, max_variants=4, impacts=st.integers(-9, 9)))
def test_a_coarse_weight_scale_still_agrees_with_exhaustive(case: Case) -> None:
    """With the coarsest useful scale (1024) the bound stays valid: the result is the exhaustive one."""
    counts, matrix = case
    model = model_from_matrix(counts, matrix)
    domain = domain_of(model)
    problem = search._problem(model, domain, 1, search.search_order(model, domain))
    _, found = _nodes_and_rows(problem._replace(lscale=1024.0 if problem.lscale else 0.0))
    order = search.search_order(model, domain)
    rows = np.array(sorted(found), dtype=np.int64).reshape(-1, len(order))
    assert np.array_equal(search._to_model_order(rows, order), exhaustive(model, domain, 1))
