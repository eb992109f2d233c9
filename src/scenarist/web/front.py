"""The overview's costly parts (the report's front page and its charts), built off the request path.

Drawing the charts of one ledger state takes seconds, so readers never wait for it: one
builder thread per model has the view of the latest ledger state drawn in a separate process
(matplotlib there, so the drawing does not hold the server's interpreter lock) and readers get the latest
view built, marked stale while a newer one is being drawn. A reader that notices a change
made by another client of the ledger asks the builder for a new view; a write through the app
asks for it right away, and a write from a form waits for it (the person who wrote sees the
charts of their change). The first view is built at start-up (or by the first reader).
Scenario names by family are here too.
"""

from __future__ import annotations

import dataclasses
import logging
import multiprocessing
import threading
from collections.abc import Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool as BrokenExecutor
from dataclasses import dataclass
from typing import Any, cast

import numpy as np

from scenarist.errors import ScenaristError
from scenarist.model import Model
from scenarist.report.brief import Brief
from scenarist.report.charts import bar_chart, line_chart
from scenarist.report.html import brief_context
from scenarist.service import NONE_OF_THESE, brief_of
from scenarist.service.report_inputs import distinguishing_label, family_members
from scenarist.web.state import CHART_LOCK, AppState, EvidenceKey, ModelEntry, Snapshot, markup
from scenarist.web.views import timeline_window

__all__ = ["Builder", "View", "builder_of", "refresh_view", "scenario_name", "view_of"]

log = logging.getLogger("scenarist.web")
WAIT_SECONDS = 120.0


@dataclass(frozen=True)
class View:
    """The drawn parts of the overview for one state of the evidence."""

    key: EvidenceKey
    context: dict[str, Any]
    number: int = 0
    """The builder's request number it answers (increases with every view drawn)."""


@dataclass(frozen=True)
class Drawing:
    """What a view's charts are drawn from: plain data, sent to the drawing process."""

    model: Model
    brief: Brief | None
    probability: tuple[dict[str, float], str] | None
    timeline: tuple[dict[str, list[float]], list[str]] | None


def _drawing(state: AppState, entry: ModelEntry, snap: Snapshot) -> Drawing:
    brief = None
    if snap.standing is not None and entry.compiled.named_ids:
        brief = brief_of(entry.model, entry.compiled, snap.standing, state.ledger)
    probability = None
    if snap.posterior is not None:
        values = {entry.named_names[n]: 100 * p for n, p in snap.posterior.named.items()}
        probability = (values, f"Named-scenario probability now (after {len(snap.active)} piece(s) of evidence)")
    timeline = None
    if snap.timeline is not None and len(snap.timeline.steps) >= 2:
        first, last = timeline_window(snap)
        steps = [snap.timeline.steps[0], *snap.timeline.steps[max(first, 1) : last]]
        labels = [
            "before evidence" if s.observation is None else f"{s.date} {s.observation.signpost}"[:40] for s in steps
        ]
        series = {
            entry.named_names[n]: [100 * s.named.get(n, 0.0) for s in steps]
            for n in (*entry.compiled.named_ids, NONE_OF_THESE)
        }
        timeline = (series, labels)
    return Drawing(entry.model, brief, probability, timeline)


def draw(drawing: Drawing) -> dict[str, Any]:
    """The overview's drawn context (runs in the drawing process: matplotlib there, not in the server's threads)."""
    context: dict[str, Any] = {"brief": None}
    if drawing.brief is not None:
        context = brief_context(drawing.model, drawing.brief)
    context["probability_chart"] = None
    if drawing.probability is not None:
        values, title = drawing.probability
        context["probability_chart"] = markup(bar_chart(values, title=title, xlabel="%"))
    context["timeline_chart"] = None
    if drawing.timeline is not None:
        series, labels = drawing.timeline
        title = "Named-scenario probabilities as evidence arrives"
        context["timeline_chart"] = markup(line_chart(series, labels, title=title, ylabel="%"))
    return context


def build_view(state: AppState, entry: ModelEntry, pool: Executor | None = None) -> View:
    """Draw the overview's charts and front page for the ledger as it is now (in ``pool`` when given)."""
    snap = entry.snapshot(state.ledger)
    drawing = _drawing(state, entry, snap)
    if pool is not None:
        return View(snap.key, pool.submit(draw, drawing).result())
    with CHART_LOCK:  # pyplot is not thread-safe
        return View(snap.key, draw(drawing))


def _pool() -> Executor:
    """One drawing process (spawned: a fork of a threaded server could inherit held locks)."""
    return ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))


class Builder:
    """One thread that draws the latest view of one model whenever asked (requests made meanwhile coalesce)."""

    def __init__(self, state: AppState, entry: ModelEntry) -> None:
        self._state, self._entry = state, entry
        self._cond = threading.Condition()
        self._requested = 0
        self._built = 0
        self._closed = False
        self._pool = _pool()
        self.view: View | None = None
        self._thread = threading.Thread(target=self._run, name=f"scenarist-view-{entry.id}", daemon=True)
        self._thread.start()

    def request(self) -> int:
        """Ask for a view of the ledger as it is now; returns the request's number (see :meth:`wait`)."""
        with self._cond:
            self._requested += 1
            self._cond.notify_all()
            return self._requested

    def wait(self, number: int, timeout: float = WAIT_SECONDS) -> None:
        """Until the view asked for by request ``number`` (or a later one) is built."""
        with self._cond:
            self._cond.wait_for(lambda: self._built >= number or self._closed, timeout)

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        self._thread.join(timeout=WAIT_SECONDS)
        self._pool.shutdown(wait=True, cancel_futures=True)

    def _run(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._requested > self._built or self._closed)
                if self._closed:
                    return
                number = self._requested
            view = None
            try:
                view = dataclasses.replace(build_view(self._state, self._entry, self._pool), number=number)
            except (
                ScenaristError,
                BrokenExecutor,
            ) as exc:  # the request path reports it when it recomputes the standing
                log.warning("drawing the overview of %s failed: %s", self._entry.id, exc)
            with self._cond:
                if view is not None:
                    self.view = view
                self._built = number
                self._cond.notify_all()


_BUILDERS_LOCK = threading.Lock()


def builder_of(state: AppState, entry: ModelEntry) -> Builder:
    """The model's builder, started on first use and stopped when the app closes."""
    with _BUILDERS_LOCK:
        builder = state.extensions.get(("view-builder", entry.id))
        if builder is None:
            builder = Builder(state, entry)
            state.extensions[("view-builder", entry.id)] = builder
            state.on_close.append(builder.close)
        return cast(Builder, builder)


def view_of(state: AppState, entry: ModelEntry, snap: Snapshot) -> tuple[dict[str, Any], bool]:
    """(the latest overview context built, whether it is older than ``snap``); waits only for the very first."""
    builder = builder_of(state, entry)
    view = builder.view
    if view is None:
        builder.wait(builder.request())
        view = builder.view
        if view is None:
            return {"brief": None, "probability_chart": None, "timeline_chart": None, "view_number": -1}, False
    if view.key != snap.key:
        builder.request()
    return {**view.context, "view_number": view.number}, view.key != snap.key


def refresh_view(state: AppState, entry: ModelEntry, *, wait: bool) -> None:
    """After a write: ask for the new view, and with ``wait`` return once it is drawn."""
    builder = builder_of(state, entry)
    number = builder.request()
    if wait:
        builder.wait(number)


def _references(entry: ModelEntry) -> dict[str, dict[str, str]]:
    """Each family's most probable member before evidence: what the names of its other members are relative to."""
    if entry.name_references is None:
        members = family_members(entry.model, entry.compiled, entry.probabilities().distribution(), limit=1)
        entry.name_references = {f: dict(m[0].variants) for f, m in members.items() if m}
    return entry.name_references


def scenario_name(entry: ModelEntry, indices: Sequence[int]) -> str:
    """A scenario's family (or *None of these*) and a short label of the variants that set it apart."""
    row = np.asarray([int(i) for i in indices], dtype=np.int64)[None, :]
    k = int(entry.compiled.family_index(row)[0])
    family = entry.compiled.named_ids[k] if k >= 0 else NONE_OF_THESE
    variants = entry.compiled.variants_of(tuple(int(i) for i in indices))
    reference = _references(entry).get(family)
    names = {(d.id, v.id): v.name for d in entry.model.descriptors for v in d.variants}
    if reference is None:
        return entry.named_names[family]
    label = distinguishing_label(variants, reference, names)
    if label == "most probable variant set":
        label = "its most probable form"
    return f"{entry.named_names[family]}: {label}"
