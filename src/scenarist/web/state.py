"""What the web app holds: the models named at start-up, the ledger, and the snapshots readers are served.

Per model, the Monte Carlo probabilities and the key assumptions are computed once (they do not
depend on the ledger). Everything that depends on the ledger lives in a :class:`Snapshot`, one per
(model revision, ledger revision): the standing, the JSON documents of the read routes as bytes, the
overview's drawn charts and its rendered page. A :class:`Refresher` thread per model builds them off
the request path:

- every write through the app bumps the model's ledger revision and asks for ONE rebuild (writes made
  while a rebuild runs coalesce into the next one);
- readers never wait: they get the last complete snapshot, published by replacing one reference only
  once every part of it is built (never a half-built one); its revision is in the ETag of the reads;
- read-your-writes: a write through the app returns only once a snapshot that includes it is
  published (its response names that revision), so the writer's next read shows the change;
- writes by other clients of the ledger (the command line, a second server) are noticed by the
  refresher, which reads a cheap fingerprint of the model's rows every ``Settings.ledger_poll`` seconds.
"""

from __future__ import annotations

import hashlib
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
from scenarist.errors import EngineError, ScenaristError, UnavailableError
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
    "Part",
    "Refresher",
    "Snapshot",
    "WAIT_SECONDS",
    "chart",
]

log = logging.getLogger("scenarist.web")

EvidenceKey = tuple[tuple[int, bool], ...]
"""The state of a model's evidence: (id, retracted) of every row."""

CHART_LOCK = threading.Lock()  # matplotlib's pyplot is not thread-safe
_CHART_CACHE: OrderedDict[tuple[object, ...], Markup | None] = OrderedDict()
_CHART_CACHE_SIZE = 64
WAIT_SECONDS = 120.0
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
    """A model's standing for one state of the ledger, with what the reads serve built from it.

    ``error`` is set (and ``standing`` None) when the evidence cannot be combined with the model (e.g.
    it has probability zero). ``revision`` is the model's ledger revision in this process (it grows with
    every write), ``model_revision`` the model file's; ``etag`` names both. ``pages`` holds the bytes and
    contexts built for the reads (filled by the refresher before the snapshot is published; a read that
    finds a part missing builds it once and keeps it there).
    """

    key: EvidenceKey
    evidence: tuple[Evidence, ...]
    standing: Standing | None
    error: str | None = None
    charts: dict[str, Markup | None] = field(default_factory=dict, compare=False)
    pages: dict[Any, Any] = field(default_factory=dict, compare=False)
    revision: int = 0
    model_revision: str = ""
    fingerprint: tuple[int, ...] = ()
    etag: str = '""'

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


def _etag(model_revision: str, revision: int, fingerprint: tuple[int, ...], key: EvidenceKey) -> str:
    # The revision counter restarts with the process; the digest of the rows' state keeps tags apart across restarts.
    digest = hashlib.blake2b(repr((fingerprint, key)).encode(), digest_size=6).hexdigest()
    return f'"{model_revision[:12]}-{revision}-{digest}"'


Part = Callable[["AppState", "ModelEntry", Snapshot], None]
"""Builds one part of a snapshot's reads into ``snap.pages`` before the snapshot is published.

A part with the attribute ``slow = True`` (the charts) is the one exception: the very first snapshot
is published before it runs, and the reads that need it wait with :meth:`Refresher.finished`."""


class Refresher:
    """One thread per model that builds the snapshot of the latest ledger state whenever asked.

    :meth:`request` bumps the ledger revision; the thread builds once for all the revisions asked for
    meanwhile and publishes the snapshot whole. Between requests it polls the ledger's fingerprint
    every ``poll`` seconds to notice writes made by other clients.
    """

    def __init__(self, state: AppState, entry: ModelEntry, poll: float) -> None:
        self._state, self._entry, self._poll = state, entry, poll
        self._cond = threading.Condition()
        self._requested = 0
        self._built = 0
        self._closed = False
        self._thread: threading.Thread | None = None
        self._failure: ScenaristError | None = None
        self.current: Snapshot | None = None
        self.builds = 0
        """How many snapshots were built (for tests of the coalescing)."""

    def request(self) -> int:
        """Ask for a snapshot of the ledger as it is now; returns the ledger revision that will include it."""
        with self._cond:
            if self._closed:
                raise UnavailableError("the server is shutting down")
            self._requested += 1
            if self._thread is None:
                name = f"scenarist-refresh-{self._entry.id}"
                self._thread = threading.Thread(target=self._run, name=name, daemon=True)
                self._thread.start()
            self._cond.notify_all()
            return self._requested

    def wait(self, revision: int, timeout: float = WAIT_SECONDS) -> Snapshot:
        """The published snapshot once it includes ``revision`` (raises when it could not be built)."""
        with self._cond:
            if not self._cond.wait_for(lambda: self._built >= revision or self._closed, timeout):
                raise UnavailableError(f"the standing of {self._entry.id!r} took over {timeout:.0f} s to compute")
            if self._failure is not None and (self.current is None or self.current.revision < revision):
                raise self._failure
            if self.current is None:
                raise UnavailableError("the server is shutting down")
            return self.current

    def latest(self) -> Snapshot:
        """The last snapshot published; only the very first reads wait for one (for its standing and JSON)."""
        current = self.current
        if current is not None:
            return current
        with self._cond:  # reentrant: request() takes it too
            target = self._requested if self._requested > self._built else self.request()
            self._cond.wait_for(lambda: self.current is not None or self._built >= target or self._closed, WAIT_SECONDS)
            if self.current is not None:
                return self.current
        return self.wait(target, timeout=0)

    def finished(self, snap: Snapshot, timeout: float = WAIT_SECONDS) -> None:
        """Until every part of ``snap`` is built (only the first snapshot is published before that)."""
        with self._cond:
            self._cond.wait_for(lambda: self._built >= snap.revision or self._closed, timeout)

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()
            thread = self._thread
        if thread is not None:
            thread.join(timeout=WAIT_SECONDS)

    def _run(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._requested > self._built or self._closed, self._poll)
                if self._closed:
                    return
                target = self._requested
            if target == self._built and not self._changed_elsewhere():
                continue
            if target == self._built:
                with self._cond:
                    self._requested += 1
                    target = self._requested
            snap, failure = None, None
            try:
                snap = self._build(target)
            except ScenaristError as exc:
                log.warning("computing the standing of %s failed: %s", self._entry.id, exc)
                failure = exc
            except Exception as exc:  # a bug must not leave writers waiting: they get a 503 naming it
                log.exception("computing the standing of %s failed", self._entry.id)
                failure = UnavailableError(f"computing the standing of {self._entry.id!r} failed: {exc!r}")
            with self._cond:
                if snap is not None:
                    self.current = snap
                self._failure = failure
                self._built = target
                self._cond.notify_all()

    def _changed_elsewhere(self) -> bool:
        current = self.current
        if current is None:
            return False
        try:
            return self._state.ledger.fingerprint(self._entry.id) != current.fingerprint
        except ScenaristError as exc:
            log.warning("reading the ledger's state failed: %s", exc)
            return False

    def _build(self, revision: int) -> Snapshot:
        entry, ledger = self._entry, self._state.ledger
        fingerprint = ledger.fingerprint(entry.id)  # before the rows: a write in between shows at the next poll
        evidence = tuple(ledger.list_evidence(entry.id, include_retracted=True))
        key = _key(evidence)
        model_revision = entry.compiled.revision
        previous = self.current
        if previous is not None and previous.key == key and previous.model_revision == model_revision:
            standing, error = previous.standing, previous.error  # only forecasts changed: the standing stands
        else:
            standing, error = entry.standing_of(evidence)
        snap = Snapshot(
            key, evidence, standing, error, revision=revision, model_revision=model_revision,
            fingerprint=fingerprint, etag=_etag(model_revision, revision, fingerprint, key),
        )  # fmt: skip
        for part in self._state.parts:
            if getattr(part, "slow", False) and self.current is None:
                # The very first snapshot (start-up): readers of the standing and the JSON need not wait
                # for the charts' drawing process to start; the overview waits for them (see ``finished``).
                with self._cond:
                    self.current = snap
                    self._cond.notify_all()
            try:
                part(self._state, entry, snap)
            except ScenaristError as exc:  # the read that needs the part builds it and reports the error
                log.warning("building a part of the reads of %s failed: %s", entry.id, exc)
            except Exception:  # a bug in one part must not keep the standing from the readers
                log.exception("building a part of the reads of %s failed", entry.id)
        self.builds += 1
        return snap


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
        self._forecast_lock = threading.Lock()
        self._forecast_prior: ProbabilityResult | None = None
        self._probabilities: ProbabilityResult | None = None
        self._from_today: ProbabilityResult | None = None
        self._assumptions: SensitivityResult | None = None
        self.refresher: Refresher  # set by the app state, which holds the ledger
        self.name_references: dict[str, dict[str, str]] | None = None
        self.encoded: dict[str, bytes] = {}
        """JSON bytes of parts of the reads that do not depend on the ledger, encoded once."""

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

    def forecast_prior(self) -> ProbabilityResult:
        """The probabilities at the default settings, which the model's forecast history is recorded with.

        The same as :meth:`probabilities` when the app runs at the defaults; else computed once, so a
        write does not run the Monte Carlo again.
        """
        if self.settings.analysis == DEFAULTS:
            return self.probabilities()
        with self._forecast_lock:
            if self._forecast_prior is None:
                self._forecast_prior = service.prior_of(self.compiled, DEFAULTS)
            return self._forecast_prior

    def assumptions(self) -> SensitivityResult:
        """The judgments ranked by influence on the named-scenario probabilities (computed once)."""
        with self._assumption_lock:
            if self._assumptions is None:
                self._assumptions = service.assumptions(self.loaded, self.settings.analysis)
            return self._assumptions

    def snapshot(self, ledger: Ledger | None = None) -> Snapshot:
        """The last complete snapshot of the model's ledger state (see the module notes); never computes."""
        return self.refresher.latest()

    def changed(self, *, wait: bool = True) -> int:
        """After a write to the ledger: ask for a new snapshot; with ``wait``, return once it is published.

        Returns the ledger revision that includes the write.
        """
        revision = self.refresher.request()
        if wait:
            self.refresher.wait(revision)
        return revision

    def standing_of(self, evidence: tuple[Evidence, ...]) -> tuple[Standing | None, str | None]:
        """(the standing for ``evidence``, None) or (None, why the evidence cannot be combined with the model)."""
        prior = self.probabilities()
        try:
            standing = service.standing_of(
                self.model, self.compiled, prior, evidence, self.settings.analysis, from_today=self._from_today
            )
        except EngineError as exc:
            return None, str(exc)
        return standing, None

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
        self.forecast_prior()
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
        """Per-model helpers of the web layer, by (kind, model id)."""
        self.on_close: list[Callable[[], None]] = []
        self.parts: list[Part] = []
        """What a snapshot holds besides the standing (JSON bytes, drawn charts, pages), built in this order."""
        for entry in entries.values():
            entry.refresher = Refresher(self, entry, settings.ledger_poll)

    @property
    def write_policy(self) -> str:
        """``token`` (writes need the token), ``anonymous`` (anyone may write), ``disabled``, or
        ``read-only`` (the ledger can only be read: no write can succeed, whatever the token)."""
        if self.ledger.read_only:
            return "read-only"
        if self.token is not None:
            return "token"
        return "anonymous" if self.allow_anonymous_writes else "disabled"

    def replace_entry(self, entry: ModelEntry) -> None:
        """Serve ``entry`` in place of the model with its id (a saved edit): a fresh refresher builds its snapshots."""
        old = self.entries.get(entry.id)
        entry.refresher = Refresher(self, entry, self.settings.ledger_poll)
        self.entries[entry.id] = entry
        if old is not None:
            old.refresher.close()
        entry.changed(wait=True)

    def warm(self) -> None:
        """Compute every model's costly results (meant for a background thread at start-up).

        A failure is only logged: the request that needs the result computes it again and reports it.
        """
        try:
            for entry in self.entries.values():
                entry.warm()
                entry.snapshot()
        except ScenaristError as exc:
            log.warning("warming the caches failed: %s", exc)

    def close(self) -> None:
        for entry in self.entries.values():
            entry.refresher.close()
        for stop in self.on_close:
            stop()
        self.ledger.close()
