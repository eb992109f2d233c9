"""Read from the ScenarioWizard project files themselves, the engine reproduces their solution lists."""

from __future__ import annotations

from pathlib import Path

import pytest

from scenarist.engines.cib import find_scenarios
from scenarist.model import compile_model
from scenarist.model.scw import read_scw
from scenarist.model.solutions import read_sl

DATA = Path(__file__).parent / "data" / "scenariowizard"
PAIRS = [
    "CIB_global",
    pytest.param("CIB_natl_regional", marks=pytest.mark.slow),
    pytest.param("CIB_nested_simplified_standardized", marks=pytest.mark.slow),
    pytest.param("CIB_nested", marks=pytest.mark.slow),
]


@pytest.mark.parametrize("name", PAIRS)
def test_consistent_set_tis_and_cv_match_the_solution_list(name: str) -> None:
    model = compile_model(read_scw(DATA / f"{name}.scw"))
    published = {s.indices: (s.total_impact_score, s.consistency_value) for s in read_sl(DATA / f"{name}.sl").solutions}
    found = {s.indices: (s.total_impact_score, s.consistency_value) for s in find_scenarios(model).scenarios}
    assert found == published
