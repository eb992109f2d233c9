"""Charts as self-contained SVG text (matplotlib, text drawn as paths: no fonts or network needed).

Each function returns the SVG markup, or None when the ``charts`` extra is not installed.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import io
import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from scenarist.model.compile import CompiledModel

__all__ = ["bar_chart", "charts_available", "charts_version", "impact_network", "line_chart", "reliability_chart"]


def charts_available() -> bool:
    """Whether matplotlib (the ``charts`` extra) is installed; it is not imported here."""
    return importlib.util.find_spec("matplotlib") is not None


def charts_version() -> str:
    """The installed matplotlib's version ("" without it): a stored figure is drawn by one version."""
    try:
        return importlib.metadata.version("matplotlib")
    except importlib.metadata.PackageNotFoundError:
        return ""


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    matplotlib.rcParams["svg.fonttype"] = "path"
    matplotlib.rcParams["svg.hashsalt"] = "scenarist"
    import matplotlib.pyplot as plt

    return plt


def _to_svg(fig: Any) -> str:
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    _pyplot().close(fig)
    text = buffer.getvalue()
    return text[text.index("<svg") :]


def bar_chart(
    values: Mapping[str, float],
    *,
    title: str,
    xlabel: str,
    errors: Mapping[str, tuple[float, float]] | None = None,
) -> str | None:
    """Horizontal bars, one per label, in the given order; optional (low, high) intervals."""
    if not charts_available():
        return None
    plt = _pyplot()
    labels = list(values)
    fig, ax = plt.subplots(figsize=(7.5, 0.5 * len(labels) + 1.2))
    y = np.arange(len(labels))[::-1]
    ax.barh(y, [values[k] for k in labels], color="#4c72b0")
    if errors:
        lo = [values[k] - errors[k][0] for k in labels]
        hi = [errors[k][1] - values[k] for k in labels]
        ax.errorbar([values[k] for k in labels], y, xerr=[lo, hi], fmt="none", ecolor="#333333", capsize=3)
    ax.set_yticks(y, labels)
    ax.set_xlabel(xlabel)
    ax.set_title(title, loc="left")
    ax.spines[["top", "right"]].set_visible(False)
    return _to_svg(fig)


def _block_strength(model: CompiledModel) -> np.ndarray:
    n = model.n_descriptors
    strength = np.zeros((n, n))
    off = model.offsets
    for a in range(n):
        for b in range(n):
            if a != b:
                strength[a, b] = np.abs(model.matrix[off[a] : off[a + 1], off[b] : off[b + 1]]).sum()
    return strength


def impact_network(model: CompiledModel, labels: Sequence[str]) -> str | None:
    """Descriptors on a circle; an arrow d → e whose width grows with the sum of |impacts| of d on e."""
    if not charts_available():
        return None
    plt = _pyplot()
    from matplotlib.patches import FancyArrowPatch

    n = model.n_descriptors
    strength = _block_strength(model)
    top = strength.max() or 1.0
    angles = [math.pi / 2 - 2 * math.pi * k / n for k in range(n)]
    pos = [(math.cos(a), math.sin(a)) for a in angles]
    fig, ax = plt.subplots(figsize=(8, 8))
    for a in range(n):
        for b in range(n):
            if strength[a, b] > 0:
                arrow = FancyArrowPatch(
                    pos[a],
                    pos[b],
                    arrowstyle="-|>",
                    mutation_scale=12,
                    connectionstyle="arc3,rad=0.12",
                    linewidth=0.4 + 3.0 * strength[a, b] / top,
                    color="#4c72b0",
                    alpha=0.35 + 0.5 * strength[a, b] / top,
                    shrinkA=14,
                    shrinkB=14,
                )
                ax.add_patch(arrow)
    for (x, y), label in zip(pos, labels):
        ax.plot([x], [y], "o", markersize=16, color="#dd8452", zorder=3)
        ax.annotate(
            label,
            (x * 1.13, y * 1.13),
            ha="center" if abs(x) < 0.3 else ("left" if x > 0 else "right"),
            va="center",
            fontsize=9,
        )
    ax.set_xlim(-1.9, 1.9)
    ax.set_ylim(-1.45, 1.45)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title("Impact network: arrow width = total |impact| of one descriptor on another", loc="left")
    return _to_svg(fig)


def line_chart(series: Mapping[str, Sequence[float]], labels: Sequence[str], *, title: str, ylabel: str) -> str | None:
    """One line per series over the labelled steps (e.g. probabilities after each piece of evidence)."""
    if not charts_available():
        return None
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(8, 4))
    x = np.arange(len(labels))
    for name, values in series.items():
        ax.plot(x, values, marker="o", label=name)
    ax.set_xticks(x, labels, rotation=30, ha="right", fontsize=8)
    ax.set_ylabel(ylabel)
    ax.set_ylim(0, 100)
    ax.set_title(title, loc="left")
    ax.legend(fontsize=8, loc="best")
    ax.spines[["top", "right"]].set_visible(False)
    return _to_svg(fig)


def reliability_chart(points: Sequence[tuple[float, float, int]], *, title: str) -> str | None:
    """Reliability diagram: mean forecast vs observed frequency per bin (marker size ~ count)."""
    if not charts_available():
        return None
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(5, 5))
    ax.plot([0, 1], [0, 1], linestyle="--", color="#999999", label="perfect calibration")
    if points:
        xs, ys, ns = zip(*points)
        ax.scatter(xs, ys, s=[30 + 20 * n for n in ns], color="#4c72b0", zorder=3, label="questions")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel("forecast probability")
    ax.set_ylabel("observed frequency")
    ax.set_title(title, loc="left")
    ax.legend(fontsize=8, loc="upper left")
    return _to_svg(fig)
