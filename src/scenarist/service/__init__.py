"""The use-case layer: engines and the ledger composed once, for the command line, the web app and the report.

Nothing here prints or renders. ``cli`` and ``web`` import this package and nothing below it
(an import-linter contract checks it): :mod:`.usecases` (standing, key assumptions, evidence,
forecasts), :mod:`.standing` (the standing of a model and its JSON document), :mod:`.tracking`
(the rules of dated evidence and model forecasts), :mod:`.settings` (the one settings table),
:mod:`.analysis` (the CIB views) and :mod:`.diff` (what changed between two model revisions).
"""

from typing import TYPE_CHECKING

from scenarist._lazy import lazy_exports

if TYPE_CHECKING:
    from scenarist.engines.accounting import Accounting, Share
    from scenarist.engines.bayes import Posterior, Timeline, TimelineStep, WatchItem
    from scenarist.engines.scoring import ScoreReport
    from scenarist.engines.uncertainty import ProbabilityResult
    from scenarist.evidence import Evidence, EvidenceInput, Forecast, Ledger, LedgerError, Question, open_ledger
    from scenarist.evidence.backends import default_path
    from scenarist.evidence.inputs import EvidenceFields, parse_iso_date
    from scenarist.model.families import NONE_OF_THESE
    from scenarist.service.report_inputs import brief_of
    from scenarist.service.settings import DEFAULTS, SETTINGS, AnalysisSettings, Setting
    from scenarist.service.standing import Standing, combine, from_current_state, prior_of, standing_of
    from scenarist.service.tracking import (
        check_evidence_input,
        event_probability,
        forecast_history,
        question_event,
        refresh_model_forecasts,
        resolved_questions,
        window_of,
    )
    from scenarist.service.usecases import (
        Loaded,
        add_question,
        assumptions,
        check_model,
        evidence_fields,
        import_evidence,
        intervention_standing,
        load,
        record_evidence,
        refresh,
        retract_evidence,
        standing,
    )

_EXPORTS = {
    "Accounting": "scenarist.engines.accounting",
    "AnalysisSettings": "scenarist.service.settings",
    "DEFAULTS": "scenarist.service.settings",
    "Evidence": "scenarist.evidence",
    "EvidenceFields": "scenarist.evidence.inputs",
    "EvidenceInput": "scenarist.evidence",
    "Forecast": "scenarist.evidence",
    "Ledger": "scenarist.evidence",
    "LedgerError": "scenarist.evidence",
    "Loaded": "scenarist.service.usecases",
    "NONE_OF_THESE": "scenarist.model.families",
    "Posterior": "scenarist.engines.bayes",
    "ProbabilityResult": "scenarist.engines.uncertainty",
    "Question": "scenarist.evidence",
    "SETTINGS": "scenarist.service.settings",
    "ScoreReport": "scenarist.engines.scoring",
    "Setting": "scenarist.service.settings",
    "Share": "scenarist.engines.accounting",
    "Standing": "scenarist.service.standing",
    "Timeline": "scenarist.engines.bayes",
    "TimelineStep": "scenarist.engines.bayes",
    "WatchItem": "scenarist.engines.bayes",
    "add_question": "scenarist.service.usecases",
    "assumptions": "scenarist.service.usecases",
    "brief_of": "scenarist.service.report_inputs",
    "check_evidence_input": "scenarist.service.tracking",
    "check_model": "scenarist.service.usecases",
    "combine": "scenarist.service.standing",
    "default_path": "scenarist.evidence.backends",
    "event_probability": "scenarist.service.tracking",
    "evidence_fields": "scenarist.service.usecases",
    "forecast_history": "scenarist.service.tracking",
    "from_current_state": "scenarist.service.standing",
    "import_evidence": "scenarist.service.usecases",
    "intervention_standing": "scenarist.service.usecases",
    "load": "scenarist.service.usecases",
    "open_ledger": "scenarist.evidence",
    "parse_iso_date": "scenarist.evidence.inputs",
    "prior_of": "scenarist.service.standing",
    "question_event": "scenarist.service.tracking",
    "record_evidence": "scenarist.service.usecases",
    "refresh": "scenarist.service.usecases",
    "refresh_model_forecasts": "scenarist.service.tracking",
    "resolved_questions": "scenarist.service.tracking",
    "retract_evidence": "scenarist.service.usecases",
    "standing": "scenarist.service.usecases",
    "standing_of": "scenarist.service.standing",
    "window_of": "scenarist.service.tracking",
}
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)

__all__ = [
    "DEFAULTS",
    "NONE_OF_THESE",
    "SETTINGS",
    "Accounting",
    "AnalysisSettings",
    "Evidence",
    "EvidenceFields",
    "EvidenceInput",
    "Forecast",
    "Ledger",
    "LedgerError",
    "Loaded",
    "Posterior",
    "ProbabilityResult",
    "Question",
    "ScoreReport",
    "Setting",
    "Share",
    "Standing",
    "Timeline",
    "TimelineStep",
    "WatchItem",
    "add_question",
    "assumptions",
    "brief_of",
    "check_evidence_input",
    "check_model",
    "combine",
    "default_path",
    "event_probability",
    "evidence_fields",
    "forecast_history",
    "from_current_state",
    "import_evidence",
    "intervention_standing",
    "load",
    "open_ledger",
    "parse_iso_date",
    "prior_of",
    "question_event",
    "record_evidence",
    "refresh",
    "refresh_model_forecasts",
    "resolved_questions",
    "retract_evidence",
    "standing",
    "standing_of",
    "window_of",
]
