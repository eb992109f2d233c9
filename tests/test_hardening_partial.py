"""Issue 13, item 4: ``--max-seconds`` and Ctrl-C stop a long search cleanly and show what was found so far.

The engines keep the finished steps of stopped work; the commands print them, marked partial
with how far the work got, and exit 3 (time limit) or 130 (Ctrl-C) without writing a file.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from tests.conftest import interrupted
from typer.testing import CliRunner

from scenarist.cli import app
from scenarist.engines import exhaustive
from scenarist.engines._chunks import chunk_spans
from scenarist.engines.cib import find_scenarios, partial_result
from scenarist.engines.weights import volume_weights
from scenarist.errors import StoppedError
from scenarist.model import compile_model, load_model

runner = CliRunner()


def _model(path: Path, n: int, variants: int = 3) -> Path:
    names = ", ".join(f"{{id: v{i}, name: v}}" for i in range(variants))
    lines = ["scenarist: 1", "id: big", "title: big", "descriptors:"]
    lines += [f"- {{id: d{k}, name: d, variants: [{names}]}}" for k in range(n)]
    lines += ["judgments:"] + [f"- {{from: d{k}.v0, to: d{(k + 1) % n}.v0, impact: 1}}" for k in range(n)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _stop_at(step: int, error: Callable[[], BaseException]) -> Callable[[int, int], None]:
    calls = [0]

    def progress(_done: int, _total: int) -> None:
        calls[0] += 1
        if calls[0] >= step:
            raise error()

    return progress


@pytest.fixture()
def small_steps(monkeypatch: pytest.MonkeyPatch) -> None:
    """Exhaustive search in steps of 500 scenarios (instead of 2^24), so that a small model has many."""
    monkeypatch.setattr(exhaustive, "chunk_spans", lambda total: chunk_spans(total, 500))


@pytest.mark.parametrize("error", [lambda: StoppedError("time"), KeyboardInterrupt])
def test_a_stopped_exhaustive_search_keeps_what_it_found(tmp_path: Path, small_steps: None, error: Any) -> None:
    compiled = compile_model(load_model(_model(tmp_path / "m.yaml", 8)))
    full = find_scenarios(compiled, tolerance=1, solver="exhaustive")
    with pytest.raises((StoppedError, KeyboardInterrupt)) as caught:
        find_scenarios(compiled, tolerance=1, solver="exhaustive", progress=_stop_at(4, error))
    partial = partial_result(caught.value)
    assert partial is not None and not partial.complete
    assert partial.stopped.startswith("stopped after 2,000 of 6,561 scenarios (30.5% of the search)")
    searched = {s.indices for s in full.scenarios if int(compiled.flat_indices(np.array([s.indices]))[0]) < 2000}
    assert {s.indices for s in partial.scenarios} == searched, "the partial set is not what the first steps hold"
    assert 0 < len(partial) < len(full)
    assert partial.to_dict()["complete"] is False


def test_a_stopped_pruned_search_keeps_what_it_found(tmp_path: Path) -> None:
    compiled = compile_model(load_model(_model(tmp_path / "m.yaml", 12)))
    full = {s.indices for s in find_scenarios(compiled, tolerance=0, solver="pruned").scenarios}
    with pytest.raises(KeyboardInterrupt) as caught:
        find_scenarios(compiled, tolerance=0, solver="pruned", progress=_stop_at(3, KeyboardInterrupt))
    partial = partial_result(caught.value)
    assert partial is not None and "search prefixes" in partial.stopped
    assert {s.indices for s in partial.scenarios} <= full
    assert 0 < len(partial) < len(full)


def test_stopped_monte_carlo_weights_are_those_of_the_starts_followed(tmp_path: Path) -> None:
    compiled = compile_model(load_model(_model(tmp_path / "m.yaml", 6)))
    with pytest.raises(StoppedError) as caught:
        volume_weights(compiled, method="monte-carlo", starts=10 * 2**20, progress=_stop_at(2, lambda: StoppedError()))
    partial = partial_result(caught.value)
    assert partial.starts == 2 * 2**20 and partial.stopped.startswith("stopped after 2,097,152 of 10,485,760")
    assert sum(a.weight for a in partial.attractors) + partial.cycles == partial.starts
    # the same seed: the two chunks followed are exactly the first two chunks of a run asked for two
    whole = volume_weights(compiled, method="monte-carlo", starts=2 * 2**20)
    assert [a.weight for a in partial.attractors] == [a.weight for a in whole.attractors]


def test_scenarios_prints_what_was_found_when_the_time_is_up(tmp_path: Path, small_steps: None) -> None:
    model = _model(tmp_path / "m.yaml", 8)
    result = runner.invoke(app, ["--max-seconds", "0.000001", "scenarios", str(model), "--tolerance", "1"])
    assert result.exit_code == 3, result.output
    assert "found so far with inconsistency ≤ 1" in result.stdout
    assert "PARTIAL RESULT: stopped after 500 of 6,561 scenarios" in result.stdout
    assert "partial result: stopped after 500 of 6,561 scenarios" in result.stderr
    assert result.stderr.strip().endswith("no file was written")
    as_json = runner.invoke(app, ["--max-seconds", "0.000001", "scenarios", str(model), "--format", "json"])
    assert as_json.exit_code == 3
    doc = json.loads(as_json.stdout)
    assert doc["complete"] is False and doc["stopped"].startswith("stopped after 500 of 6,561")


def test_run_says_which_section_was_not_finished(tmp_path: Path, small_steps: None) -> None:
    model = _model(tmp_path / "m.yaml", 8)
    result = runner.invoke(app, ["--max-seconds", "0.000001", "run", str(model), "--out", str(tmp_path / "r")])
    assert result.exit_code == 3, result.output
    assert "PARTIAL RESULT: stopped after 500 of 6,561 scenarios" in result.stdout
    assert "the report was not written" in result.stdout
    assert not (tmp_path / "r").exists()


def _weights_process(model: Path, *options: str) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "scenarist", *options, "weights", str(model), "--starts", "9000000000"]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_ctrl_c_prints_the_weights_found_so_far(tmp_path: Path) -> None:
    proc = _weights_process(_model(tmp_path / "m.yaml", 6))
    stdout, stderr = interrupted(proc, after=12, timeout=120)
    assert proc.returncode == 130, stderr
    assert "Traceback" not in stderr
    assert "PARTIAL RESULT: stopped after" in stdout and "of 9,000,000,000 random starts" in stdout
    assert "Method Monte Carlo" in stdout
    assert stderr.strip().endswith("error: interrupted; no file was written")


def test_max_seconds_prints_the_weights_found_so_far(tmp_path: Path) -> None:
    proc = _weights_process(_model(tmp_path / "m.yaml", 6), "--max-seconds", "8")
    stdout, stderr = proc.communicate(timeout=180)
    assert proc.returncode == 3, stderr
    assert "Traceback" not in stderr
    assert "PARTIAL RESULT: stopped after" in stdout and "of 9,000,000,000 random starts" in stdout
    assert "partial result: stopped after" in stderr
    assert stderr.strip().endswith(
        "error: stopped after --max-seconds 8: the work was not finished; no file was written"
    )
