"""The self-contained HTML report: one file, inline CSS and SVG, opens with no network."""

from __future__ import annotations

import datetime as dt
import hashlib
import sys
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from scenarist import __version__
from scenarist.engines.bayes import Posterior, Timeline, WatchItem
from scenarist.engines.cib import ScenarioSet
from scenarist.engines.scoring import ScoreReport
from scenarist.engines.sensitivity import SensitivityResult
from scenarist.engines.uncertainty import ProbabilityResult
from scenarist.engines.weights import VolumeWeights
from scenarist.model.compile import CompiledModel
from scenarist.model.families import NONE_OF_THESE
from scenarist.model.schema import Model
from scenarist.report.brief import Brief, bottom_line, family_names
from scenarist.report.charts import (
    bar_chart,
    charts_available,
    charts_version,
    impact_network,
    reliability_chart,
)
from scenarist.report.figures import PALETTE, dated_lines, impact_diagram, landscape
from scenarist.report.tables import StandingView, variant_names

__all__ = ["FigureStore", "ReportInputs", "render_html", "write_report"]

FigureStore = Callable[[str, tuple[Any, ...], Callable[[], "str | None"]], "str | None"]
"""A lasting store of drawn figures: ``store(kind, key, draw)`` returns ``draw()``, or what it kept for
the same kind and key (the service's results cache has this shape). With one, a report drawn again
from unchanged results needs no plotting library at all."""


@dataclass(frozen=True)
class ReportInputs:
    """Everything the report shows; each engine result it renders is given, never computed here."""

    model: Model
    compiled: CompiledModel
    scenarios: ScenarioSet
    weights: VolumeWeights | None = None
    probabilities: ProbabilityResult | None = None
    posterior: Posterior | None = None
    timeline: Timeline | None = None
    watch: tuple[WatchItem, ...] = ()
    sensitivity: SensitivityResult | None = None
    scores: ScoreReport | None = None
    standing: StandingView | None = None
    brief: Brief | None = None
    figure_store: FigureStore | None = None


def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("scenarist.report", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env


def _svg(markup: str | None) -> Markup | None:
    # Our own matplotlib output: safe to embed as markup.
    return Markup(markup) if markup is not None else None


def _context(inputs: ReportInputs) -> dict[str, Any]:
    model, result = inputs.model, inputs.scenarios
    draw = partial(_once, store=inputs.figure_store)
    counts = result.named_counts(max_inconsistency=0)
    named_names = {s.id: s.name for s in model.scenarios}
    chart_values = {named_names[k]: float(v) for k, v in counts.items() if k}
    chart_values["none of these"] = float(counts[""])
    weights = inputs.weights
    shares = weights.named_shares(result.named_ids) if weights is not None else None
    shares_chart = None
    if shares is not None:
        values = {named_names[k]: 100 * v for k, v in shares.items() if k}
        values["none of these"] = 100 * shares[""]
        shares_chart = draw(bar_chart, values, title="Share of starts settling in each named scenario",
                            xlabel="% of starts")  # fmt: skip
    return {
        "weights": weights,
        "shares": shares,
        "shares_chart": _svg(shares_chart),
        "model": model,
        "result": result,
        "consistent": result.consistent(),
        "near": [s for s in result.scenarios if s.inconsistency > 0],
        "names": variant_names(model),
        "named_names": named_names,
        "families": [s for s in model.scenarios if s.kind == "family"],
        "counts": counts,
        "loose_counts": result.named_counts(max_inconsistency=result.tolerance),
        "counts_chart": _svg(
            draw(bar_chart, chart_values, title="Consistent scenarios per named scenario", xlabel="count")
        ),
        "network_chart": _svg(draw(impact_network, inputs.compiled, [d.name for d in model.descriptors])),
        "charts_available": charts_available(),
        "version": __version__,
        "generated": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


def _probability_context(inputs: ReportInputs, named_names: dict[str, str]) -> dict[str, Any]:
    probs = inputs.probabilities
    if probs is None:
        return {"probabilities": None}
    draw = partial(_once, store=inputs.figure_store)
    settled = probs.settled_partition()
    values = {named_names.get(n.id, n.id): 100 * n.probability for n in settled}
    errors = {named_names.get(n.id, n.id): (100 * n.interval[0], 100 * n.interval[1]) for n in settled}
    reliability = None
    if inputs.scores is not None and inputs.scores.scores:
        points = [(b.mean_forecast, b.observed_frequency, b.count) for b in inputs.scores.calibration]
        reliability = draw(reliability_chart, points, title="Reliability of resolved forecasts")
    signposts = {s.id: s for s in inputs.model.signposts}
    return {
        "probabilities": probs,
        "settled": settled,
        "posterior": inputs.posterior,
        "timeline": inputs.timeline,
        "watch": inputs.watch,
        "signpost_by_id": signposts,
        "sensitivity": inputs.sensitivity,
        "scores": inputs.scores,
        "probability_chart": _svg(
            draw(bar_chart, values, title="Named-scenario probability (90 % interval)", xlabel="%", errors=errors)
        ),
        "reliability_chart": _svg(reliability),
    }


def _colours(model: Model) -> dict[str, str]:
    families = [s.id for s in model.scenarios if s.kind == "family"]
    names = family_names(model)
    colours = {names[f]: PALETTE[min(k, len(PALETTE) - 2)] for k, f in enumerate(families)}
    colours[names[NONE_OF_THESE]] = PALETTE[-1]
    return colours


_FIGURES: OrderedDict[str, str | None] = OrderedDict()
_FIGURES_LOCK = threading.Lock()
_FIGURES_KEPT = 64


def _figure_key(draw: Callable[..., str | None], args: tuple[Any, ...], kwargs: dict[str, Any]) -> str:
    """A digest of the drawing function and its arguments, the same in every process.

    Arguments enter by their full ``repr`` (arrays unabridged), a compiled model by its arrays.
    """
    digest = hashlib.sha256(f"{draw.__module__}.{draw.__qualname__}".encode())
    with np.printoptions(threshold=sys.maxsize):
        for value in (*args, *sorted(kwargs.items())):
            if isinstance(value, CompiledModel):
                digest.update(f"compiled {value.id} {value.revision}".encode())
                for array in (value.offsets, value.matrix):
                    digest.update(array.tobytes())
            else:
                digest.update(repr(value).encode())
            digest.update(b"\0")
    return digest.hexdigest()


def _once(draw: Callable[..., str | None], *args: Any, store: FigureStore | None = None, **kwargs: Any) -> str | None:
    """A figure drawn once per arguments in this process, and kept in ``store`` if one is given.

    The web app draws the front page again after every change of the ledger; the impact diagrams
    change only when the most weighted members do. The command line's ``run`` draws the report
    again on every call, mostly from unchanged results: the store spares it the plotting library
    (its import alone takes about half a second). A figure of a plotting library not installed
    is not stored.
    """
    key = _figure_key(draw, args, kwargs)
    with _FIGURES_LOCK:
        if key in _FIGURES:
            _FIGURES.move_to_end(key)
            return _FIGURES[key]
    if store is not None and charts_available():
        svg = store("figure", (key, charts_version()), lambda: draw(*args, **kwargs))
    else:
        svg = draw(*args, **kwargs)
    with _FIGURES_LOCK:
        _FIGURES[key] = svg
        while len(_FIGURES) > _FIGURES_KEPT:
            _FIGURES.popitem(last=False)
    return svg


def brief_context(model: Model, brief: Brief | None, store: FigureStore | None = None) -> dict[str, Any]:
    """The front page and family sections: bottom line, figures per family, landscape, dated timeline."""
    if brief is None:
        return {"brief": None}
    draw = partial(_once, store=store)
    names = family_names(model)
    variants = variant_names(model)
    families = [s.id for s in model.scenarios if s.kind == "family"]
    dates = [d for d, _ in brief.history]
    colours = _colours(model)
    diagrams, histories = {}, {}
    for f in families:  # *none of these* has no section of its own
        members = brief.members.get(f, ())
        if members and members[0].holding:
            diagrams[f] = _svg(draw(impact_diagram, members[0].variants, members[0].holding, variants))
        if len(dates) > 1:
            series = {names[f]: [step.get(f, 0.0) for _, step in brief.history]}
            history = draw(dated_lines, series, dates, title="Probability as evidence arrived", colours=colours,
                           size=(6.0, 2.4))  # fmt: skip
            histories[f] = _svg(history)
    timeline = None
    if len(dates) > 1:
        series = {names[f]: [step.get(f, 0.0) for _, step in brief.history] for f in (*families, NONE_OF_THESE)}
        timeline = draw(dated_lines, series, dates, title="Family probabilities by date of evidence", colours=colours)
    return {
        "brief": brief,
        "bottom_line": bottom_line(brief, model),
        "family_name": names,
        "family_ids": families,
        "family_diagrams": diagrams,
        "family_histories": histories,
        "landscape_chart": _svg(draw(landscape, brief.landscape, (*families, NONE_OF_THESE), names)),
        "dated_timeline_chart": _svg(timeline),
        "signpost_name": {s.id: s.name for s in model.signposts},
        "ref_name": {f"{d}.{v}": name for (d, v), name in variants.items()},
        "names": variants,
    }


def render_html(inputs: ReportInputs) -> str:
    """The report as one HTML document."""
    context = _context(inputs)
    context.update(_probability_context(inputs, context["named_names"]))
    context.update(brief_context(inputs.model, inputs.brief, inputs.figure_store))
    return _environment().get_template("report.html.j2").render(**context)


def write_report(inputs: ReportInputs, path: Path) -> Path:
    """Write the report atomically (temporary file, then rename) and return its path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(render_html(inputs), encoding="utf-8")
    tmp.replace(path)
    return path
