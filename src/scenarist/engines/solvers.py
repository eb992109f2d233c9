"""The table of solvers that list the scenarios of a domain within a tolerance.

``exhaustive``, ``pruned`` and ``auto`` are exact: they return the same, complete set.
``multistart`` (:mod:`scenarist.engines.multistart`) is for spaces no exact search can
finish: it returns scenarios within tolerance that local search from many starts reached,
and may miss some.

Every solver takes ``(model, domain, tolerance, progress, executor)`` and returns the
indices (k × N array, 0-based variant indices) of the scenarios it finds; the last
argument is where chunked work may run (None: this process) and never changes the result.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt

from scenarist.engines._domain import Domain
from scenarist.engines._progress import Progress
from scenarist.engines.executors import Executor
from scenarist.engines.exhaustive import scan
from scenarist.engines.multistart import multistart_indices
from scenarist.engines.search import pruned_search
from scenarist.engines.solver_names import SolverName
from scenarist.errors import EngineError
from scenarist.model.compile import CompiledModel

__all__ = ["AUTO_EXHAUSTIVE_BELOW", "EXACT_SOLVERS", "SOLVERS", "Solver", "SolverName", "resolve_solver"]

IntArray = npt.NDArray[np.int64]
Solver = Callable[[CompiledModel, Domain, int, "Progress | None", "Executor | None"], IntArray]
"""A solver returns the indices (k × N array) of every scenario in the domain within tolerance."""


AUTO_EXHAUSTIVE_BELOW = 50_000
"""``solver="auto"`` enumerates domains smaller than this exhaustively (as fast there) and searches larger ones."""


def _auto_choice(domain: Domain) -> SolverName:
    return SolverName.exhaustive if domain.size < AUTO_EXHAUSTIVE_BELOW else SolverName.pruned


def _auto(
    model: CompiledModel, domain: Domain, tolerance: int, progress: Progress | None, executor: Executor | None
) -> IntArray:
    return SOLVERS[_auto_choice(domain)](model, domain, tolerance, progress, executor)


SOLVERS: dict[str, Solver] = {
    SolverName.exhaustive: scan,
    SolverName.pruned: pruned_search,
    SolverName.auto: _auto,
    SolverName.multistart: multistart_indices,
}
"""Solvers by name. The exact ones return the same set and differ in speed (``auto`` picks one by domain
size); ``multistart`` returns what it found."""
EXACT_SOLVERS = frozenset({SolverName.exhaustive, SolverName.pruned, SolverName.auto})
"""The solvers whose result is provably complete."""


def resolve_solver(name: SolverName | str, domain: Domain) -> SolverName:
    """The solver that will run for ``name`` on ``domain`` (``auto`` resolved); raises on an unknown name."""
    try:
        solver = SolverName(name)
    except ValueError:
        raise EngineError(f"unknown solver {name!r}; expected one of {', '.join(SOLVERS)}") from None
    return _auto_choice(domain) if solver is SolverName.auto else solver
