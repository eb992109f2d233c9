"""The front page's figures as SVG: dated probability lines, the future landscape and a scenario's impact diagram.

Like :mod:`scenarist.report.charts`, each returns SVG markup, or None without the ``charts`` extra.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence

import numpy as np
import numpy.typing as npt

from scenarist.model.schema import Judgment
from scenarist.report.charts import _pyplot, _to_svg, charts_available

__all__ = ["PALETTE", "classical_mds", "dated_lines", "impact_diagram", "landscape"]

PALETTE = ("#4c72b0", "#dd8452", "#55a868", "#c44e52", "#8172b3", "#937860", "#da8bc3", "#8c8c8c")
"""Family colours in model order; *none of these* takes the last (grey)."""


def classical_mds(distances: npt.NDArray[np.float64], dims: int = 2) -> npt.NDArray[np.float64]:
    """Classical (Torgerson) multidimensional scaling: points whose Euclidean distances best match ``distances``."""
    n = distances.shape[0]
    if n == 0:
        return np.zeros((0, dims))
    centre = np.eye(n) - np.full((n, n), 1.0 / n)
    gram = -0.5 * centre @ (distances**2) @ centre
    values, vectors = np.linalg.eigh(gram)
    top = np.argsort(values)[::-1][:dims]
    coords = vectors[:, top] * np.sqrt(np.clip(values[top], 0.0, None))
    if coords.shape[1] < dims:
        coords = np.hstack([coords, np.zeros((n, dims - coords.shape[1]))])
    result: npt.NDArray[np.float64] = coords
    return result


def dated_lines(
    series: Mapping[str, Sequence[float]],
    dates: Sequence[dt.date | None],
    *,
    title: str,
    colours: Mapping[str, str] | None = None,
    size: tuple[float, float] = (8.0, 3.6),
) -> str | None:
    """Probability (%) lines over a date axis; the undated first point (before evidence) sits a day before the rest."""
    if not charts_available() or not dates:
        return None
    plt = _pyplot()
    known = [d for d in dates if d is not None]
    first = (min(known) - dt.timedelta(days=1)) if known else dt.date.today()
    xs = [d or first for d in dates]
    fig, ax = plt.subplots(figsize=size)
    for name, values in series.items():
        ax.step(xs, [100 * v for v in values], where="post", marker="o", markersize=3, label=name,
                color=(colours or {}).get(name))  # fmt: skip
    ax.set_ylim(0, 100)
    ax.set_ylabel("%")
    ax.set_title(title, loc="left", fontsize=10)
    fig.autofmt_xdate()
    if len(series) > 1:
        ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    ax.spines[["top", "right"]].set_visible(False)
    return _to_svg(fig)


def landscape(
    points: Sequence[tuple[Sequence[int], float, str]], families: Sequence[str], labels: Mapping[str, str]
) -> str | None:
    """The future landscape: (variant indices, probability, family) placed by MDS of Hamming distances."""
    if not charts_available() or len(points) < 2:
        return None
    plt = _pyplot()
    rows = np.asarray([p[0] for p in points], dtype=np.int64)
    distances = (rows[:, None, :] != rows[None, :, :]).sum(axis=2).astype(np.float64)
    xy = classical_mds(distances)
    fig, ax = plt.subplots(figsize=(7.5, 5.5))
    top = max(p[1] for p in points) or 1.0
    for k, family in enumerate(families):
        mine = [i for i, p in enumerate(points) if p[2] == family]
        if not mine:
            continue
        colour = PALETTE[min(k, len(PALETTE) - 2)] if k < len(families) - 1 else PALETTE[-1]
        sizes = [40 + 900 * points[i][1] / top for i in mine]
        ax.scatter(xy[mine, 0], xy[mine, 1], s=sizes, color=colour, alpha=0.7, edgecolors="white",
                   label=labels.get(family, family))  # fmt: skip
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title("Future landscape: near scenarios share variants; area = probability now", loc="left", fontsize=10)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0), markerscale=0.5)
    return _to_svg(fig)


def impact_diagram(
    variants: Mapping[str, str], judgments: Sequence[Judgment], names: Mapping[tuple[str, str], str]
) -> str | None:
    """One scenario: its variants on a circle, an arrow per judgment between them (width = impact, red = negative)."""
    if not charts_available() or not variants:
        return None
    plt = _pyplot()
    from matplotlib.patches import FancyArrowPatch

    ids = list(variants)
    n = len(ids)
    angles = [math.pi / 2 - 2 * math.pi * k / n for k in range(n)]
    pos = {d: (math.cos(a), math.sin(a)) for d, a in zip(ids, angles)}
    fig, ax = plt.subplots(figsize=(7.5, 6))
    for j in judgments:
        a, b = j.source.split(".", 1)[0], j.target.split(".", 1)[0]
        arrow = FancyArrowPatch(pos[a], pos[b], arrowstyle="-|>", mutation_scale=12, connectionstyle="arc3,rad=0.12",
                                linewidth=0.8 * abs(j.impact), shrinkA=12, shrinkB=12, alpha=0.8,
                                color="#1a7f37" if j.impact > 0 else "#c62828")  # fmt: skip
        ax.add_patch(arrow)
    for d, (x, y) in pos.items():
        ax.plot([x], [y], "o", markersize=10, color="#dd8452", zorder=3)
        ax.annotate(names.get((d, variants[d]), variants[d]), (x * 1.12, y * 1.12), fontsize=8, va="center",
                    ha="center" if abs(x) < 0.3 else ("left" if x > 0 else "right"))  # fmt: skip
    ax.set_xlim(-2.1, 2.1)
    ax.set_ylim(-1.35, 1.35)
    ax.set_aspect("equal")
    ax.axis("off")
    return _to_svg(fig)
