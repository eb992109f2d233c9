"""The notebook example runs: frames and a chart of the bundled model, executed in a real kernel."""

from __future__ import annotations

from pathlib import Path

import jupytext
from nbclient import NotebookClient

NOTEBOOK = Path(__file__).resolve().parents[1] / "docs" / "examples" / "notebook.py"


def test_the_notebook_executes_with_frames_and_a_chart(tmp_path: Path) -> None:
    notebook = jupytext.read(NOTEBOOK)
    NotebookClient(
        notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    ).execute()
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    html = [o["data"]["text/html"] for o in outputs if "text/html" in o.get("data", {})]
    assert any("none_of_these" in h for h in html), "the family frame is shown"
    assert any("image/png" in o.get("data", {}) for o in outputs), "the chart is shown"
