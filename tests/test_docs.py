"""The documentation stays true: generated reference current, every command documented, tutorial figures right."""

from __future__ import annotations

import csv
import importlib.util
import io
import re
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import typer.main

from scenarist.cli import app
from scenarist.engines.cib import evaluate, find_scenarios
from scenarist.engines.weights import volume_weights
from scenarist.model.compile import compile_model
from scenarist.model.load import load_model, parse_model
from scenarist.model.validate import model_warnings

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
TINY = DOCS / "examples" / "tiny.yaml"

# The tutorial model's consistent scenarios, worked out by hand in docs/tutorial.md (section 6):
# drought forces full cost, falling demand and recycling; with normal rainfall only deferral with a
# low tariff and growing demand holds. (variants in descriptor order, IC, CV, TIS, named scenarios)
EXPECTED_CONSISTENT = [
    (("drought", "falling", "full_cost", "recycling"), 0, 0, 8, ("scarcity_reform",)),
    (("normal", "growing", "low", "deferred"), 0, 0, 4, ("business_as_usual",)),
]


def _generator() -> ModuleType:
    path = ROOT / "tools" / "gen_model_reference.py"
    spec = importlib.util.spec_from_file_location("gen_model_reference", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _fenced(text: str, info: str) -> list[str]:
    return re.findall(rf"^```{info}\n(.*?)^```", text, re.S | re.M)


# ------------------------------------------------------------------ model-format.md


def test_model_reference_is_generated_from_the_schema() -> None:
    committed = (DOCS / "model-format.md").read_text(encoding="utf-8")
    assert committed == _generator().render(), "docs/model-format.md is stale: run python tools/gen_model_reference.py"


def test_generator_check_mode(tmp_path: Path) -> None:
    gen = _generator()
    target = tmp_path / "model-format.md"
    assert gen.main(["--check", "--output", str(target)]) == 1  # missing
    assert gen.main(["--output", str(target)]) == 0
    assert gen.main(["--check", "--output", str(target)]) == 0
    target.write_text(target.read_text(encoding="utf-8") + "edited\n", encoding="utf-8")
    assert gen.main(["--check", "--output", str(target)]) == 1


def test_model_reference_covers_every_definition() -> None:
    from scenarist.model.schema import json_schema

    text = (DOCS / "model-format.md").read_text(encoding="utf-8")
    for name in json_schema()["$defs"]:
        assert f"### {name}\n" in text


def test_minimal_example_in_model_format_is_valid() -> None:
    text = (DOCS / "model-format.md").read_text(encoding="utf-8")
    (example,) = _fenced(text, "yaml")
    model = parse_model(example, file="model-format.md")
    assert [d.id for d in model.descriptors] == ["rain", "tariff"]


# ------------------------------------------------------------------ cli.md


def _commands() -> dict[str, Any]:
    """The CLI's commands by name (Typer's command objects; duck-typed, as Typer vendors its own Click)."""
    return dict(typer.main.get_command(app).commands)  # type: ignore[attr-defined]


def test_every_command_and_option_is_documented() -> None:
    text = (DOCS / "cli.md").read_text(encoding="utf-8")
    heading = re.compile(r"^## `scenarist (\S+)`\n(.*?)(?=^## |\Z)", re.S | re.M)
    sections = {m.group(1): m.group(2) for m in heading.finditer(text)}
    commands = _commands()
    assert commands, "no commands found"
    for name, command in commands.items():
        assert name in sections, f"docs/cli.md has no section for 'scenarist {name}'"
        body = sections[name]
        assert f"scenarist {name}" in body, f"no usage line or example for 'scenarist {name}'"
        for param in command.params:
            if getattr(param, "param_type_name", "") == "option":
                for opt in param.opts:
                    if opt.startswith("--") and opt != "--help":
                        assert opt in body, f"option {opt} of 'scenarist {name}' is not documented"
    assert set(sections) <= set(commands), f"documented commands that do not exist: {set(sections) - set(commands)}"


# ------------------------------------------------------------------ tutorial.md


def test_tutorial_model_loads_cleanly() -> None:
    model = load_model(TINY)
    assert model.id == "riverton-water"
    assert not model_warnings(model)
    assert compile_model(model).scenario_space == 36


def _tutorial_consistent() -> list[tuple[tuple[str, ...], int, int, int, tuple[str, ...]]]:
    text = (DOCS / "tutorial.md").read_text(encoding="utf-8")
    blocks = [b for b in _fenced(text, "csv") if b.startswith("rainfall,demand,tariff,investment,inconsistency")]
    assert len(blocks) == 1, "the tutorial should show the consistent scenarios once as CSV"
    rows = list(csv.DictReader(io.StringIO(blocks[0])))
    return [
        (
            (r["rainfall"], r["demand"], r["tariff"], r["investment"]),
            int(r["inconsistency"]),
            int(r["consistency_value"]),
            int(r["total_impact_score"]),
            tuple(r["named"].split()),
        )
        for r in rows
    ]


def test_tutorial_states_the_engines_consistent_scenarios() -> None:
    compiled = compile_model(load_model(TINY))
    found = find_scenarios(compiled)
    got = [
        (
            tuple(s.variants[d] for d in compiled.descriptor_ids),
            s.inconsistency,
            s.consistency_value,
            s.total_impact_score,
            s.named,
        )
        for s in found.scenarios
    ]
    assert got == EXPECTED_CONSISTENT
    assert _tutorial_consistent() == EXPECTED_CONSISTENT


def test_tutorial_figures_for_explain_weights_and_intervention() -> None:
    compiled = compile_model(load_model(TINY))
    big_build = compiled.indices_of(
        {"rainfall": "normal", "demand": "growing", "tariff": "full_cost", "investment": "reservoir"}
    )
    scenario = evaluate(compiled, big_build)
    assert (scenario.inconsistency, scenario.consistency_value, scenario.total_impact_score) == (3, -3, 3)

    weights = volume_weights(compiled, method="exact")
    assert (weights.starts, weights.cycles) == (36, 8)
    assert [(dict(a.variants)["rainfall"], a.weight) for a in weights.attractors] == [("drought", 18), ("normal", 10)]

    fixed = find_scenarios(compiled, fixed={"investment": "reservoir"})
    assert sorted((s.variants["rainfall"], s.variants["demand"]) for s in fixed.scenarios) == [
        ("drought", "falling"),
        ("normal", "falling"),
    ]


@pytest.mark.parametrize("doc", ["tutorial.md", "methods.md", "cli.md", "model-format.md", "evidence.md"])
def test_docs_link_only_to_existing_files(doc: str) -> None:
    text = (DOCS / doc).read_text(encoding="utf-8")
    for target in re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", text):
        assert (DOCS / target).exists(), f"{doc} links to missing {target}"


# ------------------------------------------------------------------ tutorial.md, sections 13-17

# Figures the tutorial states for probabilities, evidence and scores (10,000 draws, seed 0, the
# defaults of the commands). When the Monte Carlo changes, rerun the commands of sections 8 and
# 14-17 and update both the tutorial and these numbers.
TUTORIAL_PRIOR = {"business_as_usual": "19.0%", "scarcity_reform": "53.9%", "big_build": "2.1%"}
TUTORIAL_CYCLES = "14.8%"
HOSEPIPE = ("hosepipe_ban", True, 0.9)
NO_PROPOSAL = ("tariff_proposal", False, 1.0)
TUTORIAL_POSTERIORS = [  # (evidence applied, named probabilities shown, P(investment=recycling) shown)
    ([HOSEPIPE], {"business_as_usual": "5.5%", "scarcity_reform": "83.7%"}, "87.1%"),
    ([HOSEPIPE, NO_PROPOSAL], {"business_as_usual": "31.6%", "scarcity_reform": "56.2%"}, "62.8%"),
    ([NO_PROPOSAL], {"business_as_usual": "61.9%", "scarcity_reform": "20.6%"}, None),
]


def _pct(x: float) -> str:
    return f"{x:.1%}"


def test_tutorial_probability_and_evidence_figures() -> None:
    from scenarist.engines.bayes import Observation, posterior
    from scenarist.engines.uncertainty import scenario_probabilities

    text = (DOCS / "tutorial.md").read_text(encoding="utf-8")
    model = load_model(TINY)
    assert [s.id for s in model.signposts] == ["hosepipe_ban", "tariff_proposal", "recycling_tender"]
    assert [q.id for q in model.forecasts] == ["recycling_by_2030"]
    compiled = compile_model(model)
    probs = scenario_probabilities(compiled, draws=10_000, seed=0)
    assert _pct(probs.cycle_share) == TUTORIAL_CYCLES
    assert {n.id: _pct(n.probability) for n in probs.settled_named()} == TUTORIAL_PRIOR
    prior = probs.distribution()
    k = compiled.descriptor_ids.index("investment")
    recycling = compiled.variant_ids[k].index("recycling")

    def p_recycling(dist: Any) -> str:
        return _pct(float(dist.probabilities[dist.indices[:, k] == recycling].sum()))

    assert f"standing forecast {p_recycling(prior)} (model)" in text
    for evidence, shown, shown_recycling in TUTORIAL_POSTERIORS:
        post = posterior(compiled, prior, [Observation(s, o, r) for s, o, r in evidence])
        assert {n: _pct(post.named[n]) for n in shown} == shown
        for figure in shown.values():
            assert figure in text
        if shown_recycling is not None:
            assert p_recycling(post.distribution) == shown_recycling
            assert shown_recycling.replace("%", " %") in text


def test_tutorial_likelihood_and_score_arithmetic() -> None:
    import datetime as dt

    from scenarist.engines.bayes import report_likelihood
    from scenarist.engines.scoring import ResolvedQuestion, score_questions

    compiled = compile_model(load_model(TINY))
    (ban,) = [s for s in compiled.signposts if s.id == "hosepipe_ban"]
    normal, drought = report_likelihood(ban, True, 0.9)
    assert (round(drought, 2), round(normal, 2), round(drought / normal, 1)) == (0.77, 0.14, 5.5)

    forecasts = [(dt.date(2026, 5, 1), 0.3), (dt.date(2026, 7, 1), 0.6)]
    question = ResolvedQuestion("summer_ban_2026", forecasts, "yes", dt.date(2026, 9, 30), dt.date(2026, 8, 12))
    (score,) = score_questions([question]).scores
    assert (round(score.brier, 3), round(score.log_score, 3)) == (0.16, -0.511)
    assert (round(score.time_averaged_brier, 3), score.days) == (0.354, 104)
    text = (DOCS / "tutorial.md").read_text(encoding="utf-8")
    assert "(61 · 0.49 + 43 · 0.16) / 104 = 0.354" in text
