"""Malformed model files give located errors (file, line, column, field) — in the API and the CLI."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from scenarist.errors import ModelError, ModelErrors
from scenarist.model.compile import compile_model
from scenarist.model.load import bundled_models, load_model, parse_model

# Line numbers of this document are asserted below: edit with care.
BASE = """\
scenarist: 1
id: demo
title: Demo model
sources:
  - id: report
    title: A report
descriptors:
  - id: econ
    name: Economy
    sources: ["report#1-2"]
    variants:
      - id: grow
        name: Growth
      - id: shrink
        name: Recession
  - id: policy
    name: Policy
    variants:
      - id: open
        name: Open
      - id: closed
        name: Closed
judgments:
  - from: econ.grow
    to: policy.open
    impact: 2
    confidence: 4
    sources: [report]
  - from: policy.closed
    to: econ.shrink
    impact: -1
scenarios:
  - id: boom
    name: Boom
    variants:
      econ: grow
      policy: [open, closed]
"""


def edit(line: int, new: str, *, insert: bool = False) -> str:
    """BASE with 1-based ``line`` replaced by ``new`` (or ``new`` inserted before it); '' deletes it."""
    lines = BASE.splitlines()
    assert insert or lines[line - 1], "replacing a blank line: wrong line number?"
    replacement = new.splitlines() if new else []
    lines[line - 1 : line - 1 if insert else line] = replacement
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class Case:
    id: str
    text: str
    line: int
    field: str
    message: str  # a fragment of the expected message (case-insensitive)


CASES = [
    Case("yaml-syntax", edit(3, "title: Demo: model"), 3, "<document>", "not valid yaml"),
    Case("yaml-bad-indent", edit(9, "     name: Economy"), 9, "<document>", "not valid yaml"),
    Case("missing-version", edit(1, ""), 1, "scenarist", "scenarist: 1"),
    Case("wrong-version-2", edit(1, "scenarist: 2"), 1, "scenarist", "version"),
    Case("wrong-version-string", edit(1, "scenarist: '1'"), 1, "scenarist", "version"),
    Case("wrong-version-bool", edit(1, "scenarist: true"), 1, "scenarist", ""),
    Case(
        "unknown-field",
        edit(18, "    colour: red", insert=True),
        18,
        "descriptors[1].colour",
        "unknown field",
    ),
    Case("unknown-top-field", edit(3, "titel: Demo", insert=True), 3, "titel", "unknown field"),
    Case("missing-field", edit(17, ""), 16, "descriptors[1].name", "required field 'name'"),
    Case(
        "duplicate-descriptor",
        edit(
            23,
            "  - id: econ\n    name: Economy again\n    variants:\n      - id: up\n        name: Up",
            insert=True,
        ),
        23,
        "descriptors[2].id",
        "duplicate descriptor id 'econ'",
    ),
    Case(
        "duplicate-variant",
        edit(23, "      - id: open\n        name: Open again", insert=True),
        23,
        "descriptors[1].variants[2].id",
        "duplicate variant id 'open'",
    ),
    Case(
        "unknown-descriptor-to",
        edit(25, "    to: polcy.open"),
        25,
        "judgments[0].to",
        "unknown descriptor 'polcy'",
    ),
    Case(
        "unknown-descriptor-from",
        edit(29, "  - from: pol.closed"),
        29,
        "judgments[1].from",
        "unknown descriptor",
    ),
    Case("unknown-variant", edit(25, "    to: policy.opn"), 25, "judgments[0].to", "no variant 'opn'"),
    Case("self-impact", edit(25, "    to: econ.shrink"), 25, "judgments[0].to", "within one descriptor"),
    Case("impact-float", edit(26, "    impact: 2.5"), 26, "judgments[0].impact", "integer"),
    Case("impact-word", edit(26, "    impact: two"), 26, "judgments[0].impact", "integer"),
    Case("impact-quoted", edit(26, "    impact: '2'"), 26, "judgments[0].impact", "integer"),
    Case("impact-missing", edit(31, ""), 29, "judgments[1].impact", "required field 'impact'"),
    Case(
        "confidence-high",
        edit(27, "    confidence: 6"),
        27,
        "judgments[0].confidence",
        "less than or equal to 5",
    ),
    Case(
        "confidence-zero",
        edit(27, "    confidence: 0"),
        27,
        "judgments[0].confidence",
        "greater than or equal to 1",
    ),
    Case(
        "duplicate-judgment",
        edit(29, "  - from: econ.grow\n    to: policy.open\n    impact: 1", insert=True),
        29,
        "judgments[1]",
        "duplicate judgment",
    ),
    Case(
        "scenario-variant",
        edit(36, "      econ: boom"),
        36,
        "scenarios[0].variants.econ",
        "no variant 'boom'",
    ),
    Case(
        "scenario-variant-list",
        edit(37, "      policy: [open, shut]"),
        37,
        "scenarios[0].variants.policy",
        "no variant 'shut'",
    ),
    Case(
        "scenario-descriptor",
        edit(36, "      eco: grow"),
        36,
        "scenarios[0].variants.eco",
        "unknown descriptor",
    ),
    Case(
        "citation-judgment",
        edit(28, "    sources: [repot]"),
        28,
        "judgments[0].sources[0]",
        "unknown source 'repot'",
    ),
    Case(
        "citation-descriptor",
        edit(10, '    sources: ["rep#1-2"]'),
        10,
        "descriptors[0].sources[0]",
        "unknown source 'rep'",
    ),
    Case(
        "citation-range",
        edit(10, '    sources: ["report#5-2"]'),
        10,
        "descriptors[0].sources[0]",
        "backwards",
    ),
    Case("bad-id-space", edit(16, "  - id: pol icy"), 16, "descriptors[1].id", "not a valid id"),
    Case("bad-id-digit", edit(21, "      - id: 2closed"), 21, "descriptors[1].variants[1].id", "valid id"),
    Case("bad-model-id", edit(2, "id: demo.model"), 2, "id", "not a valid id"),
    Case("duplicate-key", edit(32, "    impact: 1", insert=True), 32, "judgments[1].impact", "appears twice"),
    Case("empty-file", "", 1, "<document>", "empty"),
    Case("not-a-mapping", "- scenarist\n- 1\n", 1, "<document>", "mapping"),
]


def _errors(exc: ModelError) -> tuple[ModelError, ...]:
    return exc.errors if isinstance(exc, ModelErrors) else (exc,)


def _says(error: ModelError, fragment: str) -> bool:
    return fragment.lower() in error.message.lower()


def _write(tmp_path: Path, text: str, name: str = "model.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_base_document_is_valid(tmp_path: Path) -> None:
    model = load_model(_write(tmp_path, BASE))
    compiled = compile_model(model)
    assert compiled.descriptor_ids == ("econ", "policy")
    assert compiled.matrix.sum() == 1


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_error_is_located(tmp_path: Path, case: Case) -> None:
    path = _write(tmp_path, case.text)
    with pytest.raises(ModelError) as info:
        load_model(path)
    errors = _errors(info.value)
    where = [(e.location.line, e.location.field, e.message) for e in errors]
    wanted = (case.line, case.field)
    hits = [e for e in errors if (e.location.line, e.location.field) == wanted and _says(e, case.message)]
    assert hits, f"expected line {case.line}, field {case.field!r}, message ~{case.message!r}; got {where}"
    for e in hits:
        assert e.location.file == str(path)
        assert e.location.column >= 1
        assert str(e).startswith(f"{path}:{case.line}:{e.location.column}: {case.field}: ")


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_error_is_a_model_errors_collection(case: Case) -> None:
    """parse_model raises every problem together, as one ModelErrors (also for syntax errors)."""
    with pytest.raises(ModelError) as info:
        parse_model(case.text, file="x.yaml")
    assert isinstance(info.value, ModelErrors), f"got a bare {type(info.value).__name__}: {info.value}"


SINGLE_PROBLEM = [
    "duplicate-descriptor",
    "duplicate-variant",
    "unknown-variant",
    "self-impact",
    "scenario-variant",
]


@pytest.mark.parametrize("case", [c for c in CASES if c.id in SINGLE_PROBLEM], ids=lambda c: c.id)
def test_one_problem_gives_one_error(case: Case) -> None:
    """A file with one problem reports it once, without follow-on errors about valid references."""
    with pytest.raises(ModelError) as info:
        parse_model(case.text, file="x.yaml")
    assert [str(e) for e in _errors(info.value)] == [str(_errors(info.value)[0])]


def test_three_schema_errors_are_reported_together() -> None:
    text = edit(27, "    confidence: 9")
    text = text.replace("    impact: 2\n", "    impact: 2.5\n")
    text = text.replace("    name: Policy\n", "    nme: Policy\n")
    with pytest.raises(ModelErrors) as info:
        parse_model(text, file="m.yaml")
    got = {(e.location.line, e.location.field) for e in info.value.errors}
    assert {(17, "descriptors[1].nme"), (26, "judgments[0].impact"), (27, "judgments[0].confidence")} <= got
    assert len(info.value) >= 3
    assert str(info.value).count("\n") == len(info.value) - 1


def test_three_reference_errors_are_reported_together() -> None:
    text = edit(25, "    to: policy.opn")
    text = text.replace("sources: [report]", "sources: [repot]").replace("econ: grow", "econ: boom")
    with pytest.raises(ModelErrors) as info:
        parse_model(text, file="m.yaml")
    assert {(e.location.line, e.location.field) for e in info.value.errors} == {
        (25, "judgments[0].to"),
        (28, "judgments[0].sources[0]"),
        (36, "scenarios[0].variants.econ"),
    }
    assert len(info.value) == 3


def test_json_model_errors_are_located(tmp_path: Path) -> None:
    text = (
        "{\n"
        '  "scenarist": 1,\n'
        '  "id": "j",\n'
        '  "title": "JSON model",\n'
        '  "descriptors": [\n'
        '    {"id": "a", "name": "A", "variants": [{"id": "x", "name": "X"}, {"id": "y", "name": "Y"}]},\n'
        '    {"id": "b", "name": "B", "variants": [{"id": "x", "name": "X"}]}\n'
        "  ],\n"
        '  "judgments": [\n'
        '    {"from": "a.x", "to": "b.x", "impact": 1},\n'
        '    {"from": "a.y", "to": "b.z", "impact": 1.5}\n'
        "  ]\n"
        "}\n"
    )
    with pytest.raises(ModelErrors) as info:
        load_model(_write(tmp_path, text, "model.json"))
    (error,) = info.value.errors
    assert (error.location.line, error.location.field) == (11, "judgments[1].impact")
    assert error.location.column > 1


def test_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(ModelError):
        load_model(tmp_path / "no-such-model.yaml")
    path = tmp_path / "latin1.yaml"
    path.write_bytes(BASE.replace("Demo model", "Démo").encode("latin-1"))
    with pytest.raises(ModelError) as info:
        load_model(path)
    assert info.value.location.file == str(path)


def test_bundled_models_are_valid() -> None:
    models = bundled_models()
    assert models
    for name in models:
        compiled = compile_model(load_model(name))
        assert compiled.n_descriptors >= 2


# ---------------------------------------------------------------- `scenarist check`


def _check(tmp_path: Path, text: str) -> subprocess.CompletedProcess[str]:
    _write(tmp_path, text)
    return subprocess.run(
        [sys.executable, "-m", "scenarist", "check", "model.yaml"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _expected_lines(tmp_path: Path, text: str) -> list[str]:
    """``file:line:col: field: message`` of every error, as the library locates them."""
    path = _write(tmp_path, text)
    with pytest.raises(ModelError) as info:
        load_model(path)
    return [str(e).replace(str(path), "model.yaml", 1) for e in _errors(info.value)]


def test_cli_check_valid_file(tmp_path: Path) -> None:
    run = _check(tmp_path, BASE)
    assert run.returncode == 0, run.stderr
    assert "Traceback" not in run.stderr


THREE_SCHEMA_ERRORS = edit(27, "    confidence: 9").replace("impact: 2\n", "impact: two\n")
THREE_SCHEMA_ERRORS = THREE_SCHEMA_ERRORS.replace("name: Policy", "nme: P")


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(edit(3, "title: Demo: model"), id="syntax"),
        pytest.param(edit(25, "    to: econ.shrink"), id="long-message"),
        pytest.param(
            THREE_SCHEMA_ERRORS,
            id="three-schema-errors",
        ),
        pytest.param(
            edit(25, "    to: policy.opn").replace("[report]", "[repot]").replace("econ: grow", "econ: boom"),
            id="three-reference-errors",
        ),
    ],
)
def test_cli_check_reports_every_error(tmp_path: Path, text: str) -> None:
    expected = _expected_lines(tmp_path, text)
    run = _check(tmp_path, text)
    assert run.returncode == 2
    assert "Traceback" not in run.stderr and "Traceback" not in run.stdout
    lines = run.stderr.splitlines()
    for want in expected:
        assert any(line.endswith(want) for line in lines), f"{want!r} not a line of stderr:\n{run.stderr}"
        _, line, column, _ = want.split(":", 3)
        assert want.startswith("model.yaml:") and line.isdigit() and column.isdigit()


def test_cli_check_missing_file(tmp_path: Path) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "scenarist", "check", "absent.yaml"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 2
    assert "Traceback" not in run.stderr
    assert "absent.yaml" in run.stderr
