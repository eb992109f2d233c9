"""The use cases, each composed once: a model's standing, its key assumptions, evidence, forecasts, diffs.

The command line and the web app call these and nothing below them, so one model, ledger, draw
count and seed give one answer everywhere. Stored model forecasts are always computed with the
default settings (:class:`AnalysisSettings`), whoever writes, so they do not flip with the
Monte Carlo noise of a client's own draw count.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import ValidationError

from scenarist.evidence.inputs import EvidenceFields, fields_error
from scenarist.service import cache
from scenarist.service.settings import DEFAULTS, AnalysisSettings
from scenarist.service.standing import from_current_state, prior_of, standing_of
from scenarist.service.tracking import (
    check_evidence_input,
    question_event,
    read_evidence_csv,
    refresh_model_forecasts,
    unknown_question,
)

if TYPE_CHECKING:  # types only: a command imports the engines it runs, not every one named here
    from scenarist.engines.cib import Progress
    from scenarist.engines.executors import Executor
    from scenarist.engines.sensitivity import SensitivityResult
    from scenarist.engines.uncertainty import ProbabilityResult
    from scenarist.evidence import Evidence, Ledger
    from scenarist.model import CompiledModel, Model
    from scenarist.model.checks import ModelWarning
    from scenarist.model.schema import CurrentState
    from scenarist.service.standing import Standing

__all__ = [
    "UNCLASSIFIED_LIMIT",
    "Loaded",
    "check_model",
    "add_question",
    "assumptions",
    "evidence_fields",
    "import_evidence",
    "intervention_standing",
    "load",
    "record_evidence",
    "refresh",
    "retract_evidence",
    "standing",
]


@dataclass(frozen=True, eq=False)
class Loaded:
    """A model file read, checked and compiled, with the warnings an analyst should see."""

    model: Model
    compiled: CompiledModel
    warnings: tuple[str, ...] = ()

    @property
    def id(self) -> str:
        return self.model.id


def load(ref: str | Path | None, *, printable: bool = False) -> Loaded:
    """Read a model (path or bundled name; None: the bundled model) and compile it.

    With ``printable`` the model's texts lose their control characters (for a terminal; see
    :func:`scenarist.model.load.printable`).

    The result is kept in the results cache under the file's path and the SHA-256 of the bytes
    read, so an unchanged file is neither parsed nor validated again (the key is computed from
    the very bytes that are parsed: a file changed meanwhile is a new entry).
    """
    import hashlib

    from scenarist.model.files import read_bytes, resolve_model_path

    path = resolve_model_path(ref)
    data = read_bytes(path)

    def fresh() -> Loaded:  # parsing and checking, only when the cache does not hold the file
        from scenarist.model import compile_model
        from scenarist.model import load as loading
        from scenarist.model.validate import model_warnings

        model = loading.model_from_bytes(path, data)
        compiled, warnings = compile_model(model), tuple(model_warnings(model))
        return Loaded(loading.printable(model) if printable else model, compiled, warnings)

    key = (str(path.resolve()), hashlib.sha256(data).hexdigest(), printable)
    return cache.cached("loaded", key, fresh)


UNCLASSIFIED_LIMIT = 0.2
"""``check`` warns when more than this share of the settled draws falls in none of the families."""


def check_model(ref: str | Path | None) -> tuple[Loaded, list[ModelWarning]]:
    """Load a model and run the analyst's checks, each located in the file, plus the unclassified-mass check."""
    from scenarist.errors import Location
    from scenarist.model.checks import ModelWarning, model_checks
    from scenarist.model.files import resolve_model_path
    from scenarist.model.yamlpos import load_with_positions

    loaded = load(ref)
    path = resolve_model_path(ref)
    positions = None
    if path.suffix.lower() in (".yaml", ".yml", ".json"):
        _, positions = load_with_positions(path.read_text(encoding="utf-8"), file=str(path))
    warnings = model_checks(loaded.model, file=str(path), positions=positions)
    compiled = loaded.compiled
    if compiled.named_ids and compiled.scenario_space > 0:
        probs = prior_of(compiled, AnalysisSettings(draws=2_000))
        none = probs.settled_partition()[-1].probability
        if none > UNCLASSIFIED_LIMIT:
            line, col = (positions or {}).get(("scenarios",), (0, 0))
            warnings.append(
                ModelWarning(
                    "unclassified-mass",
                    f"{none:.0%} of the settled draws fall in none of the families (more than "
                    f"{UNCLASSIFIED_LIMIT:.0%}; 2,000 draws, seed 0)",
                    Location(str(path), line, col, ("scenarios",)),
                )
            )
    return loaded, warnings


def standing(
    loaded: Loaded,
    ledger: Ledger | None,
    settings: AnalysisSettings = DEFAULTS,
    *,
    current: CurrentState | None = None,
    prior: ProbabilityResult | None = None,
    progress: Progress | None = None,
    executor: Executor | None = None,
) -> Standing:
    """The model's standing for the evidence in ``ledger`` (none without one).

    ``current`` (default: the model's own ``current``) adds the 'from today' probabilities.
    ``prior`` reuses an already computed :func:`prior_of` for the same settings.
    """
    compiled = loaded.compiled
    probs = prior if prior is not None else prior_of(compiled, settings, progress=progress, executor=executor)
    evidence = ledger.list_evidence(compiled.id, include_retracted=True) if ledger is not None else []
    state = current if current is not None else loaded.model.current
    today = from_current_state(compiled, state.variants, settings) if state is not None else None
    model = loaded.model if current is None else loaded.model.model_copy(update={"current": current})
    return standing_of(model, compiled, probs, evidence, settings, from_today=today)


def intervention_standing(
    loaded: Loaded,
    fixed: dict[str, str],
    settings: AnalysisSettings = DEFAULTS,
    *,
    executor: Executor | None = None,
) -> Standing:
    """The standing under an intervention (descriptors held at a variant in every draw); no evidence applied."""
    from scenarist.engines.uncertainty import scenario_probabilities

    probs = scenario_probabilities(
        loaded.compiled, draws=settings.draws, seed=settings.seed, fixed=fixed, executor=executor
    )
    return standing_of(loaded.model, loaded.compiled, probs, [], settings)


def assumptions(
    loaded: Loaded,
    settings: AnalysisSettings = DEFAULTS,
    *,
    now: Standing | None = None,
    progress: Progress | None = None,
) -> SensitivityResult:
    """The judgments that move the family probabilities most: before evidence, or on the posterior of ``now``.

    Kept in :mod:`.cache` per model, settings and observations.
    """
    observations = list(now.posterior.observations) if now is not None else []

    def compute() -> SensitivityResult:
        from scenarist.engines.sensitivity import key_assumptions

        return key_assumptions(
            loaded.compiled,
            draws=settings.assumption_draws,
            seed=settings.seed,
            progress=progress,
            observations=observations,
        )

    key = (cache.model_key(loaded.compiled), settings.assumption_draws, settings.seed, tuple(observations))
    return cache.cached("assumptions", key, compute)


def refresh(loaded: Loaded, ledger: Ledger, *, prior: ProbabilityResult | None = None) -> int:
    """Recompute the model forecast history of the model's open questions (default settings)."""
    probs = prior if prior is not None else prior_of(loaded.compiled, DEFAULTS)
    evidence = ledger.list_evidence(loaded.id, include_retracted=True)
    return refresh_model_forecasts(loaded.model, loaded.compiled, probs.distribution(), evidence, ledger)


def evidence_fields(values: dict[str, object]) -> EvidenceFields:
    """A report as typed by a person (form, API, CSV), checked by the one set of input rules."""
    try:
        return EvidenceFields.model_validate(values)
    except ValidationError as exc:
        raise fields_error(exc) from None


def record_evidence(
    loaded: Loaded, ledger: Ledger, fields: EvidenceFields, *, prior: ProbabilityResult | None = None
) -> Evidence:
    """Check a report against the model, store it, and refresh the model's forecasts."""
    item = fields.to_input(loaded.id)
    check_evidence_input(loaded.model, item, explicit=fields.explicit)
    row = ledger.add_evidence(item)
    refresh(loaded, ledger, prior=prior)
    return row


def retract_evidence(
    ledger: Ledger,
    evidence_id: int,
    reason: str | None,
    *,
    loaded: Loaded | None = None,
    prior: ProbabilityResult | None = None,
) -> Evidence:
    """Retract stored evidence and, when its model is given, refresh that model's forecasts."""
    row = ledger.retract(evidence_id, reason)
    if loaded is not None and loaded.id == row.model_id:
        refresh(loaded, ledger, prior=prior)
    return row


def import_evidence(loaded: Loaded, ledger: Ledger, path: Path) -> list[Evidence]:
    """Import a CSV of evidence: every row checked first, then all stored or none; forecasts refreshed."""
    rows = read_evidence_csv(path, loaded.model)
    stored = ledger.import_evidence(rows)
    refresh(loaded, ledger)
    return stored


def add_question(
    loaded: Loaded,
    ledger: Ledger,
    question_id: str,
    *,
    text: str | None = None,
    criteria: str | None = None,
    close: dt.date | None = None,
    probability: float | None = None,
    today: dt.date | None = None,
) -> None:
    """Add a question: one of the model's (linked to its event) or a new hand-entered one."""
    model = loaded.model
    defined = {q.id: q for q in model.forecasts}
    if question_id in defined:
        q = defined[question_id]
        kind, ref = question_event(q)
        ledger.add_question(q.id, q.question, q.resolution_criteria, q.close_date, model.id, kind, ref)  # type: ignore[arg-type]
    else:
        if not (text and criteria and close):
            raise unknown_question(question_id, model)
        ledger.add_question(question_id, text, criteria, close, model.id)
    if probability is not None:
        ledger.record_forecast(question_id, probability, today or dt.date.today())
    refresh(loaded, ledger)
