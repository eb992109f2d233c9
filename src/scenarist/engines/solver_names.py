"""The solver names: a module of its own so that a command line can offer them without loading the kernels."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["SolverName"]


class SolverName(StrEnum):
    """Solver names; each value is the string callers may pass instead."""

    exhaustive = "exhaustive"
    pruned = "pruned"
    auto = "auto"
    multistart = "multistart"
