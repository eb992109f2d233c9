"""Matrix transformations, ensembles and interventions."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings

from conftest import cib_cases
from scenarist.engines.cib import find_scenarios
from scenarist.engines.ensembles import evaluate_ensemble
from scenarist.engines.interventions import compare_intervention
from scenarist.errors import EngineError
from scenarist.model import compile_model, parse_model
from scenarist.model.build import model_from_matrix
from scenarist.model.compile import compile_members
from scenarist.model.schema import Model
from scenarist.model.transform import multiply, standardize, transpose


def _model(counts: tuple[int, ...], matrix: list[list[int]]) -> Model:
    specs = [(f"D{k}", None, [(f"V{i}", None) for i in range(c)]) for k, c in enumerate(counts)]
    return model_from_matrix(id="m", title="M", descriptors=specs, matrix=np.array(matrix, dtype=np.int64))


def _consistent(model: Model) -> set[tuple[int, ...]]:
    return {s.indices for s in find_scenarios(compile_model(model)).scenarios}


@settings(max_examples=60, deadline=None)
@given(cib_cases(self_impacts=False))
def test_standardize_sums_to_zero_and_keeps_the_consistent_set(case: tuple[tuple[int, ...], list[list[int]]]) -> None:
    counts, matrix = case
    model = _model(counts, matrix)
    std = compile_model(standardize(model))
    off = std.offsets.tolist()
    for e in range(len(counts)):
        assert not std.matrix[:, off[e] : off[e + 1]].sum(axis=1).any()
    assert _consistent(standardize(model)) == _consistent(model)


@settings(max_examples=60, deadline=None)
@given(cib_cases())
def test_transpose_twice_is_identity_and_multiply_by_positive_integer_keeps_set(
    case: tuple[tuple[int, ...], list[list[int]]],
) -> None:
    counts, matrix = case
    model = _model(counts, matrix)
    once = compile_model(transpose(model)).matrix
    assert (once == np.array(matrix).T).all()
    assert (compile_model(transpose(transpose(model))).matrix == np.array(matrix)).all()
    assert _consistent(multiply(model, 3)) == _consistent(model)


def test_multiply_rounds_half_away_from_zero() -> None:
    model = _model((2, 2), [[0, 0, 1, -1], [0, 0, 3, -3], [2, 0, 0, 0], [0, 0, 0, 0]])
    got = compile_model(multiply(model, 0.5)).matrix
    assert got.tolist() == [[0, 0, 1, -1], [0, 0, 2, -2], [1, 0, 0, 0], [0, 0, 0, 0]]
    with pytest.raises(EngineError):
        multiply(model, 0)


def test_transpose_keeps_rationales_with_their_cell() -> None:
    text = """
scenarist: 1
id: t
title: T
descriptors:
  - {id: a, name: A, variants: [{id: x, name: X}, {id: y, name: Y}]}
  - {id: b, name: B, variants: [{id: x, name: X}, {id: y, name: Y}]}
judgments:
  - {from: a.x, to: b.y, impact: 2, rationale: why, confidence: 2}
"""
    flipped = transpose(parse_model(text))
    (j,) = flipped.judgments
    assert (j.source, j.target, j.impact, j.rationale, j.confidence) == ("b.y", "a.x", 2, "why", 2)


ENSEMBLE = """
scenarist: 1
id: ens
title: Ensemble
descriptors:
  - {id: a, name: A, variants: [{id: x, name: X}, {id: y, name: Y}]}
  - {id: b, name: B, variants: [{id: x, name: X}, {id: y, name: Y}]}
judgment_sets:
  - id: alice
    name: Alice
    judgments:
      - {from: a.x, to: b.x, impact: 3}
      - {from: b.x, to: a.x, impact: 3}
      - {from: a.y, to: b.x, impact: 1}
  - id: bob
    name: Bob
    judgments:
      - {from: a.y, to: b.y, impact: 1}
      - {from: b.y, to: a.y, impact: 1}
      - {from: a.x, to: b.y, impact: 1}
"""


def test_ensemble_counts_members_and_uses_the_mean_matrix() -> None:
    result = evaluate_ensemble(compile_members(parse_model(ENSEMBLE)))
    by_key = {r.scenario.indices: r for r in result.scenarios}
    # alice: (x,x) only ((y,y) loses: b prefers x under a.y); bob: (y,y) only.
    assert {k for k, r in by_key.items() if "alice" in r.members} == {(0, 0)}
    assert {k for k, r in by_key.items() if "bob" in r.members} == {(1, 1)}
    # mean (sum) matrix: a.x->b.x 3, a.x->b.y 1, a.y->b.x 1, a.y->b.y 1, b.x->a.x 3, b.y->a.y 1
    assert {s.indices for s in result.mean.scenarios} == {(0, 0), (1, 1)}
    assert all(r.in_mean for r in result.scenarios)
    with pytest.raises(EngineError):
        evaluate_ensemble({})


@settings(max_examples=40, deadline=None)
@given(cib_cases(self_impacts=False))
def test_intervention_partitions_free_and_forced_sets(case: tuple[tuple[int, ...], list[list[int]]]) -> None:
    counts, matrix = case
    model = compile_model(_model(counts, matrix))
    fixed = {model.descriptor_ids[0]: model.variant_ids[0][-1]}
    diff = compare_intervention(model, fixed)
    free = {s.indices for s in diff.free.scenarios}
    forced = {s.indices for s in diff.forced.scenarios}
    assert {s.indices for s in diff.remain} == free & forced
    assert {s.indices for s in diff.vanish} == free - forced
    assert {s.indices for s in diff.appear} == forced - free
    assert all(k[0] == counts[0] - 1 for k in forced)
