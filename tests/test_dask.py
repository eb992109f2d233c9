"""The Dask backend: a real LocalCluster with two workers gives exactly the single-process results."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from conftest import model_from_matrix
from scenarist.engines.cib import domain_of
from scenarist.engines.executors import DaskExecutor, SerialExecutor
from scenarist.engines.exhaustive import scan
from scenarist.engines.search import search
from scenarist.engines.uncertainty import scenario_probabilities
from scenarist.engines.weights import volume_weights
from scenarist.errors import EngineError
from scenarist.model import compile_model, load_model
from scenarist.model.compile import CompiledModel
from scenarist.model.scw import read_scw

pytest.importorskip("dask.distributed", reason="the 'distributed' extra is not installed")

DATA = Path(__file__).parent / "data" / "scenariowizard"


@pytest.fixture(scope="module")
def dask() -> Iterator[DaskExecutor]:
    with DaskExecutor(workers=2) as executor:
        yield executor


@pytest.fixture(scope="module")
def nested() -> CompiledModel:
    return compile_model(read_scw(DATA / "CIB_natl_regional.scw"))


def test_exhaustive_scan_on_two_workers_equals_single_process(dask: DaskExecutor, nested: CompiledModel) -> None:
    domain = domain_of(nested)
    here = scan(nested, domain, 1)
    there = scan(nested, domain, 1, executor=dask)
    assert here.shape[0] > 16
    assert np.array_equal(here, there)


def test_exact_and_monte_carlo_weights_on_two_workers(dask: DaskExecutor) -> None:
    model = compile_model(read_scw(DATA / "CIB_global.scw"))
    for kwargs in ({"method": "exact"}, {"method": "monte-carlo", "starts": 3_000_000, "seed": 7}):
        here = volume_weights(model, **kwargs)  # type: ignore[arg-type]
        there = volume_weights(model, executor=dask, **kwargs)  # type: ignore[arg-type]
        assert here == there
    exact = volume_weights(model, method="exact")
    assert [a.weight for a in exact.attractors] == [12, 4, 2, 1] and exact.cycles == 17


def test_probability_draws_on_two_workers_are_identical(dask: DaskExecutor) -> None:
    model = compile_model(load_model())
    here = scenario_probabilities(model, draws=12_000, seed=3)
    there = scenario_probabilities(model, draws=12_000, seed=3, executor=dask)
    serial = scenario_probabilities(model, draws=12_000, seed=3, executor=SerialExecutor())
    assert here == there == serial
    assert here.draws == 12_000 and sum(a.count for a in here.attractors) + here.cycles == 12_000


def test_executor_misuse_is_refused() -> None:
    with pytest.raises(EngineError):
        DaskExecutor()
    with pytest.raises(EngineError):
        DaskExecutor(workers=0)
    with pytest.raises(EngineError):
        DaskExecutor(workers=1).map(abs, [1])


def test_pruned_search_split_by_prefixes_on_two_workers(dask: DaskExecutor) -> None:
    from scenarist.engines.cib import find_scenarios

    model = compile_model(read_scw(DATA / "CIB_nested.scw"))
    for tolerance in (0, 1):
        here = find_scenarios(model, tolerance=tolerance, solver="pruned")
        there = find_scenarios(model, tolerance=tolerance, solver="pruned", executor=dask)
        assert here == there
    assert len(find_scenarios(model, solver="pruned", executor=dask)) == 20
    rng = np.random.default_rng(11)
    counts = (3,) * 16
    matrix = rng.integers(-3, 4, size=(48, 48)) * (rng.random((48, 48)) > 0.3)
    for k in range(16):
        matrix[3 * k : 3 * k + 3, 3 * k : 3 * k + 3] = 0
    random_model = model_from_matrix(counts, matrix.tolist())
    result = search(random_model, domain_of(random_model), 1, executor=dask)
    assert result.prefixes > 1, "the model should be large enough to be split by prefixes"
    serial = search(random_model, domain_of(random_model), 1)
    assert np.array_equal(result.indices, serial.indices)
