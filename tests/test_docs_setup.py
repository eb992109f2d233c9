"""Starting files and where state lives: ``scenarist init`` and ``scenarist info``."""

from __future__ import annotations

from pathlib import Path

import yaml
from typer.testing import CliRunner

from scenarist.cli import app
from scenarist.service import SETTINGS

ROOT = Path(__file__).resolve().parents[1]
runner = CliRunner()


def test_init_writes_the_tutorial_model(tmp_path: Path) -> None:
    result = runner.invoke(app, ["init", "--example", "riverton", str(tmp_path / "new")])
    assert result.exit_code == 0, result.output
    written = tmp_path / "new" / "riverton.yaml"
    assert written.read_text(encoding="utf-8") == (ROOT / "docs" / "examples" / "tiny.yaml").read_text(encoding="utf-8")
    check = runner.invoke(app, ["check", str(written)])
    assert check.exit_code == 0 and "valid" in check.output


def test_init_writes_the_bundled_model_with_its_sources(tmp_path: Path) -> None:
    result = runner.invoke(app, ["init", "--example", "us-russia-2025", str(tmp_path)])
    assert result.exit_code == 0, result.output
    model = yaml.safe_load((tmp_path / "us-russia-2025.yaml").read_text(encoding="utf-8"))
    assert model["id"] == "us-russia-2025"
    assert "paragraph" in (tmp_path / "us-russia-2025-sources.md").read_text(encoding="utf-8")


def test_init_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    target = tmp_path / "riverton.yaml"
    target.write_text("mine", encoding="utf-8")
    refused = runner.invoke(app, ["init", str(tmp_path)])
    assert refused.exit_code == 2
    assert "already exists" in refused.output and target.read_text(encoding="utf-8") == "mine"
    forced = runner.invoke(app, ["init", "--force", str(tmp_path)])
    assert forced.exit_code == 0 and target.read_text(encoding="utf-8") != "mine"


def test_info_masks_the_password_and_lists_the_settings() -> None:
    result = runner.invoke(
        app, ["info", "--db", "postgresql+psycopg://ana:s3cret@db.example/ledger"], env={"COLUMNS": "200"}
    )
    assert result.exit_code == 0, result.output
    assert "s3cret" not in result.output
    assert "postgresql+psycopg://ana:***@db.example/ledger" in result.output
    assert "us-russia-2025" in result.output
    for setting in SETTINGS.values():
        assert setting.name in result.output
        assert f"{setting.default:,}" in result.output
    assert "extra frames" in result.output


def test_info_reads_the_ledger_from_the_environment_without_creating_it(tmp_path: Path) -> None:
    ledger = tmp_path / "mine.sqlite"
    result = runner.invoke(app, ["info"], env={"SCENARIST_DB": str(ledger), "COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert str(ledger) in result.output
    assert not ledger.exists()


def test_info_refuses_a_malformed_url_without_echoing_it() -> None:
    result = runner.invoke(app, ["info", "--db", "postgresql+psycopg://ana:s3cret@host:notaport/x"])
    assert "s3cret" not in result.output
