"""Every engine result has one shape: frozen, with model_id, method, to_dict() and to_frame()."""

from __future__ import annotations

import dataclasses
import datetime as dt
import importlib
import inspect
import json
import pkgutil
from collections.abc import Callable
from functools import cache
from typing import Any

import numpy as np
import pandas as pd
import pytest

from conftest import Matrix, model_from_matrix
from scenarist import engines
from scenarist.engines._domain import domain_of
from scenarist.engines.accounting import account
from scenarist.engines.bayes import Observation, posterior, timeline
from scenarist.engines.cib import explain, find_scenarios
from scenarist.engines.ensembles import evaluate_ensemble
from scenarist.engines.interventions import compare_intervention
from scenarist.engines.multistart import find_some
from scenarist.engines.scoring import ResolvedQuestion, score_questions
from scenarist.engines.search import search
from scenarist.engines.sensitivity import key_assumptions
from scenarist.engines.succession import succession
from scenarist.engines.uncertainty import scenario_probabilities
from scenarist.engines.weights import volume_weights
from scenarist.model import compile_model, load_model, parse_model
from scenarist.model.compile import CompiledModel, compile_members

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
  - id: bob
    name: Bob
    judgments:
      - {from: a.y, to: b.y, impact: 1}
      - {from: b.y, to: a.y, impact: 1}
"""


@cache
def tiny() -> CompiledModel:
    """Three two-variant descriptors, d0 pushing d1 and d1 pushing d2 towards the same variant."""
    m: Matrix = [[0] * 6 for _ in range(6)]
    for src, dst in ((0, 2), (1, 3), (2, 4), (3, 5), (2, 0), (3, 1)):
        m[src][dst] = 2
    return model_from_matrix((2, 2, 2), m, {"low": {"d1": "v0"}}, model_id="tiny")


@cache
def bundled() -> CompiledModel:
    return compile_model(load_model())


def _posterior() -> Any:
    model = bundled()
    prior = scenario_probabilities(model, draws=500, seed=1).distribution()
    return posterior(model, prior, [Observation(model.signposts[0].id, True, 0.8)])


def _timeline() -> Any:
    model = bundled()
    prior = scenario_probabilities(model, draws=500, seed=1).distribution()
    return timeline(model, prior, [Observation(model.signposts[0].id, True, 0.8, dt.date(2025, 5, 1), 1)])


def _accounting() -> Any:
    model = bundled()
    probabilities = scenario_probabilities(model, draws=500, seed=1)
    counts = np.array([float(a.count) for a in probabilities.attractors])
    return account(model, probabilities.distribution(), counts=counts)


def _scores() -> Any:
    question = ResolvedQuestion("q", [(dt.date(2025, 1, 1), 0.7)], "yes", dt.date(2025, 2, 1), None)
    return score_questions([question], model_id="tiny")


BUILDERS: dict[str, tuple[Callable[[], Any], str]] = {
    "ScenarioSet": (lambda: find_scenarios(tiny()), "tiny"),
    "ScenarioBalance": (lambda: explain(tiny(), (0, 0, 0)), "tiny"),
    "SearchResult": (lambda: search(tiny(), domain_of(tiny()), 0), "tiny"),
    "SuccessionPath": (lambda: succession(tiny(), (0, 1, 0)), "tiny"),
    "VolumeWeights": (lambda: volume_weights(tiny()), "tiny"),
    "ProbabilityResult": (lambda: scenario_probabilities(tiny(), draws=200), "tiny"),
    "SensitivityResult": (lambda: key_assumptions(tiny(), draws=100), "tiny"),
    "InterventionResult": (lambda: compare_intervention(tiny(), {"d0": "v1"}), "tiny"),
    "EnsembleResult": (lambda: evaluate_ensemble(compile_members(parse_model(ENSEMBLE))), "ens"),
    "Posterior": (_posterior, "us-russia-2025"),
    "Timeline": (_timeline, "us-russia-2025"),
    "ScoreReport": (_scores, "tiny"),
    "MultistartResult": (lambda: find_some(tiny(), starts=100), "tiny"),
    "Accounting": (_accounting, "us-russia-2025"),
}


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_result_shape(name: str) -> None:
    build, model_id = BUILDERS[name]
    result = build()
    assert type(result).__name__ == name
    assert dataclasses.is_dataclass(result) and type(result).__dataclass_params__.frozen  # type: ignore[attr-defined]
    assert result.model_id == model_id
    assert isinstance(result.method, str) and result.method
    doc = result.to_dict()
    assert doc["model"] == model_id and doc["method"] == result.method
    assert json.loads(json.dumps(doc)) == doc
    frame = result.to_frame()
    assert isinstance(frame, pd.DataFrame) and len(frame) > 0


def test_every_public_result_class_is_covered() -> None:
    """Each engine module's result classes (those with a to_frame) are in the table above."""
    modules = [importlib.import_module(f"scenarist.engines.{m.name}") for m in pkgutil.iter_modules(engines.__path__)]
    found = {
        name
        for module in modules
        for name, obj in vars(module).items()
        if inspect.isclass(obj) and obj.__module__ == module.__name__ and hasattr(obj, "to_frame")
    }
    assert found == set(BUILDERS)
