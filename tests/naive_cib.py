"""A deliberately naive Cross-Impact Balance reference, written independently of the engine.

Pure Python: nested lists in, plain tuples out; no numpy and no import from ``scenarist``.
``matrix[r][c]`` is the impact of flat source variant ``r`` on flat target variant ``c``
(descriptors in order, each owning ``counts[k]`` consecutive variants). A scenario is a
tuple of 0-based variant indices, one per descriptor.

Conventions (ScenarioWizard's, see tests/data/cib-reference/README.md):

* θ_j(l|z) = Σ_i matrix[(i, z_i)][(j, l)] over all descriptors i, own descriptor included;
* CV(z) = min_j [θ_j(z_j) − max_{l≠z_j} θ_j(l)] over the checked descriptors that have a
  rival variant (0 when there is none); IC = max(0, −CV); TIS = Σ_j θ_j(z_j) over all j.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence

Matrix = Sequence[Sequence[int]]


def offsets_of(counts: Sequence[int]) -> list[int]:
    """Start of each descriptor's block of flat variants, plus the total at the end."""
    out = [0]
    for c in counts:
        out.append(out[-1] + c)
    return out


def theta(counts: Sequence[int], matrix: Matrix, z: Sequence[int]) -> list[list[int]]:
    """θ_j(l|z) as one list of scores per descriptor j."""
    off = offsets_of(counts)
    scores = []
    for j in range(len(counts)):
        row = []
        for lvar in range(counts[j]):
            total = 0
            for i in range(len(counts)):
                total += matrix[off[i] + z[i]][off[j] + lvar]
            row.append(total)
        scores.append(row)
    return scores


def margins(counts: Sequence[int], matrix: Matrix, z: Sequence[int]) -> list[int | None]:
    """Per descriptor: own score minus the best rival's (None when the descriptor has one variant)."""
    th = theta(counts, matrix, z)
    out: list[int | None] = []
    for j in range(len(counts)):
        rivals = [th[j][lvar] for lvar in range(counts[j]) if lvar != z[j]]
        out.append(th[j][z[j]] - max(rivals) if rivals else None)
    return out


def figures(
    counts: Sequence[int], matrix: Matrix, z: Sequence[int], exempt: Sequence[int] = ()
) -> tuple[int, int, int]:
    """(CV, IC, TIS) of scenario ``z``; descriptors in ``exempt`` are not checked for consistency."""
    th = theta(counts, matrix, z)
    tis = sum(th[j][z[j]] for j in range(len(counts)))
    checked = [m for j, m in enumerate(margins(counts, matrix, z)) if m is not None and j not in exempt]
    cv = min(checked) if checked else 0
    return cv, max(0, -cv), tis


def all_scenarios(counts: Sequence[int]) -> list[tuple[int, ...]]:
    return list(itertools.product(*(range(c) for c in counts)))


def solve(
    counts: Sequence[int], matrix: Matrix, tolerance: int = 0, fixed: Mapping[int, int] | None = None
) -> dict[tuple[int, ...], tuple[int, int, int]]:
    """Every scenario with IC ≤ tolerance → (CV, IC, TIS), by brute force.

    ``fixed`` maps descriptor index → forced variant index; those descriptors keep their
    variant and are exempt from the consistency condition.
    """
    fixed = dict(fixed or {})
    out = {}
    for z in all_scenarios(counts):
        if any(z[k] != v for k, v in fixed.items()):
            continue
        cv, ic, tis = figures(counts, matrix, z, exempt=tuple(fixed))
        if ic <= tolerance:
            out[z] = (cv, ic, tis)
    return out


def global_successor(
    counts: Sequence[int], matrix: Matrix, z: Sequence[int], fixed: Sequence[int] = ()
) -> tuple[int, ...]:
    """Every movable descriptor at once: keep the current variant if maximal, else the lowest-index maximum."""
    th = theta(counts, matrix, z)
    out = list(z)
    for j, scores in enumerate(th):
        if j not in fixed and scores[z[j]] != max(scores):
            out[j] = scores.index(max(scores))
    return tuple(out)


def settle(
    counts: Sequence[int], matrix: Matrix, z: Sequence[int], fixed: Sequence[int] = (), max_steps: int = 1000
) -> tuple[int, ...] | str:
    """Where global succession from ``z`` ends: the attractor, ``"cycle"``, or ``"overflow"``.

    ``"overflow"`` when the state after ``max_steps`` moves is still not a fixed point.
    """
    seen = [tuple(z)]
    for _ in range(max_steps + 1):
        nxt = global_successor(counts, matrix, seen[-1], fixed)
        if nxt == seen[-1]:
            return nxt
        if len(seen) > max_steps:
            return "overflow"
        if nxt in seen:
            return "cycle"
        seen.append(nxt)
    return "overflow"
