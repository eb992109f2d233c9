"""Checks an analyst needs before trusting a model: each a warning with its location in the file.

They do not make a model invalid (``scenarist check`` still exits 0) but point at places where the
stated judgments and the named futures do not fit together:

* ``unsupported-variant`` — a variant that receives no positive impact from any other descriptor:
  it can only win its descriptor by default (ties or the absence of any push).
* ``family-pins-consequence`` — a family's core or typical variants fix a descriptor that receives
  impacts but exerts none (a pure consequence); the family then defines itself by an outcome.
* ``family-against-judgments`` — a family's core pairs two variants that the judgments set against
  each other (one pushes the other down) without any push the other way.
* ``families-overlap`` — two families' cores can hold in one scenario; the family rule then has to
  break the tie.
* ``judgment-backwards-in-time`` — a judgment from a descriptor settled (``as_of``) after its target.
* ``question-is-signpost`` — a forecast question and a signpost that look like one event (most of
  their words shared) while the question does not name the signpost with ``signpost:``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from scenarist.errors import Location
from scenarist.model.schema import Assignment, Model
from scenarist.model.yamlpos import Positions

__all__ = ["ModelWarning", "model_checks"]

Path = tuple[str | int, ...]


@dataclass(frozen=True)
class ModelWarning:
    """One thing the analyst should look at: a short code, the message and where it is."""

    code: str
    message: str
    location: Location

    def __str__(self) -> str:
        return f"{self.location}: {self.message} [{self.code}]"


def _locate(file: str, positions: Positions | None, path: Path) -> Location:
    positions = positions or {}
    if len(path) >= 3 and path[0] == "scenarios" and path[2] == "core" and (*path[:2], "core") not in positions:
        path = (*path[:2], "variants", *path[3:])  # the older spelling of a family's core
    probe = path
    while probe and probe not in positions:
        probe = probe[:-1]
    line, col = positions.get(probe, (0, 0))
    return Location(file, line, col, path)


def _allowed(assignment: Assignment) -> dict[str, set[str]]:
    return {d: {v} if isinstance(v, str) else set(v) for d, v in assignment.items()}


def _impacts(model: Model) -> dict[tuple[str, str], int]:
    out: dict[tuple[str, str], int] = {}
    for j in model.judgments:
        out[(j.source, j.target)] = out.get((j.source, j.target), 0) + j.impact
    return out


def _unsupported(model: Model, impacts: dict[tuple[str, str], int]) -> Iterator[tuple[Path, str, str]]:
    positive = {t for (_, t), v in impacts.items() if v > 0}
    driven = {t.split(".")[0] for (_, t), v in impacts.items() if v != 0}
    for k, d in enumerate(model.descriptors):
        if len(d.variants) < 2 or d.id not in driven:
            continue  # an autonomous descriptor is set from outside the system, not by support
        for i, v in enumerate(d.variants):
            if f"{d.id}.{v.id}" not in positive:
                yield (
                    ("descriptors", k, "variants", i),
                    "unsupported-variant",
                    f"variant {d.id}.{v.id} receives no positive impact: it can win only by default",
                )


def _family_checks(model: Model, impacts: dict[tuple[str, str], int]) -> Iterator[tuple[Path, str, str]]:
    sources = {s.split(".")[0] for (s, _), v in impacts.items() if v != 0}
    targets = {t.split(".")[0] for (_, t), v in impacts.items() if v != 0}
    consequences = targets - sources
    families = [(i, s) for i, s in enumerate(model.scenarios) if s.kind == "family"]
    for i, fam in families:
        for key, assignment in (("core", fam.core), ("typical", fam.typical)):
            for d in assignment:
                if d in consequences:
                    yield (
                        ("scenarios", i, key, d),
                        "family-pins-consequence",
                        f"family {fam.id} fixes {d}, which receives impacts but exerts none (a consequence)",
                    )
        core = [(d, v) for d, vs in _allowed(fam.core).items() for v in sorted(vs)]
        for d1, v1 in core:
            for d2, v2 in core:
                if d1 == d2:
                    continue
                against = impacts.get((f"{d1}.{v1}", f"{d2}.{v2}"), 0)
                back = impacts.get((f"{d2}.{v2}", f"{d1}.{v1}"), 0)
                reported_from_the_other_side = back < 0 and d1 > d2
                if against < 0 and back <= 0 and not reported_from_the_other_side:
                    yield (
                        ("scenarios", i, "core", d2),
                        "family-against-judgments",
                        f"family {fam.id}: {d1}.{v1} pushes {d2}.{v2} down ({against:+d}) and nothing pushes back",
                    )
    for a, (_, fa) in enumerate(families):
        for j, fb in families[a + 1 :]:
            ca, cb = _allowed(fa.core), _allowed(fb.core)
            if all(ca[d] & cb[d] for d in ca.keys() & cb.keys()):
                yield (
                    ("scenarios", j, "core"),
                    "families-overlap",
                    f"the cores of {fa.id} and {fb.id} can hold in one scenario; the family rule breaks the tie",
                )


def _time_checks(model: Model) -> Iterator[tuple[Path, str, str]]:
    settled = {d.id: d.as_of for d in model.descriptors if d.as_of is not None}
    for k, j in enumerate(model.judgments):
        src, tgt = j.source.split(".")[0], j.target.split(".")[0]
        if src in settled and tgt in settled and settled[src] > settled[tgt]:
            yield (
                ("judgments", k),
                "judgment-backwards-in-time",
                f"{j.source} (settled {settled[src]}) drives {j.target} (settled {settled[tgt]}): backwards in time",
            )


_WORD = re.compile(r"[a-z][a-z0-9'-]{3,}")


def _words(text: str) -> set[str]:
    return set(_WORD.findall(text.lower()))


def _question_checks(model: Model) -> Iterator[tuple[Path, str, str]]:
    for i, q in enumerate(model.forecasts):
        if q.signpost is not None:
            continue
        qw = _words(q.question + " " + q.resolution_criteria)
        for s in model.signposts:
            sw = _words(s.name + " " + s.observation)
            if qw and sw and len(qw & sw) / min(len(qw), len(sw)) >= 0.6:
                yield (
                    ("forecasts", i),
                    "question-is-signpost",
                    f"question {q.id} and signpost {s.id} look like one event; if so, add 'signpost: {s.id}'",
                )


def model_checks(model: Model, *, file: str = "<model>", positions: Positions | None = None) -> list[ModelWarning]:
    """Every warning of the module notes, in file order of the checks."""
    impacts = _impacts(model)
    found = [
        *_unsupported(model, impacts),
        *_family_checks(model, impacts),
        *_time_checks(model),
        *_question_checks(model),
    ]
    return [ModelWarning(code, message, _locate(file, positions, path)) for path, code, message in found]
