"""Model transformations known from ScenarioWizard, as pure functions Model → Model.

* :func:`multiply` — every impact times a factor, rounded half away from zero.
* :func:`transpose` — impact of (d,i) on (e,j) becomes that of (e,j) on (d,i).
* :func:`standardize` — each source variant's impacts onto one target descriptor shifted
  so they sum to zero. When a shift is not a whole number, all impacts are first
  multiplied by the least common multiple of the target descriptors' variant counts; a
  common positive factor changes no consistency result, and the impacts stay integers.

Judgment texts, confidence and sources follow their matrix cell; named scenarios,
descriptors and sources are kept.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from scenarist.errors import EngineError, LimitError
from scenarist.limits import MAX_IMPACT
from scenarist.model.compile import compile_model
from scenarist.model.schema import Judgment, Model

__all__ = ["multiply", "standardize", "transpose", "with_matrix"]

IntArray = npt.NDArray[np.int64]
CellMap = dict[tuple[int, int], tuple[int, int]]


def _refs(model: Model) -> list[str]:
    return [f"{d.id}.{v.id}" for d in model.descriptors for v in d.variants]


def with_matrix(
    model: Model, matrix: IntArray, *, moved: dict[tuple[int, int], tuple[int, int]] | None = None
) -> Model:
    """``model`` with its judgments replaced by the non-zero cells of ``matrix``.

    ``moved`` maps a new cell to the old cell whose rationale, confidence and sources it keeps
    (default: the same cell).
    """
    refs = _refs(model)
    index = {r: k for k, r in enumerate(refs)}
    old = {(index[j.source], index[j.target]): j for j in model.judgments}
    judgments = []
    for r, c in zip(*np.nonzero(matrix)):
        cell = (int(r), int(c))
        prior = old.get((moved or {}).get(cell, cell))
        data = {"from": refs[cell[0]], "to": refs[cell[1]], "impact": int(matrix[cell])}
        if prior is not None:
            data.update(confidence=prior.confidence, rationale=prior.rationale, sources=list(prior.sources))
        judgments.append(Judgment.model_validate(data))
    return model.model_copy(update={"judgments": judgments})


def multiply(model: Model, factor: float) -> Model:
    """Every impact times ``factor`` (positive), rounded half away from zero."""
    if not (math.isfinite(factor) and factor > 0):
        raise EngineError(f"the factor must be a positive finite number, got {factor}")
    scaled = np.asarray(compile_model(model).matrix, dtype=float) * factor
    rounded = np.sign(scaled) * np.floor(np.abs(scaled) + 0.5)
    _check_range(float(np.abs(rounded).max(initial=0)), f"multiplying by {factor:g}")
    return with_matrix(model, rounded.astype(np.int64))


def _check_range(largest: float, what: str) -> None:
    """Refuse a transformation whose impacts would leave ±``MAX_IMPACT``."""
    if largest > MAX_IMPACT:
        raise LimitError(f"{what} gives impacts up to {largest:.3g}, beyond the limit of ±{MAX_IMPACT:,}")


def transpose(model: Model) -> Model:
    """Swap the roles of source and target: the impact of (d,i) on (e,j) becomes that of (e,j) on (d,i)."""
    matrix = compile_model(model).matrix
    moved = {(c, r): (r, c) for r, c in zip(*(a.tolist() for a in np.nonzero(matrix)))}
    return with_matrix(model, matrix.T.copy(), moved=moved)


def standardize(model: Model) -> Model:
    """Shift each source variant's impacts on each target descriptor to sum to zero (see the module notes)."""
    compiled = compile_model(model)
    matrix = compiled.matrix.astype(np.int64).copy()
    off = compiled.offsets.tolist()
    counts = compiled.counts.tolist()
    needs_scale = any(
        int(matrix[r, off[e] : off[e + 1]].sum()) % counts[e]
        for r in range(compiled.n_variants)
        for e in range(compiled.n_descriptors)
    )
    scale = math.lcm(*counts) if needs_scale else 1
    _check_range(2.0 * float(np.abs(matrix).max(initial=0)) * scale, f"standardizing (impacts times {scale:,})")
    matrix *= scale
    for e in range(compiled.n_descriptors):
        block = matrix[:, off[e] : off[e + 1]]
        block -= (block.sum(axis=1) // counts[e])[:, None]
    return with_matrix(model, matrix)
