"""Succession: fixed points are the consistent scenarios, paths follow the rule, tie rules, fixed descriptors."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import Matrix, cib_cases, cib_cases_with_fixed, model_from_matrix
from naive_cib import all_scenarios, solve, theta
from scenarist.engines.succession import global_step, local_step, succession
from scenarist.errors import EngineError

State = tuple[int, ...]
small_cases = cib_cases(max_descriptors=4, max_variants=3)


def naive_global(counts: Sequence[int], matrix: Matrix, z: State, fixed: Sequence[int] = ()) -> State:
    """Every movable descriptor at once: keep the current variant if maximal, else the lowest-index maximum."""
    th = theta(counts, matrix, z)
    out = list(z)
    for j, scores in enumerate(th):
        if j in fixed:
            continue
        top = max(scores)
        if scores[z[j]] != top:
            out[j] = scores.index(top)
    return tuple(out)


def naive_local(counts: Sequence[int], matrix: Matrix, z: State, fixed: Sequence[int] = ()) -> State:
    """The most inconsistent movable descriptor (lowest index on ties) moves to its lowest-index maximum."""
    th = theta(counts, matrix, z)
    gaps = [(max(s) - s[z[j]] if j not in fixed else 0) for j, s in enumerate(th)]
    worst = max(gaps)
    out = list(z)
    if worst > 0:
        j = gaps.index(worst)
        out[j] = th[j].index(max(th[j]))
    return tuple(out)


NAIVE: dict[str, Callable[..., State]] = {"global": naive_global, "local": naive_local}


@settings(max_examples=40, deadline=None)
@given(case=small_cases, rule=st.sampled_from(["global", "local"]))
def test_fixed_points_are_exactly_the_consistent_scenarios(case: tuple[tuple[int, ...], Matrix], rule: str) -> None:
    counts, matrix = case
    model = model_from_matrix(counts, matrix)
    consistent = set(solve(counts, matrix))
    for z in all_scenarios(counts):
        path = succession(model, z, rule=rule)
        is_fixed_point = len(path.path) == 1 and path.attractor == z
        assert is_fixed_point == (z in consistent), (z, rule, path)
        if path.attractor is not None:
            assert path.attractor in consistent
            assert path.cycle == ()


@settings(max_examples=60, deadline=None)
@given(case=cib_cases(), rule=st.sampled_from(["global", "local"]), data=st.data())
def test_path_follows_the_rule_to_an_attractor_or_a_cycle(
    case: tuple[tuple[int, ...], Matrix], rule: str, data: st.DataObject
) -> None:
    counts, matrix = case
    model = model_from_matrix(counts, matrix)
    start = tuple(data.draw(st.integers(0, c - 1)) for c in counts)
    path = succession(model, start, rule=rule)
    step = NAIVE[rule]
    assert path.path[0] == start
    for a, b in zip(path.path, path.path[1:]):
        assert step(counts, matrix, a) == b
    assert len(set(path.path)) == len(path.path)
    consistent = solve(counts, matrix)
    if path.attractor is not None:
        assert path.cycle == ()
        assert path.attractor == path.path[-1]
        assert path.attractor in consistent
        assert step(counts, matrix, path.attractor) == path.attractor
    else:
        assert len(path.cycle) >= 2
        assert path.path[-len(path.cycle) :] == path.cycle
        for i, state in enumerate(path.cycle):
            assert state not in consistent
            assert step(counts, matrix, state) == path.cycle[(i + 1) % len(path.cycle)]


@settings(max_examples=60, deadline=None)
@given(case=cib_cases(), data=st.data())
def test_local_step_moves_the_most_inconsistent_descriptor(
    case: tuple[tuple[int, ...], Matrix], data: st.DataObject
) -> None:
    counts, matrix = case
    model = model_from_matrix(counts, matrix)
    z = tuple(data.draw(st.integers(0, c - 1)) for c in counts)
    movable = np.ones(len(counts), dtype=bool)
    nz = tuple(int(i) for i in local_step(model, np.array(z, dtype=np.int64), movable))
    moved = [k for k in range(len(counts)) if nz[k] != z[k]]
    if z in solve(counts, matrix):
        assert moved == []
    else:
        assert len(moved) == 1
        th = theta(counts, matrix, z)
        gaps = [max(s) - s[z[j]] for j, s in enumerate(th)]
        assert moved[0] == gaps.index(max(gaps))
    assert nz == naive_local(counts, matrix, z)
    gz = tuple(int(i) for i in global_step(model, np.array(z, dtype=np.int64), movable))
    assert gz == naive_global(counts, matrix, z)


@settings(max_examples=60, deadline=None)
@given(case=cib_cases_with_fixed(), rule=st.sampled_from(["global", "local"]), data=st.data())
def test_fixed_descriptors_never_move(
    case: tuple[tuple[int, ...], Matrix, dict[int, int]], rule: str, data: st.DataObject
) -> None:
    counts, matrix, fixed = case
    model = model_from_matrix(counts, matrix)
    start = tuple(data.draw(st.integers(0, c - 1)) for c in counts)
    names = {f"d{k}": f"v{i}" for k, i in fixed.items()}
    path = succession(model, start, rule=rule, fixed=names)
    # the start is forced onto the fixed variants, then every state keeps them
    assert path.path[0] == tuple(fixed.get(k, start[k]) for k in range(len(counts)))
    for state in path.path:
        assert all(state[k] == i for k, i in fixed.items())
    step = NAIVE[rule]
    for a, b in zip(path.path, path.path[1:]):
        assert step(counts, matrix, a, tuple(fixed)) == b
    if path.attractor is not None:
        assert path.attractor in solve(counts, matrix, fixed=fixed)


def test_global_tie_rule_keeps_current_else_lowest_index() -> None:
    # d0 has one variant and pushes d1's variants with [2, 2, 0]; d2's with [0, 3, 3]
    counts = (1, 3, 3)
    matrix = [[0] * 7 for _ in range(7)]
    matrix[0][1:4] = [2, 2, 0]
    matrix[0][4:7] = [0, 3, 3]
    model = model_from_matrix(counts, matrix)
    movable = np.ones(3, dtype=bool)

    def step(z: State) -> State:
        return tuple(int(i) for i in global_step(model, np.array(z, dtype=np.int64), movable))

    assert step((0, 1, 2)) == (0, 1, 2)  # both current variants are among the maxima: kept
    assert step((0, 0, 1)) == (0, 0, 1)
    assert step((0, 2, 0)) == (0, 0, 1)  # not among the maxima: the lowest-index maximum
    assert succession(model, (0, 2, 0)).path == ((0, 2, 0), (0, 0, 1))
    assert succession(model, (0, 1, 2)).path == ((0, 1, 2),)


def test_global_moves_all_at_once_local_one_at_a_time() -> None:
    # d0.v0 -> d1.v1 and d1.v0 -> d0.v1, both +1
    counts = (2, 2)
    matrix = [[0] * 4 for _ in range(4)]
    matrix[0][3] = 1
    matrix[2][1] = 1
    model = model_from_matrix(counts, matrix)
    glob = succession(model, (0, 0), rule="global")
    assert glob.path == ((0, 0), (1, 1))
    assert glob.attractor == (1, 1)
    loc = succession(model, (0, 0), rule="local")
    assert loc.path == ((0, 0), (1, 0))  # tie between d0 and d1: the lowest index moves
    assert loc.attractor == (1, 0)


def test_two_state_cycle_is_reported() -> None:
    # d0.vi pushes d1.vi, d1.vi pushes d0.v(1-i): global succession from (0, 0) goes round four states
    counts = (2, 2)
    matrix = [[0] * 4 for _ in range(4)]
    matrix[0][2] = 1
    matrix[1][3] = 1
    matrix[2][1] = 1
    matrix[3][0] = 1
    model = model_from_matrix(counts, matrix)
    path = succession(model, (0, 0))
    assert path.attractor is None
    assert path.cycle == ((0, 0), (1, 0), (1, 1), (0, 1))
    assert path.to_dict()["attractor"] is None


def test_unknown_rule_is_an_engine_error() -> None:
    model = model_from_matrix((2, 2), [[0] * 4 for _ in range(4)])
    with pytest.raises(EngineError, match="unknown succession rule"):
        succession(model, (0, 0), rule="adiabatic")


def test_bad_start_is_an_engine_error() -> None:
    model = model_from_matrix((2, 2), [[0] * 4 for _ in range(4)])
    with pytest.raises(EngineError):
        succession(model, (0, 2))
    with pytest.raises(EngineError):
        succession(model, (0,))
