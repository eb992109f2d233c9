"""Compiled inner loops of the exact pruned CIB search (numba, cached on disk).

The model arrives in *search order* (see :class:`Problem`): descriptors ``0 .. n_pre-1``
have a single allowed variant and are settled before the search starts. Variants are flat
indices; descriptor ``d`` owns ``off[d]:off[d+1]``.

A *constraint* ``c`` is a triple (descriptor ``ce[c]``, own variant ``cx[c]``, rival
``cl``) of a checked descriptor: whenever the descriptor takes ``cx[c]``, its margin
``θ(cx) − θ(cl)`` must be ``≥ −tol``. ``DT[w, c] = M[w, cx[c]] − M[w, cl]`` is what
source variant ``w`` of another descriptor adds to that margin; the descriptor's own row
adds ``own[c] = M[cx, cx] − M[cx, cl]`` (θ sums the rows of every descriptor, its own
included), and its ``DT`` entries are zero. ``DTt`` is the transpose of ``DT``, for the loops
over variants at a fixed constraint.
Constraints are sorted by descriptor (``cbeg[d]:cend[d]``) and own variant
(``xbeg[x]:xend[x]``). ``gap[c, d]`` is the spread of ``DT[·, c]`` over the allowed variants
of ``d`` (``spread[c]`` its largest), ``gord[c]`` the descriptors by ``gap[c]`` descending.

Search state at depth ``L`` (see :class:`State`):

* ``marg[L, c]`` — ``own[c]`` plus ``DT[w, c]`` of every assigned descriptor's variant ``w``
  (updated incrementally); once ``cx[c]`` is gone, ``_DEAD`` more, so that no bound reads it;
* ``alive[L]`` — variants still possible (an assigned descriptor keeps only its choice);
* ``n_alive[L, d]`` — how many variants of ``d`` are alive;
* ``reach[L, c]`` — Σ over unassigned ``d ≠ ce[c]`` of the largest ``DT[w, c]`` over alive ``w``
  of ``d``: the most the unassigned descriptors can still add to the margin.

The sum bound and probing work on ``vidx``: the alive variants of the unassigned descriptors,
one group per descriptor (``gbeg``), collected once per round, with running sums per entry.

Bounds (every removal rests on a valid upper bound of some margin, so no scenario within
tolerance is ever lost; at a complete assignment the bounds are the exact margins):

* single: ``marg[L, c] + reach[L, c]`` below ``−tol`` (checked for every constraint in one
  vectorized pass, the dead ones out of reach) prunes the node when the descriptor is *settled*
  (assigned, or one variant left), else removes ``cx`` — that variant can no longer win;
  a settled constraint also removes variants of unassigned descriptors that would push its
  bound below ``−tol`` (only descriptors whose ``gap[c, d]`` exceeds the slack can hold
  such variants, so ``gord`` is walked until it does not). Removals lower ``reach``; this
  runs to a fixpoint.
* sum: the tightest constraints of the settled descriptors, added up (tightest first, each
  prefix of that list), must reach ``−j × tol``; an unassigned descriptor's best contribution
  to a sum can be far below the sum of its separate bests.
* Lagrangian: for weights ``λ[c] ≥ 0`` on the settled constraints, ``Σ λ[c] (marg[c] + tol)``
  plus, for each unassigned descriptor, the largest ``Σ λ[c] DT[w, c]`` over its alive ``w``
  must not be negative; a variant whose own term would make it negative is removed. The
  weights take a few projected subgradient steps (Polyak's rule) per call, starting from the
  parent's (``lam_at``), and are evaluated scaled to whole numbers, so the sign is exact.
  Constraints that hold for every completion (slack at least ``span``) are left out, and at
  most the ``_LAGRANGE_CAP`` tightest of the rest are weighed. When the steps removed nothing,
  each variant of each unassigned descriptor is probed against the weighted sum plus that
  variant's tightest constraint (weighted like the heaviest). It runs before the sum bound in
  each round.
* probe: each variant of each unassigned descriptor, fixed, against the most binding sum
  plus that variant's own tightest constraint. Each other group's term, a maximum of
  ``running + DT[·, c]``, is at least its value at the group's best running sum; the probe
  starts from those lower bounds and stops as soon as the partial bound cannot go below zero.

A descriptor with one variant left is settled: assigning it moves its row from ``reach``
into ``marg`` and changes no bound, so that node keeps its parent's fixpoint and runs no
bounds (it still counts as a node).

The next descriptor to branch on is one with the fewest variants left; ties go to the
widest spread over the tightest settled constraints, then to the static order.

Everything that allocates nothing is compiled without reference counting (``_leaf``):
with it, the count updates on every array handed to a call took most of the search time.
Drops are marked first and applied per descriptor (``_apply``), so each removal pass
reads a descriptor's variants once: the best contributions of the dropped and of the kept
variants, whose difference (when positive) is what ``reach`` loses.

numba adds wraparound arithmetic (negative indices count from the end) to every index it
cannot prove non-negative, which also blocks vectorization; the index arrays (``off`` aside)
and ``vidx`` are therefore unsigned, and hot loops run from 0 over views. Mixing unsigned
and signed integers in arithmetic gives floats in numba: such values are compared or used
as indices only.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit, prange

from scenarist.engines._sentinels import NO_NODE_LIMIT

__all__ = ["Problem", "State", "search_batch", "search_task"]

_NEG = -(1 << 40)
_DEAD = 1 << 50
"""Added to the margin of a constraint whose own variant is gone, so that no bound reads it again."""
_leaf = njit(cache=True, nogil=True, _nrt=False)  # type: ignore[call-overload]
"""Compile without reference counting: for functions that allocate nothing. Reference-count
updates on every array passed to a call otherwise dominate the search time."""
_SUM_ROUNDS = 16
"""Rounds of sum bound and probing per node at most (in practice a fixpoint is reached well before):
running them to a fixpoint rather than two rounds cuts 6–7 % of the nodes at about the same time per node."""
_LAGRANGE_STEPS = 3
"""Subgradient steps of the Lagrangian bound per call. From warm weights, 3 steps cut the nodes 2–2.8× on
random 25 × 3, 20 × 4 and 30 × 3 models (50 steps from scratch: 2.7× on 25 × 3); more steps cost more than they save."""
_LAGRANGE_CAP = 12
"""The bound weighs the 12 tightest of the constraints it could use at most: with 3 steps, fewer weights
move further, and each evaluation is cheaper. Against a cap of 24 on random 25 × 3, 20 × 4 and 30 × 3
models: from 3.5 % fewer to 4.5 % more nodes, 9–17 % less CPU (caps of 6, 8, 10 and 16 did no better)."""
_POLYAK_TARGET = 0.5
"""Polyak's step aims this far below zero (in margin units, the weights summing to 1)."""
_NEW_WEIGHT = 0.1
"""A newly selected constraint starts at this share of 1 / (1 + slack), next to the warm weights."""
LAGRANGE_SCALE = float(1 << 20)
"""The weights are scaled to integers up to this for the exact evaluation of the bound."""


class Problem(NamedTuple):
    """The search arrays, descriptors in search order (see the module docstring)."""

    n_pre: int
    tol: int
    alive0: np.ndarray
    off: np.ndarray
    DT: np.ndarray
    DTt: np.ndarray
    own: np.ndarray
    ce: np.ndarray
    cx: np.ndarray
    cbeg: np.ndarray
    cend: np.ndarray
    xbeg: np.ndarray
    xend: np.ndarray
    spread: np.ndarray
    gap: np.ndarray
    gord: np.ndarray
    gapT: np.ndarray
    DTf: np.ndarray
    lscale: float


class State(NamedTuple):
    """Search state of one task (per-depth arrays are indexed by depth first)."""

    marg: np.ndarray
    """``marg[L, c]``: ``c``'s margin from its own row and the assigned descriptors (``_DEAD`` more once gone)."""
    alive: np.ndarray
    """``alive[L, w]``: variant ``w`` still possible at depth ``L``."""
    n_alive: np.ndarray
    """``n_alive[L, d]``: how many variants of descriptor ``d`` are alive at depth ``L``."""
    reach: np.ndarray
    """``reach[L, c]``: the most the unassigned descriptors can still add to constraint ``c``'s margin."""
    assigned: np.ndarray
    """``assigned[d]``: descriptor ``d`` is assigned on the current path."""
    row_max: np.ndarray
    """Scratch: per constraint, the best contribution of one descriptor's alive variants."""
    tight: np.ndarray
    """The settled descriptors' tightest constraints, slack ascending (``tally[0]`` of them)."""
    tight_slack: np.ndarray
    """Their slacks (bound + tolerance)."""
    running: np.ndarray
    """Per variant: its running contribution to the sum of the tightest constraints."""
    tally: np.ndarray
    """``tally[0]``: how many entries of ``tight`` are current."""
    drop: np.ndarray
    """Variants marked for removal by a bound (applied by ``_apply``)."""
    row_max_after: np.ndarray
    """Scratch: like ``row_max``, over the variants that ``_apply`` keeps (``row_max``: over those it drops)."""
    vidx: np.ndarray
    """The alive variants of the unassigned descriptors, grouped by descriptor (built by ``_groups``)."""
    gbeg: np.ndarray
    """Group ``g`` of ``vidx`` is ``gbeg[g]:gbeg[g + 1]``."""
    gdesc: np.ndarray
    """The descriptor of group ``g``."""
    top: np.ndarray
    """Per group: its largest running sum (``_probe_marks``)."""
    top_at: np.ndarray
    """Per group: the variant that holds it."""
    span: np.ndarray
    """``span[L, c]``: Σ of ``gap[c, d]`` over the unassigned search descriptors ``d`` (how far they can move ``c``)."""
    lam: np.ndarray
    """Lagrangian weights of the selected constraints (``sel``), summing to 1."""
    lam_at: np.ndarray
    """``lam_at[L, c]``: constraint ``c``'s weight after the bound at depth ``L`` (a child starts from its parent's).

    Kept per depth, so that a node's bounds depend on its path alone: a prefix searched again
    from the root must meet the same branching choices."""
    sel: np.ndarray
    """The settled constraints the Lagrangian bound weighs."""
    q: np.ndarray
    """``lam`` scaled to whole numbers (floats, every sum below 2**53, so exact): the weights evaluated."""
    sub: np.ndarray
    """Per selected constraint: its margin under the completion that maximizes the weighted sum (a subgradient).

    While the constraints are being selected, it holds their bounds (the sort keys)."""
    score: np.ndarray
    """Per variant: its weighted contribution to the selected constraints (exact whole numbers)."""


@njit(cache=True, nogil=True)
def _new_state(P):  # type: ignore[no-untyped-def]
    n = P.off.shape[0] - 1
    nv = P.DT.shape[0]
    nc = P.DT.shape[1]
    levels = n - P.n_pre + 1
    return State(
        np.zeros((levels, nc), dtype=np.int64),
        np.zeros((levels, nv), dtype=np.int8),
        np.zeros((levels, n), dtype=np.int64),
        np.zeros((levels, nc), dtype=np.int64),
        np.zeros(n, dtype=np.bool_),
        np.zeros(nc, dtype=np.int64),
        np.zeros(n, dtype=np.int64),
        np.zeros(n, dtype=np.int64),
        np.zeros(nv, dtype=np.int64),
        np.zeros(4, dtype=np.int64),
        np.zeros(nv, dtype=np.int8),
        np.zeros(nc, dtype=np.int64),
        np.zeros(nv, dtype=np.uint64),
        np.zeros(n + 1, dtype=np.uint64),
        np.zeros(n, dtype=np.int64),
        np.zeros(n, dtype=np.int64),
        np.zeros(n, dtype=np.uint64),
        np.zeros((levels, nc), dtype=np.int64),
        np.zeros(nc, dtype=np.float64),
        np.zeros((levels, nc), dtype=np.float64),
        np.zeros(nc, dtype=np.uint64),
        np.zeros(nc, dtype=np.float64),
        np.zeros(nc, dtype=np.int64),
        np.zeros(nv, dtype=np.float64),
    )


# ---------------------------------------------------------------- helpers (plain arrays)


@_leaf
def _max_rows(DT, alive, L, lo, hi, row_max):  # type: ignore[no-untyped-def]
    """``row_max[c]`` = max of ``DT[w, c]`` over alive ``w`` in ``[lo, hi)`` at depth ``L``."""
    nc = row_max.shape[0]
    for c in range(nc):
        row_max[c] = _NEG
    for w in range(lo, hi):
        if alive[L, w]:
            for c in range(nc):
                row_max[c] = max(row_max[c], DT[w, c])


@_leaf
def _copy_level(a, L):  # type: ignore[no-untyped-def]
    """``a[L + 1] = a[L]``."""
    for i in range(a.shape[1]):
        a[L + 1, i] = a[L, i]


@_leaf
def _kill(marg, xbeg, xend, v):  # type: ignore[no-untyped-def]
    """Variant ``v`` is gone: its constraints' margins go out of reach of every bound."""
    for c in range(xbeg[v], xend[v]):
        marg[c] += _DEAD


@_leaf
def _apply(P, S, L):  # type: ignore[no-untyped-def]
    """Remove the marked variants at depth ``L``, lower ``reach`` and clear the marks.

    Returns -1 when a descriptor loses every variant, 1 when something was removed, 0 otherwise.
    """
    alive, n_alive, reach, drop, row_max, row_max_after = (
        S.alive,
        S.n_alive,
        S.reach,
        S.drop,
        S.row_max,
        S.row_max_after,
    )
    DT, off, xbeg, xend = P.DT, P.off, P.xbeg, P.xend
    nc = row_max.shape[0]
    live = alive[L]
    rl = reach[L]
    ml = S.marg[L]
    status = 0
    # Loops run from 0 over views where they can: numba then knows the indices are not
    # negative, skips the wraparound arithmetic and vectorizes.
    for d in range(n_alive.shape[1]):
        lo = off[d]
        av = live[lo : off[d + 1]]
        dv = drop[lo : off[d + 1]]
        hit = 0
        for i in range(av.shape[0]):
            hit |= av[i] & dv[i]
        if hit == 0:
            continue
        status = 1
        # One pass over the variants: the best of the dropped ones (row_max) and of the kept ones.
        for c in range(nc):
            row_max[c] = _NEG
            row_max_after[c] = _NEG
        for i in range(av.shape[0]):
            if not av[i]:
                continue
            row = DT[lo + i]
            if dv[i]:
                av[i] = 0
                n_alive[L, d] -= 1
                _kill(ml, xbeg, xend, lo + i)
                for c in range(nc):
                    row_max[c] = max(row_max[c], row[c])
            else:
                for c in range(nc):
                    row_max_after[c] = max(row_max_after[c], row[c])
        if n_alive[L, d] == 0:
            status = -1
            break
        for c in range(nc):
            rl[c] -= max(0, row_max[c] - row_max_after[c])
    drop.fill(0)
    return status


# ---------------------------------------------------------------- bounds at one node
#
# Bounds drop variants in ``drop``; ``_apply`` removes them and lowers ``reach``.


@_leaf
def _propagate(P, S, L):  # type: ignore[no-untyped-def]
    """Single bounds to a fixpoint; False when no scenario within tolerance is left."""
    alive, n_alive, assigned, drop = S.alive, S.n_alive, S.assigned, S.drop
    DTt, off, ce, cx, cbeg, cend, xbeg, xend = P.DTt, P.off, P.ce, P.cx, P.cbeg, P.cend, P.xbeg, P.xend
    spread, gap, gord, tol = P.spread, P.gap, P.gord, P.tol
    n = n_alive.shape[1]
    ml = S.marg[L]
    rl = S.reach[L]
    live = alive[L]
    while True:
        marked = False
        # Every live constraint's bound at once (a gone variant's are out of reach); the
        # violated ones, if any, one by one.
        low = -_NEG
        for c in range(ml.shape[0]):
            low = min(low, ml[c] + rl[c])
        if low < -tol:
            for c in range(ml.shape[0]):
                if ml[c] + rl[c] < -tol:
                    e = ce[c]
                    if assigned[e] or n_alive[L, e] == 1:
                        drop.fill(0)
                        return False
                    drop[cx[c]] = 1
                    marked = True
        # A settled constraint removes the variants of unassigned descriptors that would break it.
        for e in range(n):
            if cbeg[e] == cend[e] or not (assigned[e] or n_alive[L, e] == 1):
                continue
            x = off[e]
            while not live[x]:
                x += 1
            for c in range(xbeg[x], xend[x]):
                slack = ml[c] + rl[c] + tol
                if slack >= spread[c]:
                    continue
                gc = gap[c]
                oc = gord[c]
                row = DTt[c]
                for i in range(n):
                    d = oc[i]
                    if gc[d] <= slack:
                        break
                    if assigned[d] or n_alive[L, d] < 2:
                        continue
                    mx = _NEG
                    for w in range(off[d], off[d + 1]):
                        if live[w]:
                            mx = max(mx, row[w])
                    for w in range(off[d], off[d + 1]):
                        if live[w] and mx - row[w] > slack:
                            drop[w] = 1
                            marked = True
        if not marked:
            return True
        if _apply(P, S, L) < 0:
            return False


@_leaf
def _settled_variant(P, S, L, e):  # type: ignore[no-untyped-def]
    """Descriptor ``e``'s variant when it is settled (assigned, or one variant left) and has constraints; else -1."""
    if P.cbeg[e] == P.cend[e] or not (S.assigned[e] or S.n_alive[L, e] == 1):
        return -1
    x = P.off[e]
    while not S.alive[L, x]:
        x += 1
    return x


@_leaf
def _tightest(P, S, L):  # type: ignore[no-untyped-def]
    """Each settled descriptor's tightest constraint into ``tight``, slack (bound + tol) ascending; the count."""
    tight, tight_slack = S.tight, S.tight_slack
    xbeg, xend = P.xbeg, P.xend
    ml = S.marg[L]
    rl = S.reach[L]
    k = 0
    for e in range(S.n_alive.shape[1]):
        x = _settled_variant(P, S, L, e)
        if x < 0:
            continue
        best = xbeg[x]
        low = _NEG
        for c in range(xbeg[x], xend[x]):
            ub = ml[c] + rl[c]
            if c == xbeg[x] or ub < low:
                best = c
                low = ub
        slack = low + P.tol
        j = k
        while j > 0 and tight_slack[j - 1] > slack:
            tight_slack[j] = tight_slack[j - 1]
            tight[j] = tight[j - 1]
            j -= 1
        tight_slack[j] = slack
        tight[j] = best
        k += 1
    S.tally[0] = k
    return k


@_leaf
def _groups(P, S, L):  # type: ignore[no-untyped-def]
    """Collect the alive variants of the unassigned descriptors into ``vidx``, one group per descriptor; the count."""
    alive, assigned, vidx, gbeg, gdesc, off = S.alive, S.assigned, S.vidx, S.gbeg, S.gdesc, P.off
    g = 0
    k = 0
    for d in range(assigned.shape[0]):
        if assigned[d]:
            continue
        gdesc[g] = d
        gbeg[g] = k
        for w in range(off[d], off[d + 1]):
            if alive[L, w]:
                vidx[k] = w
                k += 1
        g += 1
    gbeg[g] = k
    return g


@_leaf
def _sum_prefixes(P, S, L, ng, k, upto):  # type: ignore[no-untyped-def]
    """Running sums ``running`` (per entry of ``vidx``) over the tightest constraints ``tight[:upto]``.

    Returns (the most binding prefix length, its margin, its assigned part plus tolerance);
    the length is -1 when some prefix of length ≤ ``k`` cannot reach its tolerance.
    """
    running, tight, vidx, gbeg = S.running, S.tight, S.vidx, S.gbeg
    DTt = P.DTt
    ml = S.marg[L]
    for i in range(gbeg[ng]):
        running[i] = 0
    base = 0
    best_j = 0
    best_m = 0
    best_base = 0
    for j in range(min(k, upto)):
        c = tight[j]
        base += ml[c] + P.tol
        m = base
        for g in range(ng):
            mx = _NEG
            for i in range(gbeg[g], gbeg[g + 1]):
                running[i] += DTt[c, vidx[i]]
                mx = max(mx, running[i])
            m += mx
        if m < 0:
            return -1, 0, 0
        if j == 0 or m < best_m:
            best_j = j + 1
            best_m = m
            best_base = base
    return best_j, best_m, best_base


@_leaf
def _sum_marks(P, S, ng, margin):  # type: ignore[no-untyped-def]
    """Mark the variants whose contribution to the sum in ``running`` would take it below its tolerance."""
    running, drop, vidx, gbeg = S.running, S.drop, S.vidx, S.gbeg
    marked = False
    for g in range(ng):
        if gbeg[g + 1] - gbeg[g] < 2:
            continue
        mx = _NEG
        for i in range(gbeg[g], gbeg[g + 1]):
            mx = max(mx, running[i])
        for i in range(gbeg[g], gbeg[g + 1]):
            if mx - running[i] > margin:
                drop[vidx[i]] = 1
                marked = True
    return marked


@_leaf
def _tightest_of(xbeg, xend, ml, rl, x):  # type: ignore[no-untyped-def]
    """Variant ``x``'s constraint with the lowest bound ``ml + rl`` (the first such); ``x`` has constraints."""
    cs = xbeg[x]
    low = ml[cs] + rl[cs]
    for c in range(xbeg[x], xend[x]):
        if ml[c] + rl[c] < low:
            cs = c
            low = ml[c] + rl[c]
    return cs


@_leaf
def _probe_marks(P, S, L, ng, base):  # type: ignore[no-untyped-def]
    """Fix each variant ``x`` of each unassigned descriptor; add ``x``'s tightest constraint to the sum in ``running``.

    ``base`` is the sum's assigned part plus its tolerance; a variant whose combined bound
    falls below zero is marked. Returns True when one was.
    """
    running, drop, vidx, gbeg = S.running, S.drop, S.vidx, S.gbeg
    DTt, xbeg, xend = P.DTt, P.xbeg, P.xend
    ml = S.marg[L]
    rl = S.reach[L]
    top, top_at = S.top, S.top_at
    marked = False
    # Each group's best running sum and where it is: max(a + b) >= a(w) + b(w) for any w,
    # so these give a lower bound of the probe that often shows it cannot prune.
    for g in range(ng):
        top[g] = _NEG
        for i in range(gbeg[g], gbeg[g + 1]):
            if running[i] > top[g]:
                top[g] = running[i]
                top_at[g] = vidx[i]
    for g in range(ng):
        for ix in range(gbeg[g], gbeg[g + 1]):
            x = vidx[ix]
            if xbeg[x] == xend[x]:
                continue
            cs = _tightest_of(xbeg, xend, ml, rl, x)
            val = base + ml[cs] + P.tol + running[ix]
            row = DTt[cs]
            for h in range(ng):
                if h != g:
                    val += top[h] + row[top_at[h]]
            if val >= 0:
                continue
            for h in range(ng):
                if h == g:
                    continue
                mx = _NEG
                for i in range(gbeg[h], gbeg[h + 1]):
                    mx = max(mx, running[i] + row[vidx[i]])
                val += mx - top[h] - row[top_at[h]]
                if val >= 0:
                    break
            if val < 0:
                drop[x] = 1
                marked = True
    return marked


@_leaf
def _sum_bound(P, S, L):  # type: ignore[no-untyped-def]
    """Sum bound, then probing against the most binding sum.

    Returns -1 when the node holds no scenario within tolerance, 1 when variants were
    dropped, 0 otherwise.
    """
    k = _tightest(P, S, L)
    if k == 0:
        return 0
    ng = _groups(P, S, L)
    best_j, best_m, _ = _sum_prefixes(P, S, L, ng, k, k)
    if best_j < 0:
        return -1
    _, _, base = _sum_prefixes(P, S, L, ng, k, best_j)
    if _sum_marks(P, S, ng, best_m) or _probe_marks(P, S, L, ng, base):
        return _apply(P, S, L)
    return 0


@_leaf
def _lagrange_select(P, S, L):  # type: ignore[no-untyped-def]
    """The settled constraints that the unassigned descriptors could still break, into ``sel``; the count.

    A constraint whose slack is at least ``span`` holds for every completion: its weight could
    only raise the bound, so it is left out. Of the rest, the ``_LAGRANGE_CAP`` tightest are kept,
    in a list sorted by slack as it is built (their bounds held in ``sub`` meanwhile).
    """
    sel, key, xbeg, xend = S.sel, S.sub, P.xbeg, P.xend
    ml = S.marg[L]
    rl = S.reach[L]
    sl = S.span[L]
    m = 0
    for e in range(S.n_alive.shape[1]):
        x = _settled_variant(P, S, L, e)
        if x < 0:
            continue
        for c in range(xbeg[x], xend[x]):
            k = ml[c] + rl[c]
            if k + P.tol >= sl[c] or (m == _LAGRANGE_CAP and k >= key[m - 1]):
                continue
            # Insert into the list kept sorted by slack (after equal ones), the loosest falling off.
            j = min(m, _LAGRANGE_CAP - 1)
            while j > 0 and key[j - 1] > k:
                sel[j] = sel[j - 1]
                key[j] = key[j - 1]
                j -= 1
            sel[j] = c
            key[j] = k
            if m < _LAGRANGE_CAP:
                m += 1
    return m


@_leaf
def _lagrange_start(P, S, L, m):  # type: ignore[no-untyped-def]
    """Starting weights: each constraint's weight from the parent (or an earlier round here), else a small one."""
    lam, sel, last = S.lam, S.sel, S.lam_at[L]
    ml = S.marg[L]
    rl = S.reach[L]
    total = 0.0
    for i in range(m):
        c = sel[i]
        if last[c] > 0.0:
            lam[i] = last[c]
        else:
            lam[i] = _NEW_WEIGHT / (1.0 + ml[c] + rl[c] + P.tol)
        total += lam[i]
    for i in range(m):
        lam[i] /= total


@_leaf
def _lagrange_value(P, S, L, m, ng):  # type: ignore[no-untyped-def]
    """The bound at the whole-number weights ``q`` (from ``lam``), exactly; fills ``score`` and the subgradient ``sub``.

    Every product and sum is a whole number below 2**53 (``lscale`` is chosen so), so the float
    arithmetic is exact, and the dense loops over all variants vectorize.
    """
    lam, q, sel, sub, score, vidx, gbeg = S.lam, S.q, S.sel, S.sub, S.score, S.vidx, S.gbeg
    DT, DTf = P.DT, P.DTf
    ml = S.marg[L]
    score.fill(0.0)
    f = 0.0
    for i in range(m):
        qi = np.floor(lam[i] * P.lscale)
        q[i] = qi
        c = sel[i]
        a = ml[c] + P.tol
        sub[i] = a
        if qi == 0.0:
            continue
        f += qi * a
        row = DTf[c]
        for w in range(score.shape[0]):
            score[w] += qi * row[w]
    for g in range(ng):
        best = vidx[gbeg[g]]
        for k in range(gbeg[g], gbeg[g + 1]):
            w = vidx[k]
            if score[w] > score[best]:
                best = w
        f += score[best]
        row = DT[best]
        for i in range(m):
            sub[i] += row[sel[i]]
    return f


@_leaf
def _lagrange_marks(S, ng, f):  # type: ignore[no-untyped-def]
    """Mark the variants whose weighted contribution would take the bound ``f`` below zero; True when one was."""
    score, vidx, gbeg, drop = S.score, S.vidx, S.gbeg, S.drop
    marked = False
    for g in range(ng):
        if gbeg[g + 1] - gbeg[g] < 2:
            continue
        mx = score[vidx[gbeg[g]]]
        for k in range(gbeg[g], gbeg[g + 1]):
            mx = max(mx, score[vidx[k]])
        for k in range(gbeg[g], gbeg[g + 1]):
            if f - mx + score[vidx[k]] < 0.0:
                drop[vidx[k]] = 1
                marked = True
    return marked


@_leaf
def _lagrange_step(S, m, f, scale):  # type: ignore[no-untyped-def]
    """One projected subgradient step (Polyak's rule, aimed just below zero); False when the bound cannot fall."""
    lam, q, sub = S.lam, S.q, S.sub
    norm = 0.0
    violated = False
    for i in range(m):
        if sub[i] < 0:
            violated = True
        if not (q[i] == 0 and sub[i] > 0):
            norm += sub[i] * sub[i]
    if not violated or norm == 0.0:
        # Every selected constraint holds at the maximizing completion: no weights give a negative bound.
        return False
    eta = (f / scale + _POLYAK_TARGET) / norm
    total = 0.0
    for i in range(m):
        lam[i] = max(0.0, lam[i] - eta * sub[i])
        total += lam[i]
    if total <= 0.0:
        return False
    for i in range(m):
        lam[i] /= total
    return True


@_leaf
def _lagrange_probe(P, S, L, m, ng, f):  # type: ignore[no-untyped-def]
    """Each variant ``x`` of each unassigned descriptor, fixed, against the weighted sum and its tightest constraint.

    ``f`` and ``score`` are the bound at the weights ``q``; the constraint gets the largest of
    them as its weight. Each other group's term, a maximum of ``score + μ DT[·, cs]``, starts
    from its value at the group's best score, and the probe stops once the bound cannot go
    below zero. Marks the variants it refutes; True when one was.
    """
    score, vidx, gbeg, drop, q = S.score, S.vidx, S.gbeg, S.drop, S.q
    top_at = S.top_at
    DT, xbeg, xend = P.DT, P.xbeg, P.xend
    ml = S.marg[L]
    rl = S.reach[L]
    mu = 0.0
    for i in range(m):
        mu = max(mu, q[i])
    if mu == 0.0:
        return False
    for g in range(ng):
        best = vidx[gbeg[g]]
        for k in range(gbeg[g], gbeg[g + 1]):
            if score[vidx[k]] > score[best]:
                best = vidx[k]
        top_at[g] = best
    marked = False
    for g in range(ng):
        if gbeg[g + 1] - gbeg[g] < 2:
            continue
        for ix in range(gbeg[g], gbeg[g + 1]):
            x = vidx[ix]
            if xbeg[x] == xend[x]:
                continue
            cs = _tightest_of(xbeg, xend, ml, rl, x)
            val = f - score[top_at[g]] + score[x] + mu * (ml[cs] + P.tol)
            for h in range(ng):
                if h != g:
                    val += mu * DT[top_at[h], cs]
            if val >= 0.0:
                continue
            for h in range(ng):
                if h == g:
                    continue
                start = score[top_at[h]] + mu * DT[top_at[h], cs]
                mx = start
                for k in range(gbeg[h], gbeg[h + 1]):
                    mx = max(mx, score[vidx[k]] + mu * DT[vidx[k], cs])
                val += mx - start
                if val >= 0.0:
                    break
            if val < 0.0:
                drop[x] = 1
                marked = True
    return marked


@_leaf
def _lagrange(P, S, L):  # type: ignore[no-untyped-def]
    """The Lagrangian bound over the settled constraints, a few subgradient steps from warm weights.

    Returns -1 when the node holds no scenario within tolerance, 1 when variants were dropped, 0 otherwise.
    """
    if P.lscale == 0.0:
        return 0
    m = _lagrange_select(P, S, L)
    if m == 0:
        return 0
    ng = _groups(P, S, L)
    _lagrange_start(P, S, L, m)
    marked = False
    for _ in range(_LAGRANGE_STEPS):
        f = _lagrange_value(P, S, L, m, ng)
        if f < 0.0:
            S.drop.fill(0)
            return -1
        marked |= _lagrange_marks(S, ng, f)
        if not _lagrange_step(S, m, f, P.lscale):
            break
    if not marked:
        marked = _lagrange_probe(P, S, L, m, ng, f)
    last = S.lam_at[L]
    for i in range(m):
        last[S.sel[i]] = S.lam[i]
    if marked:
        return _apply(P, S, L)
    return 0


@_leaf
def _settle(P, S, L):  # type: ignore[no-untyped-def]
    """Apply the bounds at depth ``L`` (see the module docstring); False when the node is empty."""
    for _ in range(_SUM_ROUNDS):
        if not _propagate(P, S, L):
            return False
        r = _lagrange(P, S, L)
        if r < 0:
            return False
        if r > 0:
            continue
        r = _sum_bound(P, S, L)
        if r < 0:
            return False
        if r == 0:
            return True
    return _propagate(P, S, L)


# ---------------------------------------------------------------- the depth-first search


@_leaf
def _choose(P, S, L):  # type: ignore[no-untyped-def]
    """The descriptor to branch on at depth ``L``.

    Fewest variants left; among those, the widest spread (largest − smallest ``DT``) over the
    tightest settled constraints, each weighted by 1 / (1 + slack); then the static order.
    """
    alive, n_alive, assigned, tight, tight_slack = S.alive, S.n_alive, S.assigned, S.tight, S.tight_slack
    off, DTt = P.off, P.DTt
    best = -1
    for d in range(n_alive.shape[1]):
        if not assigned[d] and (best < 0 or n_alive[L, d] < n_alive[L, best]):
            best = d
    low = n_alive[L, best]
    if low == 1:
        return best
    top = -1.0
    first = best
    for d in range(first, n_alive.shape[1]):
        if assigned[d] or n_alive[L, d] != low:
            continue
        score = 0.0
        for i in range(S.tally[0]):
            c = tight[i]
            mx = _NEG
            mn = -_NEG
            for w in range(off[d], off[d + 1]):
                if alive[L, w]:
                    mx = max(mx, DTt[c, w])
                    mn = min(mn, DTt[c, w])
            score += (mx - mn) / (1.0 + tight_slack[i])
        if score > top:
            top = score
            best = d
    return best


@_leaf
def _descend(P, S, L, d, w):  # type: ignore[no-untyped-def]
    """Depth ``L + 1`` := depth ``L`` with descriptor ``d`` assigned to variant ``w``."""
    alive, n_alive, row_max = S.alive, S.n_alive, S.row_max
    off = P.off
    _copy_level(alive, L)
    _copy_level(n_alive, L)
    _copy_level(S.lam_at, L)
    _max_rows(P.DT, alive, L, off[d], off[d + 1], row_max)
    m0, m1 = S.marg[L], S.marg[L + 1]
    r0, r1 = S.reach[L], S.reach[L + 1]
    s0, s1 = S.span[L], S.span[L + 1]
    row = P.DT[w]
    gt = P.gapT[d]
    for c in range(m0.shape[0]):
        m1[c] = m0[c] + row[c]
        r1[c] = r0[c] - row_max[c]
        s1[c] = s0[c] - gt[c]
    for v in range(off[d], off[d + 1]):
        if alive[L + 1, v] and v != w:
            alive[L + 1, v] = 0
            _kill(m1, P.xbeg, P.xend, v)
    n_alive[L + 1, d] = 1
    S.assigned[d] = True


@_leaf
def _root(P, S, z):  # type: ignore[no-untyped-def]
    """Depth 0: the single-variant descriptors assigned (into ``z``), every other allowed variant alive."""
    alive, n_alive, row_max = S.alive, S.n_alive, S.row_max
    alive0, off, DT = P.alive0, P.off, P.DT
    m = S.marg[0]
    r = S.reach[0]
    for c in range(m.shape[0]):
        m[c] = P.own[c]
        r[c] = 0
        S.span[0, c] = 0
        for d in range(P.n_pre, n_alive.shape[1]):
            S.span[0, c] += P.gapT[d, c]
    for w in range(alive0.shape[0]):
        alive[0, w] = alive0[w]
    for d in range(n_alive.shape[1]):
        n_alive[0, d] = 0
        for w in range(off[d], off[d + 1]):
            n_alive[0, d] += alive0[w]
        if d < P.n_pre:
            S.assigned[d] = True
            for w in range(off[d], off[d + 1]):
                if alive0[w]:
                    z[d] = w
                    for c in range(m.shape[0]):
                        m[c] += DT[w, c]
            continue
        _max_rows(DT, alive, 0, off[d], off[d + 1], row_max)
        for c in range(r.shape[0]):
            r[c] += row_max[c]


@_leaf
def _emit(off, out, found, stop, depth_max, path, z):  # type: ignore[no-untyped-def]
    """Write the current assignment as row ``found`` of ``out`` (when it fits)."""
    if found >= out.shape[0]:
        return
    if stop == depth_max:
        for d in range(z.shape[0]):
            out[found, d] = z[d] - off[d]
    else:
        for i in range(out.shape[1]):
            out[found, i] = path[i] if i < stop else -1


@_leaf
def _walk(P, S, base, stop, out, limit, nodes, z, path, at, pos):  # type: ignore[no-untyped-def]
    """The depth-first loop of :func:`search_task` from depth ``base``; returns (found, nodes)."""
    off, alive = P.off, S.alive
    depth_max = off.shape[0] - 1 - P.n_pre
    found = 0
    depth = base
    if depth < depth_max:
        at[depth] = _choose(P, S, depth)
    d = -1
    while True:
        w = -1
        if depth == stop:
            _emit(off, out, found, stop, depth_max, path, z)
            found += 1
        else:
            d = at[depth]
            while pos[depth] < off[d + 1] - off[d]:
                v = off[d] + pos[depth]
                pos[depth] += 1
                if alive[depth, v]:
                    w = v
                    break
        if w < 0:
            if depth == base:
                break
            depth -= 1
            S.assigned[at[depth]] = False
            continue
        if nodes >= limit:
            return -1, nodes
        # A descriptor with one variant left is settled already: assigning it changes no bound
        # (its row moves from ``reach`` into ``marg``), so the node is at the parent's fixpoint.
        forced = S.n_alive[depth, d] == 1
        _descend(P, S, depth, d, w)
        nodes += 1
        if forced or _settle(P, S, depth + 1):
            z[d] = w
            path[depth] = w - off[d]
            depth += 1
            pos[depth] = 0
            if depth < depth_max:
                at[depth] = _choose(P, S, depth)
        else:
            S.assigned[d] = False
    return found, nodes


@njit(cache=True, nogil=True)
def search_task(P, prefix, stop, out, limit):  # type: ignore[no-untyped-def]
    """Depth-first search below ``prefix`` (local variant indices chosen at the first depths).

    With ``stop`` = the number of search descriptors every scenario within tolerance is
    written to ``out`` (local variant indices, descriptors in search order); with a smaller
    ``stop`` every surviving choice sequence of that length is (padded with -1). Rows are
    written while they fit. Returns (number found — may exceed ``len(out)``: run again with a
    larger buffer — and number of search nodes); the count is -1 when more than ``limit``
    nodes were needed and the search was abandoned.
    """
    n = P.off.shape[0] - 1
    depth_max = n - P.n_pre
    S = _new_state(P)
    z = np.full(n, -1, dtype=np.int64)
    at = np.zeros(depth_max + 1, dtype=np.int64)
    path = np.full(depth_max + 1, -1, dtype=np.int64)
    _root(P, S, z)
    nodes = 1
    if not _settle(P, S, 0):
        return 0, nodes
    base = prefix.shape[0]
    for L in range(base):
        d = _choose(P, S, L)
        w = P.off[d] + prefix[L]
        if not S.alive[L, w]:
            return 0, nodes
        # As in ``_walk``: a forced node keeps its parent's bounds. The Lagrangian bound is not
        # a fixpoint (more steps may remove more), so bounding it here would leave this path
        # in another state than the walk that recorded the prefix, and its choices would differ.
        forced = S.n_alive[L, d] == 1
        _descend(P, S, L, d, w)
        nodes += 1
        if not forced and not _settle(P, S, L + 1):
            return 0, nodes
        z[d] = w
        at[L] = d
        path[L] = prefix[L]
    return _walk(P, S, base, stop, out, limit, nodes, z, path, at, np.zeros(depth_max + 1, dtype=np.int64))


@njit(cache=True, nogil=True)
def _private(P):  # type: ignore[no-untyped-def]
    """A copy of the problem arrays for one task.

    Threads sharing arrays share their reference counts, and every helper call updates
    them: private copies keep those updates off cache lines that other cores write.
    """
    return Problem(
        P.n_pre,
        P.tol,
        P.alive0.copy(),
        P.off.copy(),
        P.DT.copy(),
        P.DTt.copy(),
        P.own.copy(),
        P.ce.copy(),
        P.cx.copy(),
        P.cbeg.copy(),
        P.cend.copy(),
        P.xbeg.copy(),
        P.xend.copy(),
        P.spread.copy(),
        P.gap.copy(),
        P.gord.copy(),
        P.gapT.copy(),
        P.DTf.copy(),
        P.lscale,
    )


@njit(cache=True, parallel=True)
def search_batch(P, prefixes, stop, out, starts, caps, found, nodes):  # type: ignore[no-untyped-def]
    """Run :func:`search_task` below every prefix in parallel (no node limit).

    Task ``i`` writes at most ``caps[i]`` rows to ``out[starts[i]:]`` and its counts to
    ``found[i]`` and ``nodes[i]``.
    """
    for i in prange(prefixes.shape[0]):
        view = out[starts[i] : starts[i] + caps[i]]
        f, k = search_task(_private(P), prefixes[i], stop, view, np.int64(NO_NODE_LIMIT))
        found[i] = f
        nodes[i] = k
