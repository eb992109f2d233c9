"""Scenario families: the documented rule, checked against a plain re-implementation, and the partition."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scenarist.engines.bayes import Distribution, posterior
from scenarist.errors import ModelError
from scenarist.model import compile_model, parse_model
from scenarist.model.compile import CompiledModel
from scenarist.model.families import NONE_OF_THESE

COUNTS = (3, 2, 3, 2)


def _model(families: list[dict[str, object]], lenses: list[dict[str, object]], max_distance: int) -> CompiledModel:
    descriptors = [
        {"id": f"d{k}", "name": f"D{k}", "variants": [{"id": f"v{i}", "name": f"V{i}"} for i in range(c)]}
        for k, c in enumerate(COUNTS)
    ]
    scenarios = [{"id": f"f{i}", "name": f"F{i}", **f} for i, f in enumerate(families)]
    scenarios += [{"id": f"l{i}", "name": f"L{i}", "kind": "lens", **x} for i, x in enumerate(lenses)]
    import json

    doc = {
        "scenarist": 1,
        "id": "fam",
        "title": "families",
        "descriptors": descriptors,
        "scenarios": scenarios,
        "families": {"max_distance": max_distance},
    }
    return compile_model(parse_model(json.dumps(doc), file="fam.json"))


def _allowed(assignment: dict[str, object], d: str, v: str) -> bool:
    wanted = assignment[d]
    return v == wanted if isinstance(wanted, str) else v in wanted  # type: ignore[operator]


def _naive_family(scenario: dict[str, str], families: list[dict[str, object]], max_distance: int) -> str | None:
    """The rule of scenarist.model.families, written out plainly."""
    candidates = []
    for i, fam in enumerate(families):
        core: dict[str, object] = fam["core"]  # type: ignore[assignment]
        typical: dict[str, object] = fam.get("typical", {})  # type: ignore[assignment]
        distance = sum(not _allowed(core, d, scenario[d]) for d in core)
        matched = len(core) - distance
        if distance == 0 or (distance <= max_distance and matched > len(core) / 2):
            typ = sum(_allowed(typical, d, scenario[d]) for d in typical)
            candidates.append((distance, -typ, i))
    if not candidates:
        return None
    return f"f{min(candidates)[2]}"


def _assignment(draw: st.DrawFn, size: tuple[int, int]) -> dict[str, object]:
    ds = draw(st.lists(st.integers(0, len(COUNTS) - 1), min_size=size[0], max_size=size[1], unique=True))
    out: dict[str, object] = {}
    for k in ds:
        vs = draw(st.lists(st.integers(0, COUNTS[k] - 1), min_size=1, max_size=COUNTS[k], unique=True))
        out[f"d{k}"] = f"v{vs[0]}" if len(vs) == 1 else [f"v{v}" for v in vs]
    return out


@st.composite
def family_sets(draw: st.DrawFn) -> tuple[list[dict[str, object]], list[dict[str, object]], int]:
    families = []
    for _ in range(draw(st.integers(0, 4))):
        fam: dict[str, object] = {"core": _assignment(draw, (1, 4))}
        if draw(st.booleans()):
            fam["typical"] = _assignment(draw, (1, 3))
        families.append(fam)
    lenses = [{"core": _assignment(draw, (1, 2))} for _ in range(draw(st.integers(0, 2)))]
    return families, lenses, draw(st.integers(0, 2))


ALL = np.array(list(itertools.product(*(range(c) for c in COUNTS))), dtype=np.int64)


@settings(max_examples=150, deadline=None)
@given(family_sets())
def test_family_rule_matches_a_plain_reimplementation(case: tuple[list[dict[str, object]], list, int]) -> None:
    families, lenses, max_distance = case
    model = _model(families, lenses, max_distance)
    labels = model.family_index(ALL)
    for row, label in zip(ALL, labels.tolist()):
        scenario = model.variants_of(row)
        expected = _naive_family(scenario, families, max_distance)
        assert (None if label < 0 else model.named_ids[label]) == expected
        assert model.named_of(row) == (() if expected is None else (expected,))
        held = {
            f"l{i}"
            for i, lens in enumerate(lenses)
            if all(_allowed(lens["core"], d, scenario[d]) for d in lens["core"])
        }  # type: ignore[arg-type,union-attr]
        assert set(model.lenses_of(row)) == held


@settings(max_examples=60, deadline=None)
@given(family_sets(), st.lists(st.floats(0.01, 1.0), min_size=len(ALL), max_size=len(ALL)))
def test_families_and_none_of_these_always_sum_to_one(case: tuple[list, list, int], weights: list[float]) -> None:
    families, lenses, max_distance = case
    model = _model(families, lenses, max_distance)
    post = posterior(model, Distribution.from_counts(ALL, np.array(weights)), [])
    if families:
        assert set(post.named) == {*model.named_ids, NONE_OF_THESE}
        assert sum(post.named.values()) == pytest.approx(1.0, abs=1e-12)
    assert set(post.lenses) == set(model.lens_ids)


def test_membership_names_the_rule_and_the_tie() -> None:
    families = [
        {"core": {"d0": "v0", "d1": "v0", "d2": "v0"}},
        {"core": {"d0": "v0", "d1": "v0", "d2": "v1"}},
        {"core": {"d3": "v1"}},
    ]
    model = _model(families, [], 1)
    assert model.families is not None
    exact = model.families.membership(np.array([0, 0, 0, 0]))
    assert (exact.family, exact.rule, exact.distance, exact.tied_with) == ("f0", "core", 0, ())
    # (v0, v0, v2, v0): one core descriptor off both f0 and f1 -> nearest, tied, the first listed wins
    near = model.families.membership(np.array([0, 0, 2, 0]))
    assert (near.family, near.rule, near.distance, near.tied_with) == ("f0", "nearest", 1, ("f1",))
    # two core descriptors off: more than the threshold -> none of these
    far = model.families.membership(np.array([1, 1, 2, 0]))
    assert (far.family, far.rule) == (None, "none")
    # a one-descriptor core never matches by distance
    assert model.families.membership(np.array([1, 1, 2, 1])).family == "f2"


def test_old_variants_key_is_read_as_core_and_both_are_refused() -> None:
    model = _model([{"variants": {"d0": "v1"}}], [], 0)
    assert model.named_of((1, 0, 0, 0)) == ("f0",)
    with pytest.raises(ModelError, match="not both"):
        _model([{"variants": {"d0": "v1"}, "core": {"d0": "v1"}}], [], 0)
