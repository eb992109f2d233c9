"""``scenarist run --format md``: the front page as Markdown on stdout, the HTML report still written."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from scenarist import service
from scenarist.cli import app
from scenarist.report.brief import pct

runner = CliRunner()


def test_run_format_md_prints_the_front_page_and_writes_the_report(tmp_path: Path) -> None:
    db = tmp_path / "ledger.sqlite"
    args = ["run", "us-russia-2025", "--format", "md", "--draws", "1000", "--out", str(tmp_path), "--db", str(db)]
    result = runner.invoke(app, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    md = result.stdout
    assert md.startswith("# U.S.-Russia"), md[:200]
    assert "## The bottom line" in md and "## Signposts worth watching" in md and "## The families" in md
    assert "Consistent scenarios" not in md  # the terminal tables give way to the document
    loaded = service.load("us-russia-2025")
    with service.open_ledger(str(db)) as ledger:
        standing = service.standing(loaded, ledger, service.AnalysisSettings(draws=1000))
    partnership = standing.now.probability("partnership")
    assert f"| A partnership without commitment | {pct(partnership)} |" in md
    assert (tmp_path / "us-russia-2025.html").is_file()
    assert "Report written to" in result.stderr
