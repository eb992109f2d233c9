"""The overview's costly parts (the report's front page and its charts), built off the request path.

Drawing the charts of one ledger state takes a while, so readers never wait for it: the model's
refresher (see :mod:`scenarist.web.state`) draws them as one part of every snapshot, in a separate
process (matplotlib there, so the drawing does not hold the server's interpreter lock), before the
snapshot is published. Scenario names by family are here too.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import threading
from collections.abc import Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool as BrokenExecutor
from dataclasses import dataclass
from typing import Any, cast

import numpy as np

from scenarist.errors import UnavailableError
from scenarist.model import Model
from scenarist.report.brief import Brief
from scenarist.report.charts import bar_chart, line_chart
from scenarist.report.html import brief_context
from scenarist.service import NONE_OF_THESE, brief_of
from scenarist.service.report_inputs import distinguishing_label, family_members
from scenarist.web.state import CHART_LOCK, AppState, ModelEntry, Snapshot, markup
from scenarist.web.views import timeline_window

__all__ = ["refresh_view", "scenario_name", "view_of", "view_part"]

log = logging.getLogger("scenarist.web")


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


DRAWING_NICENESS = 5
"""How much lower the drawing process's CPU priority is than the server's: readers first on a busy machine."""


def _lower_priority() -> None:
    with contextlib.suppress(AttributeError, OSError):  # not on this platform, or not allowed: the same priority
        os.nice(DRAWING_NICENESS)


def _pool() -> Executor:
    """One drawing process (spawned: a fork of a threaded server could inherit held locks), at a lower priority."""
    return ProcessPoolExecutor(
        max_workers=1, mp_context=multiprocessing.get_context("spawn"), initializer=_lower_priority
    )


class _Drawer:
    """The app's drawing process, started on first use, started again if it dies, stopped with the app."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pool: Executor | None = None

    def draw(self, drawing: Drawing) -> dict[str, Any]:
        with self._lock:
            if self._pool is None:
                self._pool = _pool()
            pool = self._pool
        try:
            return pool.submit(draw, drawing).result()
        except BrokenExecutor as exc:
            with self._lock:
                if self._pool is pool:
                    self._pool = None
            pool.shutdown(wait=False, cancel_futures=True)
            raise UnavailableError(f"the drawing process stopped: {exc}") from exc

    def close(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


_DRAWERS_LOCK = threading.Lock()


def _drawer(state: AppState) -> _Drawer:
    with _DRAWERS_LOCK:
        drawer = state.extensions.get(("drawer", ""))
        if drawer is None:
            drawer = _Drawer()
            state.extensions[("drawer", "")] = drawer
            state.on_close.append(drawer.close)
        return cast(_Drawer, drawer)


def view_part(state: AppState, entry: ModelEntry, snap: Snapshot) -> None:
    """The overview's drawn context for ``snap`` (a part of every snapshot: see :class:`~scenarist.web.state.Part`)."""
    snap.pages["view"] = _drawer(state).draw(_drawing(state, entry, snap))


view_part.slow = True  # type: ignore[attr-defined]


def view_of(state: AppState, entry: ModelEntry, snap: Snapshot) -> dict[str, Any]:
    """The overview's drawn context of ``snap``: built with the snapshot, or drawn here if that failed."""
    context = snap.pages.get("view")
    if context is None:
        entry.refresher.finished(snap)  # the first snapshot is published before its charts are drawn
        context = snap.pages.get("view")
    if context is None:
        with CHART_LOCK:  # pyplot is not thread-safe
            context = snap.pages.get("view")
            if context is None:
                context = draw(_drawing(state, entry, snap))
                snap.pages["view"] = context
    return cast(dict[str, Any], context)


def refresh_view(state: AppState, entry: ModelEntry, *, wait: bool) -> None:
    """After a write: ask for the new snapshot (charts included), and with ``wait`` return once it is published."""
    entry.changed(wait=wait)


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
