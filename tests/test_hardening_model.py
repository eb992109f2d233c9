"""Issue 13, items 1, 2, 3 and 7 (model side): hostile model files end in one located error, fast."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from scenarist import limits
from scenarist.errors import EngineError, LimitError, ModelError
from scenarist.model import compile_model, load_model, parse_model
from scenarist.model import transform as tf
from scenarist.model.load import printable

HEAD = "scenarist: 1\nid: m\ntitle: t\n"
THREE = (
    HEAD
    + "descriptors:\n"
    + "".join(f"- {{id: {d}, name: {d}, variants: [{{id: x, name: x}}, {{id: y, name: y}}]}}\n" for d in "abc")
)


def _error(text: str) -> ModelError:
    with pytest.raises(ModelError) as info:
        parse_model(text, file="m.yaml")
    return info.value


def test_alias_expansion_is_bounded() -> None:
    lines = ['a: &a ["x","x","x","x","x","x","x","x","x"]']
    for prev, name in zip("abcdefgh", "bcdefghi"):
        lines.append(f"{name}: &{name} [{','.join(['*' + prev] * 9)}]")
    started = time.monotonic()
    error = _error("\n".join(lines) + "\n")
    assert time.monotonic() - started < 10
    assert f"aliases repeat more than {limits.MAX_ALIAS_VALUES:,} values" in str(error)


def test_document_size_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "MAX_NODES", 50)
    assert "more than 50 values" in str(_error("[" + ", ".join(["1"] * 60) + "]\n"))


def test_an_alias_inside_its_own_anchor_is_refused() -> None:
    assert "nested more than" in str(_error("a: &a [1, *a]\n"))


@pytest.mark.parametrize(
    "text", ["- " * 3000 + "x\n", "[" * 5000 + "]" * 5000 + "\n", "{a: " * 3000 + "1" + "}" * 3000]
)
def test_deep_nesting_is_refused(text: str) -> None:
    error = _error(text)
    assert f"nested more than {limits.MAX_NESTING} levels" in str(error)
    assert error.location.line == 1


def test_raw_control_character_is_located() -> None:
    error = _error(HEAD.replace("title: t", 'title: "a\x01b"'))
    assert "U+0001" in str(error)
    assert (error.location.line, error.location.column) == (3, 10)


@pytest.mark.parametrize("impact", [2**62, 2**63, -(2**63) - 1, 2**31])
def test_impacts_beyond_the_bound_are_refused(impact: int) -> None:
    text = (
        THREE + f"judgments:\n- {{from: a.x, to: c.x, impact: {impact}}}\n- {{from: b.x, to: c.x, impact: {impact}}}\n"
    )
    error = _error(text)
    assert "judgments[0].impact" in str(error)
    assert error.location.line == 9


def test_impact_at_the_bound_is_exact() -> None:
    big = limits.MAX_IMPACT
    text = THREE + f"judgments:\n- {{from: a.x, to: c.x, impact: {big}}}\n- {{from: b.x, to: c.x, impact: {big}}}\n"
    compiled = compile_model(parse_model(text))
    from scenarist.engines.cib import evaluate

    scenario = evaluate(compiled, (0, 0, 0))
    assert scenario.total_impact_score == 2 * big
    assert scenario.inconsistency == 0


def test_an_integer_of_thousands_of_digits_is_a_located_error() -> None:
    error = _error(THREE + "judgments:\n- {from: a.x, to: c.x, impact: " + "9" * 5000 + "}\n")
    assert "too long a number" in str(error)
    assert error.location.line == 9


def test_too_many_descriptors_are_refused() -> None:
    n = limits.MAX_DESCRIPTORS + 1
    text = (
        HEAD
        + "descriptors:\n"
        + "".join(f"- {{id: d{k}, name: d, variants: [{{id: x, name: x}}]}}\n" for k in range(n))
    )
    assert f"at most {limits.MAX_DESCRIPTORS} are accepted" in str(_error(text))


def test_too_many_variants_of_one_descriptor_are_refused() -> None:
    n = limits.MAX_VARIANTS_PER_DESCRIPTOR + 1
    variants = ", ".join(f"{{id: v{k}, name: v}}" for k in range(n))
    error = _error(HEAD + f"descriptors:\n- {{id: a, name: a, variants: [{variants}]}}\n")
    assert "descriptors[0].variants" in str(error)


@pytest.mark.parametrize("factor", [1e300, float("inf"), float("nan"), 0.0, -2.0, 1e10])
def test_multiply_refuses_factors_that_overflow(factor: float) -> None:
    model = load_model("us-russia-2025")
    with pytest.raises(EngineError, match="beyond the limit" if factor in (1e300, 1e10) else "positive finite"):
        tf.multiply(model, factor)


def test_multiply_within_range_keeps_consistency() -> None:
    model = load_model("us-russia-2025")
    doubled = compile_model(tf.multiply(model, 2.0))
    assert abs(doubled.matrix).max() == 2 * abs(compile_model(model).matrix).max()


def test_standardize_refuses_an_overflowing_scale() -> None:
    counts = [k for k in (7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47)]
    descriptors = "".join(
        f"- {{id: d{k}, name: d, variants: [{', '.join(f'{{id: v{i}, name: v}}' for i in range(c))}]}}\n"
        for k, c in enumerate(counts)
    )
    judgments = f"judgments:\n- {{from: d0.v0, to: d1.v0, impact: {limits.MAX_IMPACT}}}\n"
    model = parse_model(HEAD + "descriptors:\n" + descriptors + judgments)
    with pytest.raises(LimitError, match="standardizing"):
        tf.standardize(model)


def test_special_files_are_refused_without_reading(tmp_path: Path) -> None:
    fifo = tmp_path / "model.yaml"
    os.mkfifo(fifo)
    for path in (fifo, tmp_path, Path("/dev/zero")):
        started = time.monotonic()
        with pytest.raises(ModelError, match="not a regular file"):
            load_model(path)
        assert time.monotonic() - started < 5


def test_files_over_the_size_limit_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "big.yaml"
    path.write_text(THREE + "#" * 2000 + "\n", encoding="utf-8")
    monkeypatch.setattr(limits, "MAX_FILE_BYTES", 1000)
    with pytest.raises(ModelError, match="larger than the limit of 1,000 bytes"):
        load_model(path)


def test_a_very_long_model_name_is_one_short_error() -> None:
    with pytest.raises(ModelError) as info:
        load_model("x" * 5000)
    assert len(str(info.value)) < 300


def test_printable_strips_escape_sequences() -> None:
    model = parse_model(THREE.replace("title: t", 'title: "a\\e]0;pwned\\ab\\e[2Jc\\u202e"'))
    clean = printable(model)
    assert clean.title == "a]0;pwnedb[2Jc"
    assert printable(clean) is clean
