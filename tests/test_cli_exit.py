"""The command line ends a finished command without the interpreter's teardown: nothing it printed or
registered to run at exit is lost, and its exit status is kept."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

COMMAND = [sys.executable, "-m", "scenarist"]


def _run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*COMMAND, *args], capture_output=True, text=True, cwd=cwd, env=os.environ.copy())


def test_a_long_output_arrives_whole_and_the_status_is_zero() -> None:
    done = _run("scenarios", "--format", "json")
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)  # every byte flushed: a cut document would not parse
    assert doc["scenarios"]


def test_an_error_keeps_its_status_and_its_message(tmp_path: Path) -> None:
    done = _run("check", str(tmp_path / "missing.yaml"))
    assert done.returncode == 2
    assert "missing.yaml" in done.stderr


def test_exit_handlers_still_run(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    code = (
        "import atexit, pathlib, sys\n"
        f"atexit.register(pathlib.Path({str(marker)!r}).write_text, 'yes')\n"
        "from scenarist.cli import main\n"
        "sys.argv = ['scenarist', 'scenarios', '--format', 'json']\n"
        "main()\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["scenarios"]
    assert marker.read_text() == "yes"


def test_building_only_the_named_command_changes_no_help_and_no_error() -> None:
    """The console entry builds only the command or group named first; what the user sees is the same."""
    from typer.testing import CliRunner

    from scenarist.cli import app
    from scenarist.cli._app import _invoked

    runner = CliRunner()
    cases = [
        ["--help"],
        ["evidence", "--help"],
        ["evidence", "add", "--help"],
        ["news", "feeds", "--help"],
        ["run", "--help"],
        ["explain", "--help"],
        ["evidence"],
        ["evidence", "nosuch"],
        ["nosuch"],
        ["check", "no-such-file.yaml"],
    ]
    for argv in cases:
        whole = runner.invoke(app, argv, env={"COLUMNS": "100"})
        slim = runner.invoke(_invoked(argv), argv, env={"COLUMNS": "100"})
        assert (slim.exit_code, slim.output) == (whole.exit_code, whole.output), argv
    assert _invoked(["evidence", "add"]) is not app
    assert _invoked(["--debug", "evidence"]) is app  # a global option first: the whole app
