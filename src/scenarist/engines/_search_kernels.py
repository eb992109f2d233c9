"""Compiled inner loops of the exact pruned CIB search (numba, cached on disk).

The model arrives in *search order* (see :class:`Problem`): descriptors ``0 .. n_pre-1``
have a single allowed variant and are settled before the search starts. Variants are flat
indices; descriptor ``d`` owns ``off[d]:off[d+1]``.

A *constraint* ``c`` is a triple (descriptor ``ce[c]``, own variant ``cx[c]``, rival
``cl[c]``) of a checked descriptor: whenever the descriptor takes ``cx[c]``, its margin
``θ(cx) − θ(cl)`` must be ``≥ −tol``. ``DT[w, c] = M[w, cx[c]] − M[w, cl[c]]`` is what
source variant ``w`` adds to that margin (θ sums the rows of every descriptor, its own
included). Constraints are sorted by descriptor (``cbeg[d]:cend[d]``) and own variant
(``xbeg[x]:xend[x]``).

Search state at depth ``L`` (see :class:`State`):

* ``theta`` — impact scores from the rows of the assigned descriptors (updated incrementally);
* ``alive[L]`` — variants still possible (an assigned descriptor keeps only its choice);
* ``cnt[L, d]`` — how many variants of ``d`` are alive;
* ``R[L, c]`` — Σ over unassigned ``d ≠ ce[c]`` of the largest ``DT[w, c]`` over alive ``w``
  of ``d``: the most the unassigned descriptors can still add to the margin.

Bounds (every removal rests on a valid upper bound of some margin, so no scenario within
tolerance is ever lost; at a complete assignment the bounds are the exact margins):

* single: ``theta[cx] − theta[cl] + R[L, c]`` (plus the descriptor's own row ``DT[cx, c]``
  while it is unassigned) below ``−tol`` prunes the node when the descriptor is *settled*
  (assigned, or one variant left), else removes ``cx`` — that variant can no longer win;
  a settled constraint also removes variants of unassigned descriptors that would push its
  bound below ``−tol``. Removals lower ``R``; this runs to a fixpoint.
* sum: the tightest constraints of the settled descriptors, added up (tightest first, each
  prefix of that list), must reach ``−j × tol``; an unassigned descriptor's best contribution
  to a sum can be far below the sum of its separate bests.
* probe: each variant of each unassigned descriptor, fixed, against the most binding sum
  plus that variant's own tightest constraint.

The next descriptor to branch on is one with the fewest variants left; ties go to the
widest spread over the tightest settled constraints, then to the static order.

Everything that allocates nothing is compiled without reference counting (``_leaf``):
with it, the count updates on every array handed to a call took most of the search time.
Drops are marked first and applied per descriptor (``_apply``), so each removal pass
recomputes a descriptor's best contributions once.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit, prange

__all__ = ["Problem", "State", "search_batch", "search_task"]

_NEG = -(1 << 40)
_leaf = njit(cache=True, nogil=True, _nrt=False)  # type: ignore[call-overload]
"""Compile without reference counting: for functions that allocate nothing. Reference-count
updates on every array passed to a call otherwise dominate the search time."""
_SUM_ROUNDS = 2
"""Rounds of sum bound and probing per node before settling for the single bounds' fixpoint."""


class Problem(NamedTuple):
    """The search arrays, descriptors in search order (see the module docstring)."""

    n_pre: int
    tol: int
    alive0: np.ndarray
    M: np.ndarray
    off: np.ndarray
    DT: np.ndarray
    ce: np.ndarray
    cx: np.ndarray
    cl: np.ndarray
    cbeg: np.ndarray
    cend: np.ndarray
    xbeg: np.ndarray
    xend: np.ndarray
    spread: np.ndarray
    gap: np.ndarray


class State(NamedTuple):
    """Search state of one task; ``keys``/``slacks``/``meta[0]`` hold the last tightest constraints."""

    theta: np.ndarray
    alive: np.ndarray
    cnt: np.ndarray
    R: np.ndarray
    isset: np.ndarray
    buf: np.ndarray
    keys: np.ndarray
    slacks: np.ndarray
    agg: np.ndarray
    meta: np.ndarray
    mark: np.ndarray
    buf2: np.ndarray


@njit(cache=True, nogil=True)
def _new_state(P):  # type: ignore[no-untyped-def]
    n = P.off.shape[0] - 1
    nv = P.M.shape[0]
    nc = P.DT.shape[1]
    levels = n - P.n_pre + 1
    return State(
        np.zeros(nv, dtype=np.int64),
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
    )


# ---------------------------------------------------------------- helpers (plain arrays)


@_leaf
def _max_rows(DT, alive, L, lo, hi, buf):  # type: ignore[no-untyped-def]
    """``buf[c]`` = max of ``DT[w, c]`` over alive ``w`` in ``[lo, hi)`` at depth ``L``."""
    nc = buf.shape[0]
    for c in range(nc):
        buf[c] = _NEG
    for w in range(lo, hi):
        if alive[L, w]:
            for c in range(nc):
                buf[c] = max(buf[c], DT[w, c])


@_leaf
def _copy_level(a, L):  # type: ignore[no-untyped-def]
    """``a[L + 1] = a[L]``."""
    for i in range(a.shape[1]):
        a[L + 1, i] = a[L, i]


@_leaf
def _add_row(theta, M, w, sign):  # type: ignore[no-untyped-def]
    """``theta += sign × M[w]``."""
    for v in range(theta.shape[0]):
        theta[v] += sign * M[w, v]


@_leaf
def _apply(P, S, L):  # type: ignore[no-untyped-def]
    """Remove the marked variants at depth ``L``, lower ``R`` and clear the marks.

    Returns -1 when a descriptor loses every variant, 1 when something was removed, 0 otherwise.
    """
    alive, cnt, R, mark, buf, buf2 = S.alive, S.cnt, S.R, S.mark, S.buf, S.buf2
    DT, off, cbeg, cend = P.DT, P.off, P.cbeg, P.cend
    status = 0
    for d in range(cnt.shape[1]):
        hit = False
        for w in range(off[d], off[d + 1]):
            hit = hit or (mark[w] != 0 and alive[L, w] != 0)
        if not hit:
            continue
        status = 1
        _max_rows(DT, alive, L, off[d], off[d + 1], buf)
        for w in range(off[d], off[d + 1]):
            if mark[w] and alive[L, w]:
                alive[L, w] = 0
                cnt[L, d] -= 1
        if cnt[L, d] == 0:
            status = -1
            break
        _max_rows(DT, alive, L, off[d], off[d + 1], buf2)
        for c in range(cbeg[d]):
            R[L, c] -= buf[c] - buf2[c]
        for c in range(cend[d], R.shape[1]):
            R[L, c] -= buf[c] - buf2[c]
    mark.fill(0)
    return status


# ---------------------------------------------------------------- bounds at one node
#
# Bounds mark variants in ``mark``; ``_apply`` removes them and lowers ``R``.


@_leaf
def _propagate(P, S, L):  # type: ignore[no-untyped-def]
    """Single bounds to a fixpoint; False when no scenario within tolerance is left."""
    theta, alive, cnt, R, isset, mark = S.theta, S.alive, S.cnt, S.R, S.isset, S.mark
    DT, off, cl, cbeg, cend, xbeg, xend = P.DT, P.off, P.cl, P.cbeg, P.cend, P.xbeg, P.xend
    spread, gap, tol = P.spread, P.gap, P.tol
    n = cnt.shape[1]
    while True:
        marked = False
        for e in range(n):
            if cbeg[e] == cend[e]:
                continue
            settled = isset[e] or cnt[L, e] == 1
            for x in range(off[e], off[e + 1]):
                if not alive[L, x] or mark[x]:
                    continue
                for c in range(xbeg[x], xend[x]):
                    ub = theta[x] - theta[cl[c]] + R[L, c]
                    if not isset[e]:
                        ub += DT[x, c]
                    if ub < -tol:
                        if settled:
                            mark.fill(0)
                            return False
                        mark[x] = 1
                        marked = True
                        break
                    slack = ub + tol
                    if not settled or slack >= spread[c]:
                        continue
                    for d in range(n):
                        if d == e or isset[d] or cnt[L, d] < 2 or gap[c, d] <= slack:
                            continue
                        mx = _NEG
                        for w in range(off[d], off[d + 1]):
                            if alive[L, w]:
                                mx = max(mx, DT[w, c])
                        for w in range(off[d], off[d + 1]):
                            if alive[L, w] and mx - DT[w, c] > slack:
                                mark[w] = 1
                                marked = True
        if not marked:
            return True
        if _apply(P, S, L) < 0:
            return False


@_leaf
def _tightest(P, S, L):  # type: ignore[no-untyped-def]
    """Each settled descriptor's tightest constraint into ``keys``, slack (bound + tol) ascending; the count."""
    theta, alive, cnt, R, isset, keys, slacks = S.theta, S.alive, S.cnt, S.R, S.isset, S.keys, S.slacks
    DT, off, cl, cbeg, cend, xbeg, xend = P.DT, P.off, P.cl, P.cbeg, P.cend, P.xbeg, P.xend
    k = 0
    for e in range(cnt.shape[1]):
        if cbeg[e] == cend[e] or not (isset[e] or cnt[L, e] == 1):
            continue
        x = off[e]
        while not alive[L, x]:
            x += 1
        best = -1
        low = 0
        for c in range(xbeg[x], xend[x]):
            ub = theta[x] - theta[cl[c]] + R[L, c]
            if not isset[e]:
                ub += DT[x, c]
            if best < 0 or ub < low:
                best = c
                low = ub
        slack = low + P.tol
        j = k
        while j > 0 and slacks[j - 1] > slack:
            slacks[j] = slacks[j - 1]
            keys[j] = keys[j - 1]
            j -= 1
        slacks[j] = slack
        keys[j] = best
        k += 1
    S.meta[0] = k
    return k


@_leaf
def _sum_prefixes(P, S, L, k, upto):  # type: ignore[no-untyped-def]
    """Running sums ``agg`` over the tightest constraints ``keys[:upto]`` (unassigned alive variants).

    Returns (the most binding prefix length, its margin, its assigned part plus tolerance);
    the length is -1 when some prefix of length ≤ ``k`` cannot reach its tolerance.
    """
    theta, alive, isset, agg, keys = S.theta, S.alive, S.isset, S.agg, S.keys
    cx, cl, off, DT = P.cx, P.cl, P.off, P.DT
    agg.fill(0)
    base = 0
    best_j = 0
    best_m = 0
    best_base = 0
    for j in range(min(k, upto)):
        c = keys[j]
        base += theta[cx[c]] - theta[cl[c]] + P.tol
        m = base
        for d in range(isset.shape[0]):
            if isset[d]:
                continue
            mx = _NEG
            for w in range(off[d], off[d + 1]):
                if alive[L, w]:
                    agg[w] += DT[w, c]
                    mx = max(mx, agg[w])
            m += mx
        if m < 0:
            return -1, 0, 0
        if j == 0 or m < best_m:
            best_j = j + 1
            best_m = m
            best_base = base
    return best_j, best_m, best_base


@_leaf
def _sum_marks(P, S, L, margin):  # type: ignore[no-untyped-def]
    """Mark the variants whose contribution to the sum in ``agg`` would take it below its tolerance."""
    alive, cnt, isset, agg, mark, off = S.alive, S.cnt, S.isset, S.agg, S.mark, P.off
    marked = False
    for d in range(cnt.shape[1]):
        if isset[d] or cnt[L, d] < 2:
            continue
        mx = _NEG
        for w in range(off[d], off[d + 1]):
            if alive[L, w]:
                mx = max(mx, agg[w])
        for w in range(off[d], off[d + 1]):
            if alive[L, w] and mx - agg[w] > margin:
                mark[w] = 1
                marked = True
    return marked


@_leaf
def _probe_marks(P, S, L, base):  # type: ignore[no-untyped-def]
    """Fix each variant ``x`` of each unassigned descriptor; add ``x``'s tightest constraint to the sum in ``agg``.

    ``base`` is the sum's assigned part plus its tolerance; a variant whose combined bound
    falls below zero is marked. Returns True when one was.
    """
    theta, alive, R, isset, agg, mark = S.theta, S.alive, S.R, S.isset, S.agg, S.mark
    DT, off, cl, xbeg, xend = P.DT, P.off, P.cl, P.xbeg, P.xend
    n = isset.shape[0]
    marked = False
    for d in range(n):
        if isset[d]:
            continue
        for x in range(off[d], off[d + 1]):
            if not alive[L, x] or xbeg[x] == xend[x]:
                continue
            cs = -1
            low = 0
            for c in range(xbeg[x], xend[x]):
                ub = theta[x] - theta[cl[c]] + R[L, c] + DT[x, c]
                if cs < 0 or ub < low:
                    cs = c
                    low = ub
            val = base + theta[x] - theta[cl[cs]] + P.tol + DT[x, cs] + agg[x]
            for u in range(n):
                if isset[u] or u == d:
                    continue
                mx = _NEG
                for w in range(off[u], off[u + 1]):
                    if alive[L, w]:
                        mx = max(mx, agg[w] + DT[w, cs])
                val += mx
            if val < 0:
                mark[x] = 1
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
    best_j, best_m, _ = _sum_prefixes(P, S, L, k, k)
    if best_j < 0:
        return -1
    _, _, base = _sum_prefixes(P, S, L, k, best_j)
    if _sum_marks(P, S, L, best_m) or _probe_marks(P, S, L, base):
        return _apply(P, S, L)
    return 0


@_leaf
def _settle(P, S, L):  # type: ignore[no-untyped-def]
    """Apply the bounds at depth ``L`` (see the module docstring); False when the node is empty."""
    for _ in range(_SUM_ROUNDS):
        if not _propagate(P, S, L):
            return False
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
    alive, cnt, isset, keys, slacks = S.alive, S.cnt, S.isset, S.keys, S.slacks
    off, DT = P.off, P.DT
    best = -1
    for d in range(cnt.shape[1]):
        if not isset[d] and (best < 0 or cnt[L, d] < cnt[L, best]):
            best = d
    low = cnt[L, best]
    if low == 1:
        return best
    top = -1.0
    first = best
    for d in range(first, cnt.shape[1]):
        if isset[d] or cnt[L, d] != low:
            continue
        score = 0.0
        for i in range(S.meta[0]):
            c = keys[i]
            mx = _NEG
            mn = -_NEG
            for w in range(off[d], off[d + 1]):
                if alive[L, w]:
                    mx = max(mx, DT[w, c])
                    mn = min(mn, DT[w, c])
            score += (mx - mn) / (1.0 + slacks[i])
        if score > top:
            top = score
            best = d
    return best


@_leaf
def _descend(P, S, L, d, w):  # type: ignore[no-untyped-def]
    """Depth ``L + 1`` := depth ``L`` with descriptor ``d`` assigned to variant ``w``."""
    alive, cnt, R, buf = S.alive, S.cnt, S.R, S.buf
    off, cbeg, cend = P.off, P.cbeg, P.cend
    _copy_level(alive, L)
    _copy_level(cnt, L)
    _copy_level(R, L)
    _max_rows(P.DT, alive, L, off[d], off[d + 1], buf)
    for c in range(cbeg[d]):
        R[L + 1, c] -= buf[c]
    for c in range(cend[d], R.shape[1]):
        R[L + 1, c] -= buf[c]
    for v in range(off[d], off[d + 1]):
        alive[L + 1, v] = 0
    alive[L + 1, w] = 1
    cnt[L + 1, d] = 1
    S.isset[d] = True
    _add_row(S.theta, P.M, w, 1)


@_leaf
def _ascend(P, S, d, w):  # type: ignore[no-untyped-def]
    """Undo the assignment of descriptor ``d`` to ``w`` (the per-depth arrays need no undo)."""
    _add_row(S.theta, P.M, w, -1)
    S.isset[d] = False


@_leaf
def _root(P, S):  # type: ignore[no-untyped-def]
    """Depth 0: the single-variant descriptors assigned, every other allowed variant alive."""
    alive, cnt, R, buf = S.alive, S.cnt, S.R, S.buf
    alive0, off, cbeg, cend = P.alive0, P.off, P.cbeg, P.cend
    for w in range(alive0.shape[0]):
        alive[0, w] = alive0[w]
    for c in range(R.shape[1]):
        R[0, c] = 0
    for d in range(cnt.shape[1]):
        cnt[0, d] = 0
        for w in range(off[d], off[d + 1]):
            cnt[0, d] += alive0[w]
            if d < P.n_pre and alive0[w]:
                _add_row(S.theta, P.M, w, 1)
        if d < P.n_pre:
            S.isset[d] = True
            continue
        _max_rows(P.DT, alive, 0, off[d], off[d + 1], buf)
        for c in range(cbeg[d]):
            R[0, c] += buf[c]
        for c in range(cend[d], R.shape[1]):
            R[0, c] += buf[c]


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
            _ascend(P, S, at[depth], z[at[depth]])
            continue
        if nodes >= limit:
            return -1, nodes
        _descend(P, S, depth, d, w)
        nodes += 1
        if _settle(P, S, depth + 1):
            z[d] = w
            path[depth] = w - off[d]
            depth += 1
            pos[depth] = 0
            if depth < depth_max:
                at[depth] = _choose(P, S, depth)
        else:
            _ascend(P, S, d, w)
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
    _root(P, S)
    for d in range(P.n_pre):
        for w in range(P.off[d], P.off[d + 1]):
            if P.alive0[w]:
                z[d] = w
    nodes = 1
    if not _settle(P, S, 0):
        return 0, nodes
    base = prefix.shape[0]
    for L in range(base):
        d = _choose(P, S, L)
        w = P.off[d] + prefix[L]
        if not S.alive[L, w]:
            return 0, nodes
        _descend(P, S, L, d, w)
        nodes += 1
        if not _settle(P, S, L + 1):
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
        P.M.copy(),
        P.off.copy(),
        P.DT.copy(),
        P.ce.copy(),
        P.cx.copy(),
        P.cl.copy(),
        P.cbeg.copy(),
        P.cend.copy(),
        P.xbeg.copy(),
        P.xend.copy(),
        P.spread.copy(),
        P.gap.copy(),
    )


@njit(cache=True, parallel=True)
def search_batch(P, prefixes, stop, out, starts, caps, found, nodes):  # type: ignore[no-untyped-def]
    """Run :func:`search_task` below every prefix in parallel (no node limit).

    Task ``i`` writes at most ``caps[i]`` rows to ``out[starts[i]:]`` and its counts to
    ``found[i]`` and ``nodes[i]``.
    """
    for i in prange(prefixes.shape[0]):
        view = out[starts[i] : starts[i] + caps[i]]
        f, k = search_task(_private(P), prefixes[i], stop, view, np.int64(1) << 62)
        found[i] = f
        nodes[i] = k
