"""Editing judgments in a YAML model file in place: comments, order and untouched lines kept.

Also the service layer's recomputation (the numbers of ``scenarist probabilities``) and saving
(the diff shown first, a stale diff refused, the written file checked and loaded again).
"""

from __future__ import annotations

import difflib
import shutil
from pathlib import Path

import pytest

from scenarist.errors import ConflictError, InputError
from scenarist.model import compile_model, load_model
from scenarist.model.load import bundled_models, parse_model
from scenarist.model.roundtrip import apply_edits, edit_judgments, parse_edits, text_digest
from scenarist.service import DEFAULTS, check_model, prior_of, standing_of
from scenarist.service.editing import editable_reason, evaluate_edits, outcome_of, plan_save, save_edits

BUNDLED = bundled_models()["us-russia-2025"]

SMALL = """\
# A small model: comments, odd key order and quoting must survive an edit.
scenarist: 1
id: small   # the id
title: "Small model"
sources:
  - {id: memo, title: A memo}
descriptors:
  - id: a
    name: A
    variants: [{id: a1, name: A one}, {id: a2, name: A two}]
  - id: b
    name: B
    variants: [{id: b1, name: B one}, {id: b2, name: B two}]
judgments:
  # --- from a ---
  - from: a.a1
    to: b.b1
    impact: 2   # strong
    rationale: 'kept: quoted'
    sources: [memo]

  - to: b.b2       # key order differs on purpose
    from: a.a2
    impact: 1

  # --- from b ---
  - {from: b.b1, to: a.a1, impact: 1}
  - from: b.b2
    to: a.a2
    impact: -1
    confidence: 4

# The end.
scenarios:
  - {id: one, name: One, core: {a: a1}}
"""


def _changed_lines(old: str, new: str) -> tuple[list[str], list[str]]:
    removed, added = [], []
    for line in difflib.unified_diff(old.splitlines(), new.splitlines(), lineterm="", n=0):
        if line.startswith("-") and not line.startswith("---"):
            removed.append(line[1:])
        elif line.startswith("+") and not line.startswith("+++"):
            added.append(line[1:])
    return removed, added


def test_changing_an_impact_rewrites_only_that_line_and_keeps_its_comment() -> None:
    model = parse_model(SMALL)
    new = edit_judgments(SMALL, parse_edits([{"from": "a.a1", "to": "b.b1", "impact": -3}], model))
    assert _changed_lines(SMALL, new) == (["    impact: 2   # strong"], ["    impact: -3   # strong"])
    assert parse_model(new).judgments[0].impact == -3
    assert parse_model(new).judgments[0].rationale == "kept: quoted"  # a left-out field keeps its value


def test_every_comment_and_the_key_order_survive_several_edits() -> None:
    model = parse_model(SMALL)
    edits = parse_edits(
        [
            {
                "from": "a.a2",
                "to": "b.b2",
                "impact": 2,
                "confidence": 5,
                "rationale": "now firmer",
                "sources": ["memo"],
            },
            {"from": "b.b1", "to": "a.a1", "impact": 3},  # a flow-style item stays one flow line
            {"from": "b.b2", "to": "a.a2", "confidence": None},  # a field cleared
            {"from": "a.a1", "to": "b.b2", "impact": -1, "rationale": "new cell"},  # appended
        ],
        model,
    )
    new = edit_judgments(SMALL, edits)
    old_comments = [line for line in SMALL.splitlines() if "#" in line and "impact: 2" not in line]
    for line in old_comments:
        assert line in new.splitlines(), f"lost: {line!r}"
    assert "  - to: b.b2       # key order differs on purpose\n    from: a.a2\n    impact: 2\n" in new
    assert "  - {from: b.b1, to: a.a1, impact: 3}\n" in new
    removed, added = _changed_lines(SMALL, new)
    assert sorted(removed) == sorted(["    impact: 1", "  - {from: b.b1, to: a.a1, impact: 1}", "    confidence: 4"])
    assert added[:4] == ["    impact: 2", "    confidence: 5", "    rationale: now firmer", "    sources: [memo]"]
    assert "  - from: a.a1" in added and "    to: b.b2" in added and "    rationale: new cell" in added
    # The new judgment goes after the last one, before the comments that open the next section.
    assert new.index("rationale: new cell") < new.index("# The end.")
    reread = parse_model(new)
    assert reread.judgments == apply_edits(model, edits).judgments


def test_removing_a_judgment_removes_its_lines_only() -> None:
    model = parse_model(SMALL)
    new = edit_judgments(SMALL, parse_edits([{"from": "a.a2", "to": "b.b2", "impact": 0}], model))
    removed, added = _changed_lines(SMALL, new)
    assert added == []
    assert removed == ["  - to: b.b2       # key order differs on purpose", "    from: a.a2", "    impact: 1", ""]
    assert len(parse_model(new).judgments) == 3
    assert "  # --- from b ---" in new


def test_the_bundled_model_changes_in_the_edited_judgment_only() -> None:
    text = BUNDLED.read_text(encoding="utf-8")
    model = parse_model(text)
    j = model.judgments[10]
    edits = parse_edits([{"from": j.source, "to": j.target, "impact": j.impact + 1}], model)
    new = edit_judgments(text, edits)
    removed, added = _changed_lines(text, new)
    assert removed == [f"    impact: {j.impact}"] and added == [f"    impact: {j.impact + 1}"]


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        ({"impact": "strong"}, "judgment a.a1 -> b.b1: impact must be an integer"),
        ({"impact": 2**31}, "judgment a.a1 -> b.b1: impact must be an integer from -2,147,483,647 to 2,147,483,647"),
        ({"impact": 1.5}, "judgment a.a1 -> b.b1: impact must be an integer"),
        ({"impact": True}, "judgment a.a1 -> b.b1: impact must be an integer"),
        ({"confidence": 9}, "judgment a.a1 -> b.b1: confidence must be an integer from 1 to 5, got 9"),
        ({"sources": ["nowhere#2"]}, "judgment a.a1 -> b.b1: sources names an unknown source 'nowhere#2'"),
        ({"to": "a.a2"}, "judgment a.a1 -> a.a2: to is a variant of the same descriptor"),
        ({"to": "b.b9"}, "edits[0]: to must name a variant of the model"),
        ({"weight": 1}, "edits[0]: unknown field 'weight'"),
    ],
)
def test_invalid_edits_are_refused_naming_the_cell_and_the_field(edit: dict[str, object], message: str) -> None:
    model = parse_model(SMALL)
    with pytest.raises(InputError) as err:
        parse_edits([{"from": "a.a1", "to": "b.b1", **edit}], model)
    assert message in str(err.value)


def test_evaluation_gives_the_numbers_of_scenarist_probabilities() -> None:
    model = load_model("us-russia-2025")
    j = model.judgments[0]
    edits = parse_edits([{"from": j.source, "to": j.target, "impact": 3}], model)
    evaluation = evaluate_edits(model, edits)
    edited = apply_edits(model, edits)
    c = compile_model(edited)
    expected = standing_of(edited, c, prior_of(c, DEFAULTS), [], DEFAULTS).before.as_mapping()
    assert {f: p for f, _, p in evaluation.edited.families} == pytest.approx(dict(expected), abs=1e-12)
    saved = outcome_of(model)
    assert {f: p for f, _, p in evaluation.saved.families} == {f: p for f, _, p in saved.families}
    assert evaluation.edited.families != evaluation.saved.families
    assert evaluation.changed == ((j.source, j.target, j.impact, 3),)
    names = {s.id: s.name for s in model.scenarios} | {"none_of_these": "None of these"}
    assert all(s.family_name == names[s.family] for s in evaluation.edited.consistent)
    assert evaluation.edited.consistent_count >= len(evaluation.edited.consistent)


def test_saving_shows_the_diff_writes_the_file_and_refuses_a_stale_diff(tmp_path: Path) -> None:
    path = tmp_path / "model.yaml"
    shutil.copyfile(BUNDLED, path)
    before = path.read_text(encoding="utf-8")
    model = load_model(path)
    j = model.judgments[3]
    raw = [{"from": j.source, "to": j.target, "impact": -2, "rationale": "Reconsidered in the workshop."}]
    plan = plan_save(path, raw)
    assert path.read_text(encoding="utf-8") == before  # the diff alone writes nothing
    assert plan.base_digest == text_digest(before)
    assert f"-    impact: {j.impact}\n" in plan.diff and "+    impact: -2\n" in plan.diff
    old_lines, new_lines = before.splitlines(), plan.text.splitlines()
    assert len(old_lines) == len(new_lines)
    changed = [(o, n) for o, n in zip(old_lines, new_lines) if o != n]
    assert changed == [(f"    impact: {j.impact}", "    impact: -2"),
                       (f"    rationale: {j.rationale}", "    rationale: Reconsidered in the workshop.")]  # fmt: skip
    _plan, loaded = save_edits(path, raw, plan.base_digest)
    assert path.read_text(encoding="utf-8") == plan.text
    assert loaded.model.judgments[3].impact == -2
    check_model(path)  # what `scenarist check` runs: no error
    with pytest.raises(ConflictError, match="changed on disk since the diff was shown"):
        save_edits(path, [{"from": j.source, "to": j.target, "impact": 1}], plan.base_digest)


def test_a_bundled_or_non_yaml_model_is_not_saved(tmp_path: Path) -> None:
    assert "bundled" in (editable_reason(BUNDLED) or "")
    other = tmp_path / "model.json"
    other.write_text("{}", encoding="utf-8")
    assert "not a YAML model file" in (editable_reason(other) or "")
    with pytest.raises(InputError, match="cannot be edited in place"):
        plan_save(BUNDLED, [])


@pytest.mark.parametrize(
    "rationale",
    [
        "colon: then # hash",
        "- starts like a list item",
        "'quoted' and \"double\" quotes",
        "two lines\nof text",
        "ünïcödé — and a tab\there",
        "[looks, like, flow]",
        "yes",
        "123",
    ],
)
def test_any_rationale_reads_back_as_written(rationale: str) -> None:
    model = parse_model(SMALL)
    for cell in ({"from": "a.a1", "to": "b.b1"}, {"from": "b.b1", "to": "a.a1"}, {"from": "a.a1", "to": "b.b2"}):
        edits = parse_edits([{**cell, "impact": 1, "rationale": rationale}], model)
        new = edit_judgments(SMALL, edits)
        (j,) = [j for j in parse_model(new).judgments if (j.source, j.target) == (cell["from"], cell["to"])]
        assert j.rationale == rationale


def test_removing_the_first_judgment_of_a_section_keeps_its_header_next_to_the_next_one() -> None:
    model = parse_model(SMALL)
    new = edit_judgments(SMALL, parse_edits([{"from": "a.a1", "to": "b.b1", "impact": None}], model))
    assert "  # --- from a ---\n  - to: b.b2       # key order differs on purpose\n" in new
