"""The command line, end to end: outputs, formats, exit codes and error lines."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from typer.testing import CliRunner

from scenarist.cli import app
from scenarist.model import compile_model, load_model

DATA = Path(__file__).parent / "data"
CIB_GLOBAL = DATA / "scenariowizard" / "CIB_global.scw"
BUNDLED = "us-russia-2025"

runner = CliRunner()


def cli(*args: str) -> Any:
    return runner.invoke(app, [str(a) for a in args], catch_exceptions=False)


def cli_json(*args: str) -> Any:
    result = cli(*args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def run_module(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scenarist", *args], capture_output=True, text=True, timeout=600, check=False
    )


def assert_one_error_line(result: Any) -> None:
    assert result.exit_code == 2  # input errors exit 2
    assert "Traceback" not in result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("error:")]
    assert len(errors) == 1, result.stderr
    assert result.stdout == ""


# ---------------------------------------------------------------- run and the report


@pytest.fixture(scope="module")
def bundled_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[subprocess.CompletedProcess[str], Path]:
    # a long directory, so that "Report written to <path>" is wider than an 80-column console
    out_dir = tmp_path_factory.mktemp("run") / ("reports-" + "x" * 60) / "reports"
    return run_module("run", "--out", str(out_dir)), out_dir / f"{BUNDLED}.html"


def test_run_writes_a_self_contained_report(bundled_run: tuple[subprocess.CompletedProcess[str], Path]) -> None:
    proc, report = bundled_run
    assert proc.returncode == 0, proc.stderr
    assert report.is_file()
    assert str(report) in proc.stdout.replace("\n", "")
    html = report.read_text(encoding="utf-8")
    assert "<svg" in html
    assert "<script src=" not in html
    assert "<link" not in html
    assert "url(http" not in html


def test_run_prints_the_report_path_on_one_line(bundled_run: tuple[subprocess.CompletedProcess[str], Path]) -> None:
    proc, report = bundled_run
    assert str(report) in proc.stdout, "the report path is wrapped across lines when stdout is not a terminal"


# ---------------------------------------------------------------- scenarios


def test_scenarios_json_shape() -> None:
    doc = cli_json("scenarios", "--format", "json")
    assert set(doc) == {"model", "method", "tolerance", "scenario_space", "scenarios", "fixed"}
    assert doc["model"] == BUNDLED and doc["tolerance"] == 0 and doc["fixed"] == {}
    compiled = compile_model(load_model(None))
    assert doc["scenario_space"] == compiled.scenario_space
    assert doc["scenarios"]
    for s in doc["scenarios"]:
        assert set(s) == {"indices", "variants", "inconsistency", "consistency_value", "total_impact_score", "named"}
        assert list(s["variants"]) == list(compiled.descriptor_ids)
        assert [compiled.variant_ids[k][i] for k, i in enumerate(s["indices"])] == list(s["variants"].values())
        assert s["inconsistency"] == 0 and s["consistency_value"] >= 0


def test_scenarios_tolerance_one_is_a_superset() -> None:
    zero = {tuple(s["indices"]) for s in cli_json("scenarios", "--format", "json")["scenarios"]}
    one = cli_json("scenarios", "--tolerance", "1", "--format", "json")
    assert zero <= {tuple(s["indices"]) for s in one["scenarios"]}
    assert {tuple(s["indices"]) for s in one["scenarios"] if s["inconsistency"] == 0} == zero
    assert all(s["inconsistency"] <= 1 for s in one["scenarios"])


def test_scenarios_csv() -> None:
    result = cli("scenarios", "--format", "csv")
    assert result.exit_code == 0
    rows = list(csv.reader(io.StringIO(result.stdout)))
    compiled = compile_model(load_model(None))
    assert rows[0] == [*compiled.descriptor_ids, "inconsistency", "consistency_value", "total_impact_score", "named"]
    assert len(rows) - 1 == len(cli_json("scenarios", "--format", "json")["scenarios"])


def test_fix_changes_the_scenarios_and_unknown_variant_fails() -> None:
    free = cli_json("scenarios", "--format", "json")
    fixed = cli_json("scenarios", "--format", "json", "--fix", "talks=settlement")
    assert fixed["fixed"] == {"talks": "settlement"}
    assert all(s["variants"]["talks"] == "settlement" for s in fixed["scenarios"])
    assert {tuple(s["indices"]) for s in fixed["scenarios"]} != {tuple(s["indices"]) for s in free["scenarios"]}
    assert_one_error_line(cli("scenarios", "--fix", "talks=nonsense"))
    assert_one_error_line(cli("scenarios", "--fix", "nonsense=stalled"))
    assert_one_error_line(cli("scenarios", "--fix", "talks"))


# ---------------------------------------------------------------- explain


def test_explain_by_names_and_by_indices_agree() -> None:
    compiled = compile_model(load_model(None))
    indices = [min(1, c - 1) for c in compiled.counts.tolist()]
    by_name = ",".join(
        f"{d}={compiled.variant_ids[k][i]}" for k, (d, i) in enumerate(zip(compiled.descriptor_ids, indices))
    )
    a = cli_json("explain", by_name, "--format", "json")
    b = cli_json("explain", BUNDLED, ",".join(map(str, indices)), "--format", "json")
    assert a == b
    assert a["scenario"]["indices"] == indices
    assert [d["descriptor"] for d in a["descriptors"]] == list(compiled.descriptor_ids)


@pytest.mark.parametrize("scenario", ["talks=nonsense", "0,0", "x y z", "talks=stalled,talks=collapsed"])
def test_explain_bad_scenario_is_one_error_line(scenario: str) -> None:
    assert_one_error_line(cli("explain", scenario))


# ---------------------------------------------------------------- export


def test_export_json_matrix_shape() -> None:
    doc = cli_json("export", "--to", "json")
    n = sum(len(d["variants"]) for d in doc["descriptors"])
    assert doc["model"] == BUNDLED
    assert np.array(doc["matrix"]).shape == (n, n)


def test_export_yaml_round_trips(tmp_path: Path) -> None:
    result = cli("export", "--to", "yaml")
    assert result.exit_code == 0
    yaml.safe_load(result.stdout)
    path = tmp_path / "m.yaml"
    path.write_text(result.stdout, encoding="utf-8")
    again = compile_model(load_model(str(path)))
    original = compile_model(load_model(None))
    assert np.array_equal(again.matrix, original.matrix)
    assert again.descriptor_ids == original.descriptor_ids
    assert again.variant_ids == original.variant_ids
    assert again.named_ids == original.named_ids


def test_export_scw_is_byte_identical(tmp_path: Path) -> None:
    out = tmp_path / "copy.scw"
    result = cli("export", str(CIB_GLOBAL), "--to", "scw", "-o", str(out))
    assert result.exit_code == 0
    assert out.read_bytes() == CIB_GLOBAL.read_bytes()


# ---------------------------------------------------------------- succession and weights


def test_succession_from_names_and_indices() -> None:
    doc = cli_json("succession", str(CIB_GLOBAL), "--from", "WTRD=FT,WSEC=Rlx,WECO=Decl", "--format", "json")
    same = cli_json("succession", str(CIB_GLOBAL), "--from", "0,0,0", "--format", "json")
    assert doc == same
    assert doc["model"] == "CIB_global" and doc["rule"] == "global"
    assert doc["path"][0]["indices"] == [0, 0, 0]
    assert doc["path"][0]["variants"] == {"WTRD": "FT", "WSEC": "Rlx", "WECO": "Decl"}
    assert (doc["attractor"] is None) != (doc["cycle"] == [])
    local = cli_json("succession", str(CIB_GLOBAL), "--from", "0,0,0", "--rule", "local", "--format", "json")
    assert local["rule"] == "local"
    table = cli("succession", str(CIB_GLOBAL), "--from", "2,0,2")
    assert table.exit_code == 0 and "attractor after 0 step" in table.stdout
    assert_one_error_line(cli("succession", str(CIB_GLOBAL)))
    assert_one_error_line(cli("succession", str(CIB_GLOBAL), "--from", "9,9,9"))


def test_weights_json_exact_and_monte_carlo() -> None:
    doc = cli_json("weights", str(CIB_GLOBAL), "--format", "json")
    assert set(doc) == {"model", "method", "starts", "cycles", "attractors"}
    assert doc["method"] == "exact" and doc["starts"] == 36 and doc["cycles"] == 17
    for a in doc["attractors"]:
        assert {"indices", "variants", "weight", "share"} <= set(a) and "interval" not in a
    assert sorted(a["weight"] for a in doc["attractors"]) == [1, 2, 4, 12]
    mc = cli_json("weights", str(CIB_GLOBAL), "--starts", "2000", "--seed", "3", "--format", "json")
    assert mc["method"] == "monte-carlo" and mc["starts"] == 2000 and mc["seed"] == 3
    assert all(len(a["interval"]) == 2 for a in mc["attractors"])
    assert cli_json("weights", str(CIB_GLOBAL), "--starts", "2000", "--seed", "3", "--format", "json") == mc
    fixed = cli_json("weights", str(CIB_GLOBAL), "--fix", "WTRD=Mix", "--format", "json")
    assert fixed["starts"] == 12 and fixed["fixed"] == {"WTRD": "Mix"}
    assert_one_error_line(cli("weights", str(CIB_GLOBAL), "--fix", "WTRD=Nope"))


# ---------------------------------------------------------------- models, schema, errors


def test_models_lists_the_bundled_model() -> None:
    result = cli("models")
    assert result.exit_code == 0
    assert BUNDLED in result.stdout.split()


def test_schema_is_json_with_defs() -> None:
    doc = cli_json("schema")
    assert "$defs" in doc


def test_bad_model_is_one_error_line_and_debug_shows_a_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("scenarist: 1\nid: bad\ndescriptors: 3\n", encoding="utf-8")
    plain = run_module("check", str(bad))
    assert plain.returncode == 2
    assert "Traceback" not in plain.stderr
    assert plain.stderr.startswith("error:")
    debug = run_module("--debug", "check", str(bad))
    assert debug.returncode != 0
    assert "Traceback" in debug.stderr, debug.stderr


def test_debug_shows_a_traceback_for_a_bad_scenario() -> None:
    plain = run_module("explain", "talks=nonsense")
    assert plain.returncode == 2 and "Traceback" not in plain.stderr
    debug = run_module("--debug", "explain", "talks=nonsense")
    assert debug.returncode != 0
    assert "Traceback" in debug.stderr and "EngineError" in debug.stderr


def test_missing_model_file_is_an_error_line() -> None:
    result = cli("scenarios", "no/such/model.yaml")
    assert result.exit_code == 2  # input errors exit 2
    assert "Traceback" not in result.output
    assert result.stderr.startswith("error:")
