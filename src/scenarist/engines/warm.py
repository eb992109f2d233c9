"""Compile every kernel ahead of use: ``python -m scenarist.engines.warm`` (run by the Makefile's set-up).

The kernels are compiled by numba on first use and cached on disk; this runs each engine
once on the bundled model (and the pruned search on a seeded random model large enough
for its parallel path), so that the first real command starts from the cache.
"""

from __future__ import annotations

import numpy as np

from scenarist.engines.cib import find_scenarios
from scenarist.engines.multistart import find_some
from scenarist.engines.uncertainty import scenario_probabilities
from scenarist.engines.weights import volume_weights
from scenarist.model.compile import CompiledModel

__all__ = ["warm_up"]


def _random_model(n: int, v: int) -> CompiledModel:
    """A seeded random model of ``n`` × ``v`` (impacts −3..3, 30 % zeros, zero diagonal blocks)."""
    rng = np.random.default_rng(0)
    size = n * v
    matrix = np.where(rng.random((size, size)) < 0.3, 0, rng.choice([-3, -2, -1, 1, 2, 3], size=(size, size)))
    block = np.repeat(np.arange(n), v)
    matrix[block[:, None] == block[None, :]] = 0
    arrays = [np.full(n, v, dtype=np.int64), np.arange(n + 1, dtype=np.int64) * v, matrix.astype(np.int64)]
    for a in arrays:
        a.setflags(write=False)
    return CompiledModel(
        id="warm-up",
        title="warm-up",
        descriptor_ids=tuple(f"d{k}" for k in range(n)),
        variant_ids=tuple(tuple(f"v{i}" for i in range(v)) for _ in range(n)),
        counts=arrays[0],
        offsets=arrays[1],
        matrix=arrays[2],
        confidence=np.zeros_like(arrays[2]),
    )


def warm_up() -> None:
    """Run every compiled kernel once, on small inputs of the types the engines use."""
    from scenarist.model import compile_model, load_model

    model = compile_model(load_model())
    for solver in ("exhaustive", "pruned", "multistart"):
        find_scenarios(model, solver=solver)
    find_scenarios(_random_model(15, 4), solver="pruned")
    volume_weights(model, method="exact")
    volume_weights(model, method="monte-carlo", starts=1000)
    scenario_probabilities(model, draws=100)
    find_some(model, starts=100)


if __name__ == "__main__":
    warm_up()
