"""The CIB analyses behind the command line's and the web app's views, through one door.

These are the engines' own pure functions (they need no ledger and no settings beyond their
arguments); the command line and the web app reach them here so that they import nothing
below the service layer.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager

from scenarist.engines.cib import (
    Progress,
    ScenarioBalance,
    ScenarioSet,
    SolverName,
    explain,
    parse_scenario,
)
from scenarist.engines.cib import find_scenarios as _find_scenarios
from scenarist.engines.ensembles import EnsembleResult, evaluate_ensemble
from scenarist.engines.executors import Executor
from scenarist.engines.interventions import InterventionResult, compare_intervention
from scenarist.engines.sensitivity import SensitivityResult
from scenarist.engines.succession import SuccessionPath, succession
from scenarist.engines.weights import EXACT_LIMIT, VolumeWeights, WeightsMethod
from scenarist.engines.weights import volume_weights as _volume_weights
from scenarist.errors import EngineError
from scenarist.model.compile import CompiledModel
from scenarist.service import cache

__all__ = [
    "EXACT_LIMIT",
    "EnsembleResult",
    "Executor",
    "InterventionResult",
    "Progress",
    "ScenarioBalance",
    "ScenarioSet",
    "SensitivityResult",
    "SolverName",
    "SuccessionPath",
    "VolumeWeights",
    "compare_intervention",
    "dask_executor",
    "evaluate_ensemble",
    "explain",
    "find_scenarios",
    "parse_fix",
    "parse_scenario",
    "succession",
    "volume_weights",
]


def find_scenarios(
    model: CompiledModel,
    *,
    tolerance: int = 0,
    fixed: Mapping[str, str] | None = None,
    solver: SolverName | str = SolverName.auto,
    progress: Progress | None = None,
    executor: Executor | None = None,
) -> ScenarioSet:
    """The engines' :func:`~scenarist.engines.cib.find_scenarios`, its exact results kept in :mod:`.cache`.

    A repeated search of the same model with the same options reads the stored set; the
    sampling solver (``multistart``) and distributed runs always compute.
    """

    def compute() -> ScenarioSet:
        return _find_scenarios(
            model, tolerance=tolerance, fixed=fixed, solver=solver, progress=progress, executor=executor
        )

    if executor is not None or str(solver) == SolverName.multistart:
        return compute()
    key = (cache.model_key(model), tolerance, tuple(sorted((fixed or {}).items())), str(solver))
    return cache.cached("scenarios", key, compute)


def volume_weights(
    model: CompiledModel,
    *,
    method: WeightsMethod | str = WeightsMethod.auto,
    starts: int = 100_000,
    seed: int = 0,
    fixed: Mapping[str, str] | None = None,
    progress: Progress | None = None,
    executor: Executor | None = None,
) -> VolumeWeights:
    """The engines' :func:`~scenarist.engines.weights.volume_weights`, kept in :mod:`.cache` (not distributed runs)."""

    def compute() -> VolumeWeights:
        return _volume_weights(
            model, method=method, starts=starts, seed=seed, fixed=fixed, progress=progress, executor=executor
        )

    if executor is not None:
        return compute()
    key = (cache.model_key(model), str(method), starts, seed, tuple(sorted((fixed or {}).items())))
    return cache.cached("weights", key, compute)


@contextmanager
def dask_executor(workers: int | None, scheduler: str | None) -> Iterator[Executor | None]:
    """A Dask executor when ``workers`` or ``scheduler`` is given; otherwise None (this process)."""
    if workers is None and scheduler is None:
        yield None
        return
    from scenarist.engines.executors import DaskExecutor

    with DaskExecutor(workers=workers, scheduler=scheduler) as executor:
        yield executor


def parse_fix(model: CompiledModel, items: Sequence[str] | None) -> dict[str, str]:
    """``descriptor=variant`` items (blank ones ignored) as an intervention.

    The one rule for the command line and the web app: EngineError (an input error) for a
    malformed item, a descriptor fixed twice, an unknown descriptor or variant.
    """
    fixed: dict[str, str] = {}
    for item in items or []:
        if not item.strip():
            continue
        desc, sep, var = (part.strip() for part in item.partition("="))
        if not sep or not desc or not var:
            raise EngineError(f"fix: expected descriptor=variant, got {item!r}")
        if desc in fixed:
            raise EngineError(f"fix: descriptor {desc!r} is fixed twice")
        if desc not in model.descriptor_ids:
            raise EngineError(f"fix: model {model.id!r} has no descriptor {desc!r}")
        variants = model.variant_ids[model.descriptor_ids.index(desc)]
        if var not in variants:
            raise EngineError(f"fix: descriptor {desc!r} has no variant {var!r}; expected one of {', '.join(variants)}")
        fixed[desc] = var
    return fixed
