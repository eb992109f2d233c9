"""Property tests of the exact CIB engine against the naive reference and CIB's invariances."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import naive_cib
from conftest import Matrix, cib_cases, cib_cases_with_fixed, model_from_matrix
from scenarist.engines.cib import evaluate, explain, find_scenarios, impact_scores, parse_scenario
from scenarist.errors import EngineError

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

Figures = dict[tuple[int, ...], tuple[int, int, int]]
Case = tuple[tuple[int, ...], Matrix]
FixedCase = tuple[tuple[int, ...], Matrix, dict[int, int]]


def engine(
    counts: tuple[int, ...],
    matrix: Matrix,
    tolerance: int = 0,
    fixed: dict[str, str] | None = None,
) -> Figures:
    """Engine result as scenario → (CV, IC, TIS)."""
    result = find_scenarios(model_from_matrix(counts, matrix), tolerance=tolerance, fixed=fixed)
    out = {s.indices: (s.consistency_value, s.inconsistency, s.total_impact_score) for s in result.scenarios}
    assert len(out) == len(result.scenarios), "a scenario is listed twice"
    return out


def permute_descriptors(counts: tuple[int, ...], matrix: Matrix, perm: list[int]) -> Case:
    """New descriptor k is old descriptor perm[k]."""
    off = naive_cib.offsets_of(counts)
    flat = [off[old] + i for old in perm for i in range(counts[old])]  # new flat index -> old flat index
    return tuple(counts[p] for p in perm), [[matrix[r][c] for c in flat] for r in flat]


def permute_variants(counts: tuple[int, ...], matrix: Matrix, k: int, perm: list[int]) -> Matrix:
    """New variant i of descriptor k is old variant perm[i]."""
    off = naive_cib.offsets_of(counts)
    flat = list(range(off[-1]))
    for i, old in enumerate(perm):
        flat[off[k] + i] = off[k] + old
    return [[matrix[r][c] for c in flat] for r in flat]


# ---------------------------------------------------------------- agreement with the reference


@SETTINGS
@given(case=cib_cases(), tolerance=st.sampled_from([0, 1, 2]))
def test_agrees_with_naive_reference(case: Case, tolerance: int) -> None:
    counts, matrix = case
    assert engine(counts, matrix, tolerance) == naive_cib.solve(counts, matrix, tolerance)


@SETTINGS
@given(case=cib_cases(self_impacts=True), tolerance=st.sampled_from([0, 1]))
def test_agrees_with_naive_reference_with_self_impacts(case: Case, tolerance: int) -> None:
    counts, matrix = case
    assert engine(counts, matrix, tolerance) == naive_cib.solve(counts, matrix, tolerance)


@SETTINGS
@given(case=cib_cases(), tolerance=st.sampled_from([0, 1, 2]))
def test_result_order_and_metadata(case: Case, tolerance: int) -> None:
    counts, matrix = case
    model = model_from_matrix(counts, matrix)
    result = find_scenarios(model, tolerance=tolerance)
    keys = [(s.inconsistency, -s.total_impact_score, s.indices) for s in result.scenarios]
    assert keys == sorted(keys)
    size = 1
    for c in counts:
        size *= c
    assert result.scenario_space == size
    assert result.tolerance == tolerance
    assert len(result.consistent()) == sum(1 for s in result.scenarios if s.inconsistency == 0)
    for s in result.scenarios:
        assert s.variants == {f"d{k}": f"v{i}" for k, i in enumerate(s.indices)}
        assert s.inconsistency == max(0, -s.consistency_value) <= tolerance


@SETTINGS
@given(case=cib_cases_with_fixed(), tolerance=st.sampled_from([0, 1, 2]))
def test_fixed_descriptors_agree_with_naive_filtering(case: FixedCase, tolerance: int) -> None:
    counts, matrix, fixed = case
    by_id = {f"d{k}": f"v{i}" for k, i in fixed.items()}
    got = engine(counts, matrix, tolerance, fixed=by_id)
    assert got == naive_cib.solve(counts, matrix, tolerance, fixed=fixed)
    assert all(z[k] == i for z in got for k, i in fixed.items())


@SETTINGS
@given(case=cib_cases())
def test_evaluate_and_impact_scores_agree_with_naive(case: Case) -> None:
    counts, matrix = case
    model = model_from_matrix(counts, matrix)
    for z in naive_cib.all_scenarios(counts)[:64]:
        s = evaluate(model, z)
        expected = naive_cib.figures(counts, matrix, z)
        assert (s.consistency_value, s.inconsistency, s.total_impact_score) == expected
        flat = [x for row in naive_cib.theta(counts, matrix, z) for x in row]
        assert impact_scores(model, z).tolist() == flat


# ---------------------------------------------------------------- invariances


@SETTINGS
@given(case=cib_cases(), data=st.data(), tolerance=st.sampled_from([0, 1]))
def test_permuting_descriptors_permutes_results(case: Case, data: st.DataObject, tolerance: int) -> None:
    counts, matrix = case
    perm = data.draw(st.permutations(range(len(counts))))
    new_counts, new_matrix = permute_descriptors(counts, matrix, perm)
    before = engine(counts, matrix, tolerance)
    after = engine(new_counts, new_matrix, tolerance)
    assert after == {tuple(z[p] for p in perm): figs for z, figs in before.items()}


@SETTINGS
@given(case=cib_cases(), data=st.data(), tolerance=st.sampled_from([0, 1]))
def test_permuting_variants_permutes_results(case: Case, data: st.DataObject, tolerance: int) -> None:
    counts, matrix = case
    k = data.draw(st.integers(0, len(counts) - 1))
    perm = data.draw(st.permutations(range(counts[k])))
    new_matrix = permute_variants(counts, matrix, k, perm)
    before = engine(counts, matrix, tolerance)
    after = engine(counts, new_matrix, tolerance)
    inverse = {old: new for new, old in enumerate(perm)}
    expected = {(*z[:k], inverse[z[k]], *z[k + 1 :]): figs for z, figs in before.items()}
    assert after == expected


@SETTINGS
@given(case=cib_cases(), data=st.data(), tolerance=st.sampled_from([0, 1, 2]))
def test_shifting_one_judgment_group_keeps_the_set(case: Case, data: st.DataObject, tolerance: int) -> None:
    """Adding c to source variant r's impacts on every variant of another descriptor j changes no margin."""
    counts, matrix = case
    off = naive_cib.offsets_of(counts)
    r = data.draw(st.integers(0, off[-1] - 1), label="source variant")
    source_desc = next(k for k in range(len(counts)) if off[k] <= r < off[k + 1])
    j = data.draw(st.sampled_from([k for k in range(len(counts)) if k != source_desc]), label="target")
    c = data.draw(st.integers(-5, 5).filter(bool), label="constant")
    shifted = [row[:] for row in matrix]
    for col in range(off[j], off[j + 1]):
        shifted[r][col] += c
    before = engine(counts, matrix, tolerance)
    after = engine(counts, shifted, tolerance)
    assert set(after) == set(before)
    for z, (cv, ic, tis) in before.items():
        # margins (CV, IC) are untouched; TIS moves by c exactly when r is part of the scenario
        assert after[z] == (cv, ic, tis + (c if off[source_desc] + z[source_desc] == r else 0))


# ---------------------------------------------------------------- explain and parse_scenario


@SETTINGS
@given(case=cib_cases(), data=st.data())
def test_explain_agrees_with_evaluate(case: Case, data: st.DataObject) -> None:
    counts, matrix = case
    model = model_from_matrix(counts, matrix)
    z = tuple(data.draw(st.integers(0, c - 1)) for c in counts)
    balance = explain(model, z)
    scenario = evaluate(model, z)
    assert balance.scenario == scenario
    assert [d.descriptor for d in balance.descriptors] == [f"d{k}" for k in range(len(counts))]
    naive_theta = naive_cib.theta(counts, matrix, z)
    naive_margins = naive_cib.margins(counts, matrix, z)
    for k, d in enumerate(balance.descriptors):
        assert d.chosen == f"v{z[k]}"
        assert d.scores == {f"v{i}": naive_theta[k][i] for i in range(counts[k])}
        assert d.margin == (naive_margins[k] if naive_margins[k] is not None else 0)
        assert d.inconsistency == max(0, -d.margin)
        assert d.scores[d.chosen] - d.margin == max(
            (s for v, s in d.scores.items() if v != d.chosen), default=d.scores[d.chosen]
        )
    rivals = [d.margin for d, c in zip(balance.descriptors, counts) if c > 1]
    assert scenario.consistency_value == (min(rivals) if rivals else 0)
    assert scenario.inconsistency == max(d.inconsistency for d in balance.descriptors)
    assert scenario.total_impact_score == sum(d.scores[d.chosen] for d in balance.descriptors)


@SETTINGS
@given(case=cib_cases(), data=st.data())
def test_parse_scenario_accepts_both_forms(case: Case, data: st.DataObject) -> None:
    counts, matrix = case
    model = model_from_matrix(counts, matrix)
    z = tuple(data.draw(st.integers(0, c - 1)) for c in counts)
    assert parse_scenario(model, ",".join(map(str, z))) == z
    assert parse_scenario(model, "  " + " ".join(map(str, z)) + " ") == z
    assert parse_scenario(model, ", ".join(map(str, z))) == z
    pairs = [f"d{k}=v{i}" for k, i in enumerate(z)]
    order = data.draw(st.permutations(pairs))
    assert parse_scenario(model, ",".join(order)) == z
    assert parse_scenario(model, " ; ".join(order)) == z
    assert parse_scenario(model, ", ".join(p.replace("=", " = ") for p in pairs)) == z


@pytest.fixture(scope="module")
def model_3x3():
    return model_from_matrix((3, 2, 3), [[0] * 8 for _ in range(8)])


@pytest.mark.parametrize(
    "text",
    [
        "",
        "0,1",  # too few
        "0,1,2,0",  # too many
        "0,2,0",  # variant 2 of a 2-variant descriptor
        "3,0,0",  # out of range
        "-1,0,0",  # negative
        "0,1,x",
        "0.0,1,2",
        "d0=v0,d1=v1",  # missing descriptor
        "d0=v0,d1=v1,d2=v9",  # unknown variant
        "d0=v0,d1=v1,d2=v2,d9=v0",  # unknown descriptor
        "d0=v0,d1=v1,d2",  # a pair without '='
        "d0=v0,d1=v1,=v2",  # a pair without a descriptor
        "d0=v0,d0=v1,d1=v0,d2=v0",  # one descriptor given two different variants
    ],
)
def test_parse_scenario_rejects_bad_input(model_3x3, text: str) -> None:
    with pytest.raises(EngineError):
        parse_scenario(model_3x3, text)


def test_engine_rejects_bad_options(model_3x3) -> None:
    with pytest.raises(EngineError):
        find_scenarios(model_3x3, tolerance=-1)
    with pytest.raises(EngineError):
        find_scenarios(model_3x3, solver="no-such-solver")
    with pytest.raises(EngineError):
        find_scenarios(model_3x3, fixed={"d9": "v0"})
    with pytest.raises(EngineError):
        find_scenarios(model_3x3, fixed={"d0": "v9"})
    with pytest.raises(EngineError):
        evaluate(model_3x3, (0, 2, 0))


def test_named_scenarios_are_reported() -> None:
    counts = (2, 2)
    # each variant of d0 promotes the same-numbered variant of d1 and vice versa: 00 and 11 consistent
    matrix = [[0, 0, 2, -2], [0, 0, -2, 2], [2, -2, 0, 0], [-2, 2, 0, 0]]
    named = {"low": {"d0": "v0"}, "any_high": {"d1": ["v1"]}, "both": {"d0": ["v0", "v1"]}}
    model = model_from_matrix(counts, matrix, named)
    result = find_scenarios(model)
    # families partition: both scenarios also match the core of "both", but a tie goes to the family listed first
    assert {s.indices: s.named for s in result.scenarios} == {
        (0, 0): ("low",),
        (1, 1): ("any_high",),
    }
    assert result.named_counts() == {"low": 1, "any_high": 1, "both": 0, "": 0}
