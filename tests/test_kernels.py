"""The compiled kernels against the pure-Python reference (tests/naive_cib.py), called directly."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import naive_cib
from conftest import cib_cases
from scenarist.engines._core_kernels import decode, encode, theta_move, theta_sum
from scenarist.engines._succession_kernels import CYCLE, OVERFLOW
from scenarist.engines._uncertainty_kernels import draw_and_settle, settle_rows

MAX_STEPS = 64


def _expected(counts: tuple[int, ...], end: tuple[int, ...] | str) -> int:
    if end == "cycle":
        return CYCLE
    if end == "overflow":
        return OVERFLOW
    assert isinstance(end, tuple)
    return int(np.ravel_multi_index(end, counts))


SettleCase = tuple[tuple[int, ...], list[list[int]], list[tuple[int, ...]], set[int]]
"""(variant counts, flat matrix, start scenarios, fixed descriptors)."""


@st.composite
def settle_cases(draw: st.DrawFn) -> SettleCase:
    counts, matrix = draw(cib_cases(max_descriptors=5, max_variants=3))
    starts = draw(st.lists(st.tuples(*(st.integers(0, c - 1) for c in counts)), min_size=1, max_size=12))
    fixed = draw(st.sets(st.integers(0, len(counts) - 1), max_size=len(counts) - 1))
    return counts, matrix, starts, fixed


def _arrays(counts: tuple[int, ...], matrix: list[list[int]], fixed: set[int]) -> tuple[np.ndarray, ...]:
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    movable = np.array([k not in fixed for k in range(len(counts))], dtype=np.bool_)
    return np.array(matrix, dtype=np.int64), offsets, np.array(counts, dtype=np.int64), movable


@settings(max_examples=80, deadline=None)
@given(settle_cases())
def test_settle_rows_matches_the_reference(
    case: tuple[tuple[int, ...], list[list[int]], list[tuple[int, ...]], set[int]],
) -> None:
    counts, matrix, starts, fixed = case
    M, offsets, radix, movable = _arrays(counts, matrix, fixed)
    out = np.empty(len(starts), dtype=np.int64)
    settle_rows(M, offsets, radix, movable, np.array(starts, dtype=np.int64), np.int64(MAX_STEPS), out)
    expected = [_expected(counts, naive_cib.settle(counts, matrix, z, tuple(fixed), MAX_STEPS)) for z in starts]
    assert out.tolist() == expected


@settings(max_examples=60, deadline=None)
@given(settle_cases(), st.data())
def test_monte_carlo_settle_matches_the_reference(case: SettleCase, data: st.DataObject) -> None:
    """Each draw perturbs the stated cells, then settles from its own start: as the reference does by hand."""
    counts, matrix, starts, fixed = case
    M, offsets, radix, movable = _arrays(counts, matrix, fixed)
    rows, cols = np.nonzero(M)
    deltas = np.array(
        [data.draw(st.lists(st.integers(-2, 2), min_size=len(rows), max_size=len(rows))) for _ in starts],
        dtype=np.int64,
    ).reshape(len(starts), len(rows))
    out = np.empty(len(starts), dtype=np.int64)
    draw_and_settle(
        M, rows.astype(np.int64), cols.astype(np.int64), deltas, offsets, radix, movable,
        np.array(starts, dtype=np.int64), np.int64(MAX_STEPS), out,
    )  # fmt: skip
    expected = []
    for d, z in enumerate(starts):
        drawn = [row[:] for row in matrix]
        for c, (r, k) in enumerate(zip(rows.tolist(), cols.tolist())):
            drawn[r][k] = matrix[r][k] + int(deltas[d, c])
        expected.append(_expected(counts, naive_cib.settle(counts, drawn, z, tuple(fixed), MAX_STEPS)))
    assert out.tolist() == expected


@settings(max_examples=60, deadline=None)
@given(cib_cases(max_descriptors=5, max_variants=4), st.data())
def test_shared_building_blocks(case: tuple[tuple[int, ...], list[list[int]]], data: st.DataObject) -> None:
    """θ sum, θ move and mixed-radix encode/decode agree with the reference and with each other."""
    counts, matrix = case
    M, offsets, radix, _ = _arrays(counts, matrix, set())
    z = np.array(data.draw(st.tuples(*(st.integers(0, c - 1) for c in counts))), dtype=np.int64)
    theta = np.zeros(M.shape[1], dtype=np.int64)
    theta_sum(M, offsets, z, theta)
    assert theta.tolist() == [s for scores in naive_cib.theta(counts, matrix, z.tolist()) for s in scores]
    k = data.draw(st.integers(0, len(counts) - 1))
    new = data.draw(st.integers(0, counts[k] - 1))
    theta_move(M, theta, offsets[k] + z[k], offsets[k] + new)
    z[k] = new
    assert theta.tolist() == [s for scores in naive_cib.theta(counts, matrix, z.tolist()) for s in scores]
    flat = encode(z, radix)
    assert flat == np.ravel_multi_index(tuple(z.tolist()), counts)
    back = np.zeros_like(z)
    decode(flat, radix, back)
    assert back.tolist() == z.tolist()
