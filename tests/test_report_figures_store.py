"""Figures kept in a lasting store: the same key in every process, and a report drawn again without plotting."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from report_fixture import build
from scenarist import service
from scenarist.report import html as report_html
from scenarist.report.charts import impact_network
from scenarist.report.figures import impact_diagram


def _keys_here() -> list[str]:
    from scenarist.report.tables import variant_names

    loaded = service.load("us-russia-2025")
    model, compiled = loaded.model, loaded.compiled
    variants = {d.id: d.variants[0].id for d in model.descriptors}
    judgments = tuple(model.judgments[:5])
    return [
        report_html._figure_key(impact_diagram, (variants, judgments, variant_names(model)), {}),
        report_html._figure_key(impact_network, (compiled, [d.name for d in model.descriptors]), {"size": 2.5}),
    ]


def test_a_figure_has_the_same_key_in_another_process() -> None:
    # Another hash seed changes the order of sets and the hashes of strings: the key must not depend on them.
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    here = Path(__file__).resolve().parent
    script = f"import sys; sys.path.insert(0, {str(here)!r}); import {Path(__file__).stem} as t; print(*t._keys_here())"
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split() == _keys_here()


def test_a_figure_key_changes_with_any_argument() -> None:
    loaded = service.load("us-russia-2025")
    compiled = loaded.compiled
    labels = [d.name for d in loaded.model.descriptors]
    key = report_html._figure_key(impact_network, (compiled, labels), {})
    shifted = compiled.matrix.copy()
    shifted[0, -1] += 1
    assert report_html._figure_key(impact_network, (replace(compiled, matrix=shifted), labels), {}) != key
    assert report_html._figure_key(impact_network, (compiled, [*labels[:-1], "other"]), {}) != key
    assert report_html._figure_key(impact_network, (compiled, labels), {"title": "x"}) != key
    assert report_html._figure_key(impact_diagram, (compiled, labels), {}) != key


def _store(kept: dict[tuple[str, tuple[Any, ...]], str | None], *, draw: bool) -> Callable[..., str | None]:
    def store(kind: str, key: tuple[Any, ...], compute: Callable[[], str | None]) -> str | None:
        if (kind, key) not in kept:
            assert draw, f"figure {key} was drawn again"
            kept[(kind, key)] = compute()
        return kept[(kind, key)]

    return store


def _without_clock(page: str) -> str:
    return re.sub(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC", "", page)


def test_a_report_drawn_again_from_its_store_draws_no_figure(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    inputs = build(tmp_path, draws=1_000).inputs
    kept: dict[tuple[str, tuple[Any, ...]], str | None] = {}
    monkeypatch.setattr(report_html, "_FIGURES", type(report_html._FIGURES)())
    first = report_html.render_html(replace(inputs, figure_store=_store(kept, draw=True)))
    svgs = [v for v in kept.values() if v is not None]
    assert len(svgs) >= 6 and all(v.startswith("<svg") for v in svgs)
    assert all(kind == "figure" for kind, _ in kept)
    monkeypatch.setattr(report_html, "_FIGURES", type(report_html._FIGURES)())
    again = report_html.render_html(replace(inputs, figure_store=_store(kept, draw=False)))
    assert _without_clock(again) == _without_clock(first)
    assert all(svg in again for svg in svgs)


def test_run_again_on_an_unchanged_model_does_not_import_the_plotting_library(tmp_path: Path) -> None:
    env = {**os.environ, "SCENARIST_CACHE_DIR": str(tmp_path / "cache"), "SCENARIST_CACHE": "on"}
    command = [sys.executable, "-X", "importtime", "-m", "scenarist", "run", "--draws", "500", "--out", str(tmp_path)]
    first = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
    report = (tmp_path / "us-russia-2025.html").read_text(encoding="utf-8")
    second = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
    assert " matplotlib" in first.stderr
    assert " matplotlib" not in second.stderr
    again = (tmp_path / "us-russia-2025.html").read_text(encoding="utf-8")
    assert again.count("<svg") == report.count("<svg") >= 6
    assert _without_clock(again) == _without_clock(report)
