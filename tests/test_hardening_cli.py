"""Issue 13, items 3, 4, 5, 7, 10 and 11 from the command line: one error line, no traceback, no hang."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import interrupted
from typer.testing import CliRunner

from scenarist import limits
from scenarist.cli import app

runner = CliRunner()


def cli(*args: str, env: dict[str, str] | None = None) -> Any:
    return runner.invoke(app, [str(a) for a in args], catch_exceptions=False, env=env)


def one_error(result: Any) -> str:
    """The one error line of a refused command (exit 2 for bad input, 1 for other failures)."""
    assert result.exit_code in (1, 2), result.output
    assert "Traceback" not in result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, result.stderr
    return errors[0]


def _binary_model(path: Path, n: int, variants: int = 2) -> Path:
    names = ", ".join(f"{{id: v{i}, name: v}}" for i in range(variants))
    lines = ["scenarist: 1", "id: big", "title: big", "descriptors:"]
    lines += [f"- {{id: d{k}, name: d, variants: [{names}]}}" for k in range(n)]
    lines += ["judgments:"] + [f"- {{from: d{k}.v0, to: d{(k + 1) % n}.v0, impact: 1}}" for k in range(n)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["run", "--seed", "-1"], "--seed must lie between 0"),
        (["run", "--tolerance", "99999999999999999999"], "--tolerance must lie between 0"),
        (["run", "--draws", "1000000000000"], f"--draws must lie between 1 and {limits.MAX_DRAWS:,}"),
        (["weights", "--starts", "0"], "--starts must lie between 1"),
        (["weights", "--starts", "99999999999999999999"], "--starts must lie between 1"),
        (["serve", "--draws", "99999999999999999999"], "--draws must lie between 1"),
        (["evidence", "retract", "99999999999999999999999"], "EVIDENCE_ID must lie between 1"),
    ],
)
def test_absurd_counts_are_refused(args: list[str], expected: str) -> None:
    assert expected in one_error(cli(*args))


def test_output_paths_are_checked_first(tmp_path: Path) -> None:
    assert "is a folder" in one_error(cli("export", "-o", str(tmp_path)))
    assert "does not exist" in one_error(cli("export", "-o", str(tmp_path / "missing" / "m.json")))
    afile = tmp_path / "afile"
    afile.write_text("x", encoding="utf-8")
    assert "is a file, not a folder" in one_error(cli("run", "--out", str(afile / "sub")))
    assert not (tmp_path / "missing").exists()


def test_transform_refuses_overflowing_factors(tmp_path: Path) -> None:
    target = tmp_path / "t.yaml"
    for factor in ("1e300", "inf"):
        one_error(cli("transform", "us-russia-2025", "-o", str(target), "--multiply", factor))
    assert not target.exists()


def test_a_space_too_large_for_an_exact_search_is_refused_up_front(tmp_path: Path) -> None:
    model = _binary_model(tmp_path / "huge.yaml", 200)
    assert "valid" in cli("check", str(model)).stdout
    for command in ("scenarios", "run"):
        started = time.monotonic()
        line = one_error(
            cli(command, str(model), "--out", str(tmp_path)) if command == "run" else cli(command, str(model))
        )
        assert "more than an exact search can cover" in line
        assert time.monotonic() - started < 20


def test_exact_weights_refuse_spaces_too_large_to_enumerate(tmp_path: Path) -> None:
    model = _binary_model(tmp_path / "wide.yaml", 40)
    assert "enumerated one by one" in one_error(cli("weights", str(model), "--exact"))


def test_the_cost_is_said_before_a_large_search(tmp_path: Path) -> None:
    model = _binary_model(tmp_path / "mid.yaml", 22)
    result = cli("scenarios", str(model), "--format", "json")
    assert result.exit_code == 0, result.output
    assert "exact pruned search over 4,194,304 scenarios" in result.stderr
    one_by_one = cli("scenarios", str(model), "--method", "exhaustive", "--format", "json")
    assert one_by_one.exit_code == 0, one_by_one.output
    assert "4,194,304 scenarios to evaluate one by one" in one_by_one.stderr
    assert "pruned" not in one_by_one.stderr


def _scenario_run(model: Path, *options: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "scenarist", *options, "scenarios", str(model)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


@pytest.mark.parametrize("work", ["search", "monte-carlo"])
def test_max_seconds_stops_a_long_search_cleanly(tmp_path: Path, work: str) -> None:
    # a search inside one compiled kernel (stopped by the watchdog), or Monte Carlo steps (stopped between them)
    if work == "search":
        proc = _scenario_run(_binary_model(tmp_path / "wide.yaml", 34, variants=3), "--max-seconds", "1")
    else:
        model = _binary_model(tmp_path / "mid.yaml", 12, variants=3)
        command = [
            sys.executable,
            "-m",
            "scenarist",
            "--max-seconds",
            "1",
            "weights",
            str(model),
            "--starts",
            "9000000000",
        ]
        proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    started = time.monotonic()
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 3, stderr
    assert "Traceback" not in stderr
    assert "stopped after --max-seconds 1" in stderr
    assert time.monotonic() - started < 60


def test_ctrl_c_stops_a_search_inside_a_kernel(tmp_path: Path) -> None:
    proc = _scenario_run(_binary_model(tmp_path / "wide.yaml", 34, variants=3))
    _, stderr = interrupted(proc, after=6, timeout=60)
    assert proc.returncode == 130, stderr
    assert "Traceback" not in stderr
    last = stderr.strip().splitlines()[-1]
    assert last.startswith("error: interrupted") and last.endswith("no file was written"), stderr


def test_model_text_cannot_drive_the_terminal(tmp_path: Path) -> None:
    path = tmp_path / "esc.yaml"
    path.write_text(
        _binary_model(tmp_path / "x.yaml", 2).read_text().replace("title: big", 'title: "a\\e]0;x\\ab\\e[2Jc"')
    )
    result = cli("run", str(path), "--out", str(tmp_path / "r"))
    assert result.exit_code == 0, result.output
    assert "\x1b]0;" not in result.stdout and "\x1b[2J" not in result.stdout


@pytest.mark.parametrize(
    "url",
    ["postgresql+psycopg://u:s3cretpw@localhost:xx/db", "postgresql+psycopg://u:s3cretpw@local host:xx/db"],
)
def test_bad_database_urls_never_show_the_password(url: str) -> None:
    line = one_error(cli("probabilities", "--db", url))
    assert "s3cretpw" not in line and "***" in line


def test_a_data_folder_that_is_a_file_is_one_error(tmp_path: Path) -> None:
    afile = tmp_path / "afile"
    afile.write_text("x", encoding="utf-8")
    env = {"XDG_DATA_HOME": str(afile), "SCENARIST_DB": ""}
    assert "cannot create the ledger folder" in one_error(cli("evidence", "list", env=env))


def test_a_fifo_as_the_model_does_not_hang(tmp_path: Path) -> None:
    fifo = tmp_path / "m.yaml"
    os.mkfifo(fifo)
    assert "not a regular file" in one_error(cli("check", str(fifo)))
