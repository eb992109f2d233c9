"""The published contract of the JSON API: every rule the handlers enforce, every status a route can return.

FastAPI derives the OpenAPI document from the route signatures; this module adds what they cannot say:

* every ``/api/`` operation lists each status it can answer (400 malformed request, 404, 409,
  413 body too large, 422, 429 throttled, 500, 503; writes also 401 and 403), each with the
  project's one error body (:class:`~scenarist.web.errors.ErrorOut`);
* writes declare the bearer token (``securitySchemes``);
* the served models: ``model_id`` is one of their ids and ``fix`` is a list of their
  ``descriptor=variant`` pairs, each descriptor at most once;
* links from created evidence to reading and retracting it.

The document describes the server it comes from (its models), so a client can generate only requests
that the handlers accept, and know every refusal it may get.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from scenarist.web.state import AppState

__all__ = ["READ_STATUSES", "WRITE_STATUSES", "install_contract"]

READ_STATUSES: dict[int, str] = {
    400: "Malformed request (a Content-Length that is not a number)",
    404: "Unknown model, scenario, evidence or question",
    409: "The model's evidence cannot be combined with it, or the request clashes with what is stored",
    413: "Request body larger than the server's limit",
    422: "Invalid input: the message names the field and the rule",
    429: "Too many failed token attempts from this client; see Retry-After",
    500: "Internal error",
    503: "The ledger or another service failed, or the ledger is read-only (writes)",
}
"""What every operation of the API may answer besides its success."""

WRITE_STATUSES: dict[int, str] = {
    **READ_STATUSES,
    401: "No token given (Authorization: Bearer <token>)",
    403: "Wrong token, or writes disabled on this server",
}
"""What every write may answer besides its success."""

_ERROR_REF = {"$ref": "#/components/schemas/ErrorOut"}


def _add_statuses(op: dict[str, Any], statuses: Mapping[int, str]) -> None:
    responses = op.setdefault("responses", {})
    for status, description in statuses.items():
        entry = responses.setdefault(str(status), {"description": description})
        entry["content"] = {"application/json": {"schema": _ERROR_REF}}
        if status == 429:
            entry["headers"] = {"Retry-After": {"description": "Seconds to wait", "schema": {"type": "integer"}}}


def _fix_schema(pairs: Mapping[str, list[str]]) -> dict[str, Any]:
    items = [f"{d}={v}" for d, variants in pairs.items() for v in variants]
    once = [
        {"contains": {"type": "string", "pattern": f"^{re.escape(d)}="}, "minContains": 0, "maxContains": 1}
        for d in pairs
    ]
    return {"type": "array", "items": {"type": "string", "enum": items}, "minItems": 1, "uniqueItems": True,
            "maxItems": len(pairs), "allOf": once}  # fmt: skip


def _served(spec: dict[str, Any], state: AppState) -> None:
    ids = sorted(state.entries)
    pairs: dict[str, list[str]] = {}
    for entry in state.entries.values():
        for d, variants in zip(entry.compiled.descriptor_ids, entry.compiled.variant_ids):
            pairs.setdefault(d, [])
            pairs[d] += [v for v in variants if v not in pairs[d]]
    signposts = sorted({s.id for entry in state.entries.values() for s in entry.model.signposts})
    bodies = spec.get("components", {}).get("schemas", {})
    for body in ("EvidenceFields", "EvidenceIn"):
        properties = bodies.get(body, {}).get("properties", {})
        if "signpost" in properties:
            properties["signpost"]["enum"] = signposts
        if "model" in properties:
            properties["model"]["enum"] = ids
    for ops in spec.get("paths", {}).values():
        for op in ops.values():
            for param in op.get("parameters", []):
                if param["name"] == "model_id" and param["in"] == "path":
                    param["schema"] = {**param["schema"], "enum": ids}
                    param["description"] = "Id of a model served here."
                if param["name"] == "fix" and param["in"] == "query":
                    param["schema"] = _fix_schema(pairs)
                    param["description"] = param["schema"]["description"] = (
                        "descriptor=variant (exactly, no spaces), repeatable, each descriptor at most once; "
                        "the pairs of the served models"
                    )
                    param["required"] = True
                    param["style"], param["explode"] = "form", True


def _links(spec: dict[str, Any]) -> None:
    paths = spec.get("paths", {})
    created = paths.get("/api/models/{model_id}/evidence", {}).get("post")
    if created is None:
        return
    created["responses"]["201"]["links"] = {
        "GetEvidence": {
            "operationId": "get_model_evidence",
            "parameters": {"model_id": "$request.path.model_id", "evidence_id": "$response.body#/evidence/id"},
        },
        "RetractEvidence": {
            "operationId": "retract_model_evidence",
            "parameters": {"model_id": "$request.path.model_id", "evidence_id": "$response.body#/evidence/id"},
        },
    }


def install_contract(app: FastAPI, state: AppState) -> None:
    """Make ``app.openapi()`` return the document described above (built once)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        spec = get_openapi(
            title=app.title, version=app.version, summary=app.summary, routes=app.routes, openapi_version="3.1.0"
        )
        schemes = spec.setdefault("components", {}).setdefault("securitySchemes", {})
        schemes["bearer"] = {"type": "http", "scheme": "bearer", "description": "The server's SCENARIST_TOKEN."}
        for path, ops in spec.get("paths", {}).items():
            if not path.startswith("/api/"):
                continue
            for method, op in ops.items():
                write = method == "post"
                _add_statuses(op, WRITE_STATUSES if write else READ_STATUSES)
                if write:
                    op["security"] = [{"bearer": []}]
        _served(spec, state)
        _links(spec)
        app.openapi_schema = spec
        return spec

    setattr(app, "openapi", openapi)  # noqa: B010 - FastAPI's documented way to customise the document
