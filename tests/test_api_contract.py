"""Issue 13, item 15: the API's published contract is its behaviour, checked by Schemathesis.

Every operation of ``/api/openapi.json`` gets generated requests (valid and invalid ones) with
every check Schemathesis has: no server error, status codes, content types, response schemas
and headers conformance, valid data accepted, invalid data refused, authentication not ignored,
unsupported methods answered 405, and more. A stateful run follows the document's links from
created evidence to reading and retracting it. Writes carry the server's token.
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import checks

from scenarist.evidence import open_ledger
from scenarist.service.tracking import window_of
from scenarist.web import Settings, create_app

MODEL = "us-russia-2025"
TOKEN = "correct-horse-battery-staple"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
EXAMPLES = 120
"""Generated requests per operation and generation phase (a few thousand in all)."""

FOLDER = tempfile.mkdtemp(prefix="scenarist-contract-")
APP = create_app(
    [MODEL],
    str(Path(FOLDER) / "ledger.sqlite"),
    TOKEN,
    False,
    # The authentication probes send wrong tokens on purpose: the throttle (429) would soon answer everything.
    settings=Settings(draws=1_000, assumption_draws=20, max_failures=1_000_000),
)
_ledgers = [APP.state.scenarist.ledger]


@pytest.fixture(scope="module", autouse=True)
def _cleanup() -> Any:
    yield
    APP.state.scenarist.close()  # the refreshers stop before the ledgers they poll close
    for ledger in _ledgers:
        ledger.close()
    shutil.rmtree(FOLDER, ignore_errors=True)


async def served(scope: Any, receive: Any, send: Any) -> None:
    """The app for the whole module: each request's client would otherwise run its shutdown (closing the ledger)."""
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    await APP(scope, receive, send)


schema = schemathesis.openapi.from_asgi("/api/openapi.json", served)
_calls: dict[str, int] = {}
SIGNPOSTS = {s.id for s in APP.state.scenarist.entries[MODEL].model.signposts}
FAST = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)


CONTEXTUAL = {
    "POST /api/evidence",
    "POST /api/models/{model_id}/evidence",
    "POST /api/models/{model_id}/forecasts",
    "POST /api/models/{model_id}/forecasts/{question_id}/predictions",
    "POST /api/models/{model_id}/forecasts/{question_id}/resolution",
}
"""Writes whose valid bodies depend on the model and the ledger (a date inside the signpost's window,
'observed: no' only once the window has closed, a question the model defines or one with every field):
the schema says so in words; a refusal is 422 naming the rule, so the acceptance check is not run here."""


def _excluded(case: Any) -> list[Any]:
    return [checks.positive_data_acceptance] if case.operation.label in CONTEXTUAL else []


@schema.parametrize()
@FAST
def test_every_operation_keeps_its_contract(case: Any) -> None:
    case.call_and_validate(headers=AUTH, excluded_checks=_excluded(case))
    _calls[case.operation.label] = _calls.get(case.operation.label, 0) + 1


def _window_start(signpost: str) -> str:
    entry = APP.state.scenarist.entries[MODEL]
    start, end = window_of(entry.model, signpost)
    day = start or end or dt.date(2025, 6, 1)
    return day.isoformat()


class Workflow(schema.as_state_machine()):  # type: ignore[misc]
    def setup(self) -> None:
        # Each run starts from an empty ledger, so that a replayed run meets the same state.
        state = APP.state.scenarist
        state.ledger = open_ledger(Path(tempfile.mkdtemp(dir=FOLDER)) / "ledger.sqlite")
        _ledgers.append(state.ledger)
        for entry in state.entries.values():
            entry._snapshot = None

    def before_call(self, case: Any) -> None:
        # Random dates fall outside the model's window (422, a rule stated in words only): the links
        # are what this run is about, so the report is dated inside its signpost's window.
        if case.operation.label == "POST /api/models/{model_id}/evidence" and isinstance(case.body, dict):
            signpost = case.body.get("signpost")
            if isinstance(signpost, str) and signpost in SIGNPOSTS:
                case.body = {**case.body, "date": _window_start(signpost), "observed": True}

    def get_call_kwargs(self, case: Any) -> dict[str, Any]:
        return {"headers": AUTH}

    def validate_response(self, response: Any, case: Any, additional_checks: Any = None, **kwargs: Any) -> None:
        case.validate_response(response, excluded_checks=_excluded(case), transport_kwargs=kwargs)

    def after_call(self, response: Any, case: Any) -> None:
        _calls[f"stateful {case.operation.label} {response.status_code}"] = (
            _calls.get(f"stateful {case.operation.label} {response.status_code}", 0) + 1
        )


def test_stateful_links_from_created_evidence_to_its_retraction() -> None:
    Workflow.run(settings=settings(max_examples=15, stateful_step_count=5, deadline=None,
                                   suppress_health_check=list(HealthCheck), derandomize=True))  # fmt: skip
    assert _calls.get("stateful POST /api/models/{model_id}/evidence 201", 0) > 0, sorted(
        k for k in _calls if k.startswith("stateful")
    )
    assert _calls.get("stateful POST /api/models/{model_id}/evidence/{evidence_id}/retract 200", 0) > 0, sorted(_calls)
    assert _calls.get("stateful GET /api/models/{model_id}/evidence/{evidence_id} 200", 0) > 0, sorted(_calls)


def test_a_few_thousand_requests_covered_every_operation() -> None:
    operations = {op.label for op in (r.ok() for r in schema.get_all_operations())}
    plain = {k: v for k, v in _calls.items() if not k.startswith("stateful ")}
    if not plain:
        pytest.fail("run the whole module: the generated requests run before this check")
    assert set(plain) == operations
    assert sum(_calls.values()) >= 2_000, sum(_calls.values())


def test_the_document_states_the_rules_and_every_status() -> None:
    spec = APP.openapi()
    ops = [(p, m, op) for p, ops in spec["paths"].items() if p.startswith("/api/") for m, op in ops.items()]
    for path, method, op in ops:
        listed = set(op["responses"])
        expected = {"400", "404", "409", "413", "422", "429", "500", "503"} | (
            {"401", "403"} if method == "post" else set()
        )
        assert expected <= listed, (method, path, expected - listed)
        for status in expected:
            schema_ref = op["responses"][status]["content"]["application/json"]["schema"]
            assert schema_ref == {"$ref": "#/components/schemas/ErrorOut"}
    fix = next(
        p for p in spec["paths"]["/api/models/{model_id}/intervention"]["get"]["parameters"] if p["name"] == "fix"
    )
    assert fix["required"] and fix["schema"]["minItems"] == 1 and "talks=collapsed" in fix["schema"]["items"]["enum"]
    assert all(item.count("=") == 1 for item in fix["schema"]["items"]["enum"])
    body = spec["components"]["schemas"]["EvidenceFields"]["properties"]
    assert body["url"]["pattern"].startswith(r"^\s*[Hh][Tt][Tt][Pp][Ss]?://")
    assert body["date"]["pattern"] == r"^\d{4}-\d{2}-\d{2}$"
