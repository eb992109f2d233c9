"""What the web app holds: the models named at start-up, the ledger, and caches of the costly results.

Per model, the Monte Carlo probabilities and the key assumptions are computed once (they do
not depend on the evidence). The posterior, timeline and watch list depend on the ledger: they
are kept in a :class:`Snapshot` keyed by the state of the model's evidence (ids and retraction
flags), which is read on every request, so a write — through this app or any other client of
the ledger — shows on the next page load.
"""

from __future__ import annotations

import logging
import re
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from markupsafe import Markup

from scenarist import service
from scenarist.errors import EngineError, ScenaristError
from scenarist.model import DEFAULT_MODEL, Model, compile_model, load_model
from scenarist.model.schema import Judgment
from scenarist.model.validate import model_warnings
from scenarist.service import (
    DEFAULTS,
    Evidence,
    Ledger,
    Posterior,
    ProbabilityResult,
    Standing,
    Timeline,
    WatchItem,
    open_ledger,
)
from scenarist.service.analysis import ScenarioSet, SensitivityResult, find_scenarios
from scenarist.web.config import Settings

__all__ = [
    "CHART_LOCK",
    "markup",
    "AppState",
    "EvidenceKey",
    "ModelEntry",
    "Snapshot",
    "chart",
]

log = logging.getLogger("scenarist.web")

EvidenceKey = tuple[tuple[int, bool], ...]
"""The state of a model's evidence: (id, retracted) of every row."""

CHART_LOCK = threading.Lock()  # matplotlib's pyplot is not thread-safe
_CHART_CACHE: OrderedDict[tuple[object, ...], Markup | None] = OrderedDict()
_CHART_CACHE_SIZE = 64
_COMMENT = re.compile(r"<!--.*?-->", re.S)


def markup(svg: str | None) -> Markup | None:
    """Our own matplotlib SVG as markup, without its comments (see :func:`chart`)."""
    return _markup(svg)


def _markup(svg: str | None) -> Markup | None:
    # Our own matplotlib output, which escapes the text it writes; its comments repeat every label.
    return Markup(_COMMENT.sub("", svg)) if svg is not None else None


def chart(key: tuple[object, ...], draw: Callable[[], str | None]) -> Markup | None:
    """The SVG of a chart as markup, drawn once per ``key`` (a small LRU cache, one drawing at a time).

    matplotlib escapes the text it writes; comments (which repeat every label) are dropped too.
    """
    with CHART_LOCK:
        if key in _CHART_CACHE:
            _CHART_CACHE.move_to_end(key)
            return _CHART_CACHE[key]
        markup = _markup(draw())
        _CHART_CACHE[key] = markup
        while len(_CHART_CACHE) > _CHART_CACHE_SIZE:
            _CHART_CACHE.popitem(last=False)
        return markup


@dataclass(frozen=True)
class Snapshot:
    """A model's standing for one state of its evidence. ``error`` is set (and ``standing`` None)
    when the evidence cannot be combined with the model (e.g. it has probability zero)."""

    key: EvidenceKey
    evidence: tuple[Evidence, ...]
    standing: Standing | None
    error: str | None = None
    charts: dict[str, Markup | None] = field(default_factory=dict, compare=False)
    pages: dict[Any, Any] = field(default_factory=dict, compare=False)
    """Rendered-page inputs of this snapshot (e.g. the front page), computed once."""

    @property
    def posterior(self) -> Posterior | None:
        return self.standing.posterior if self.standing is not None else None

    @property
    def timeline(self) -> Timeline | None:
        return self.standing.timeline if self.standing is not None else None

    @property
    def watch(self) -> tuple[WatchItem, ...]:
        return self.standing.watch if self.standing is not None else ()

    @property
    def active(self) -> tuple[Evidence, ...]:
        return tuple(e for e in self.evidence if not e.retracted)

    def chart(self, name: str, draw: Callable[[], str | None]) -> Markup | None:
        """A chart of this snapshot, drawn once (one drawing at a time across the process)."""
        with CHART_LOCK:
            if name not in self.charts:
                self.charts[name] = _markup(draw())
            return self.charts[name]


def _key(evidence: Iterable[Evidence]) -> EvidenceKey:
    return tuple((e.id, e.retracted) for e in evidence)


class ModelEntry:
    """One model named at start-up: its text, compiled arrays, consistent scenarios and caches."""

    def __init__(self, model: Model, settings: Settings) -> None:
        self.model = model
        self.compiled = compile_model(model)
        self.loaded = service.Loaded(model, self.compiled, tuple(model_warnings(model)))
        self.settings = settings
        self.scenarios: ScenarioSet = find_scenarios(self.compiled)
        self.named_names = {s.id: s.name for s in model.scenarios} | {"none_of_these": "None of these"}
        self.signposts = {s.id: s for s in model.signposts}
        self.descriptors = {d.id: d for d in model.descriptors}
        self.sources = {s.id: s for s in model.sources}
        self.judgments: dict[tuple[str, str], list[Judgment]] = {}
        for j in model.judgments:
            self.judgments.setdefault((j.source, j.target), []).append(j)
        self._probability_lock = threading.Lock()
        self._assumption_lock = threading.Lock()
        self._snapshot_lock = threading.Lock()
        self._probabilities: ProbabilityResult | None = None
        self._from_today: ProbabilityResult | None = None
        self._assumptions: SensitivityResult | None = None
        self._snapshot: Snapshot | None = None
        self.name_references: dict[str, dict[str, str]] | None = None

    @property
    def id(self) -> str:
        return self.model.id

    def cite(self, ref: str) -> tuple[str, str, str | None]:
        """A source reference such as ``article#3-5`` as (label, source title, source address)."""
        sid, _, paragraphs = ref.partition("#")
        source = self.sources.get(sid)
        label = f"{sid} ¶{paragraphs}" if paragraphs else sid
        return label, source.title if source else sid, source.url if source else None

    def variant_name(self, descriptor: str, variant: str) -> str:
        for v in self.descriptors[descriptor].variants:
            if v.id == variant:
                return v.name
        return variant

    def probabilities(self) -> ProbabilityResult:
        """The Monte Carlo probabilities before evidence (computed once)."""
        with self._probability_lock:
            if self._probabilities is None:
                self._probabilities = service.prior_of(self.compiled, self.settings.analysis)
                if self.model.current is not None:
                    self._from_today = service.from_current_state(
                        self.compiled, self.model.current.variants, self.settings.analysis
                    )
            return self._probabilities

    def assumptions(self) -> SensitivityResult:
        """The judgments ranked by influence on the named-scenario probabilities (computed once)."""
        with self._assumption_lock:
            if self._assumptions is None:
                self._assumptions = service.assumptions(self.loaded, self.settings.analysis)
            return self._assumptions

    def snapshot(self, ledger: Ledger) -> Snapshot:
        """The posterior, timeline and watch list for the evidence in the ledger now."""
        evidence = ledger.list_evidence(self.id, include_retracted=True)
        cached = self._snapshot
        if cached is not None and cached.key == _key(evidence):
            return cached
        with self._snapshot_lock:
            # Read again: another request may have brought the cache up to date meanwhile.
            evidence = ledger.list_evidence(self.id, include_retracted=True)
            cached = self._snapshot
            if cached is None or cached.key != _key(evidence):
                cached = self._compute(tuple(evidence))
                self._snapshot = cached
            return cached

    def _compute(self, evidence: tuple[Evidence, ...]) -> Snapshot:
        prior = self.probabilities()
        try:
            standing = service.standing_of(
                self.model, self.compiled, prior, evidence, self.settings.analysis, from_today=self._from_today
            )
        except EngineError as exc:
            return Snapshot(_key(evidence), evidence, None, error=str(exc))
        return Snapshot(_key(evidence), evidence, standing)

    def scenario_probability(self, snap: Snapshot, indices: Sequence[int]) -> tuple[float, float]:
        """(before evidence, now) probability that the system settles in this complete scenario."""
        row = np.asarray(indices, dtype=np.int64)
        before = 0.0
        probs = self.probabilities()
        settled = probs.draws - probs.cycles
        for a in probs.attractors:
            if a.indices == tuple(int(i) for i in row):
                before = a.count / settled if settled else 0.0
        now = 0.0
        if snap.posterior is not None:
            dist = snap.posterior.distribution
            hits = np.all(dist.indices == row[None, :], axis=1)
            now = float(dist.probabilities[hits].sum())
        return before, now

    def warm(self) -> None:
        self.probabilities()
        self.assumptions()


class AppState:
    """The models (by id), the ledger and the write policy of one app."""

    def __init__(
        self,
        models: Sequence[str | Path],
        db: str | None,
        token: str | None,
        allow_anonymous_writes: bool,
        settings: Settings,
    ) -> None:
        entries: dict[str, ModelEntry] = {}
        for ref in models or [DEFAULT_MODEL]:
            entry = ModelEntry(load_model(ref), settings)
            if entry.id in entries:
                raise EngineError(f"two models have the id {entry.id!r}; each model must have its own id")
            entries[entry.id] = entry
        self.entries = entries
        self.settings = settings
        self.token = token or None
        self.allow_anonymous_writes = allow_anonymous_writes
        self.secret = secrets.token_bytes(32)
        self.ledger = open_ledger(db)
        self.write_lock = threading.Lock()
        self.extensions: dict[tuple[str, str], object] = {}
        """Per-model helpers of the web layer (e.g. the overview's builder threads), by (kind, model id)."""
        self.on_close: list[Callable[[], None]] = []

    @property
    def write_policy(self) -> str:
        """``token`` (writes need the token), ``anonymous`` (anyone may write), ``disabled``, or
        ``read-only`` (the ledger can only be read: no write can succeed, whatever the token)."""
        if self.ledger.read_only:
            return "read-only"
        if self.token is not None:
            return "token"
        return "anonymous" if self.allow_anonymous_writes else "disabled"

    def refresh_forecasts(self, entry: ModelEntry) -> None:
        """Record the model's new probability for its open questions, as the command line does."""
        prior = entry.probabilities() if self.settings.analysis == DEFAULTS else None
        with self.write_lock:
            service.refresh(entry.loaded, self.ledger, prior=prior)

    def warm(self) -> None:
        """Compute every model's costly results (meant for a background thread at start-up).

        A failure is only logged: the request that needs the result computes it again and reports it.
        """
        try:
            for entry in self.entries.values():
                entry.warm()
                entry.snapshot(self.ledger)
        except ScenaristError as exc:
            log.warning("warming the caches failed: %s", exc)

    def close(self) -> None:
        for stop in self.on_close:
            stop()
        self.ledger.close()
