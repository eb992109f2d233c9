"""Validate model data: schema first, then every cross-reference, all errors together."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from pydantic import ValidationError

from scenarist.errors import Location, ModelError, ModelErrors
from scenarist.model.schema import Judgment, Model
from scenarist.model.yamlpos import Positions

__all__ = ["validate_data", "validate_model", "model_warnings"]

Path = tuple[str | int, ...]


class _Locator:
    """Turns a field path into a Location, falling back to the nearest known parent."""

    def __init__(self, file: str, positions: Positions | None) -> None:
        self.file = file
        self.positions = positions or {}

    def __call__(self, path: Path) -> Location:
        path = self._as_written(tuple(path))
        probe = tuple(path)
        while probe and probe not in self.positions:
            probe = probe[:-1]
        line, col = self.positions.get(probe, (0, 0))
        return Location(self.file, line, col, tuple(path))

    def _as_written(self, path: Path) -> Path:
        """A named scenario's ``core`` as the file spells it (the older key ``variants``)."""
        if len(path) >= 3 and path[0] == "scenarios" and path[2] == "core":
            old = (*path[:2], "variants")
            if old in self.positions and (*path[:2], "core") not in self.positions:
                return (*old, *path[3:])
        return path


def _pydantic_errors(exc: ValidationError, locate: _Locator) -> list[ModelError]:
    out = []
    for err in exc.errors(include_url=False):
        path: Path = tuple(p for p in err["loc"] if isinstance(p, (str, int)))
        message = err["msg"]
        if err["type"] == "extra_forbidden":
            message = f"unknown field {path[-1]!r}"
        elif err["type"] == "missing":
            message = f"required field {path[-1]!r} is missing"
        elif err["type"] == "string_pattern_mismatch":
            message = f"{err['input']!r} is not a valid id or reference ({err['ctx']['pattern']})"
        elif "input" in err and err["type"] not in ("model_type", "dict_type", "list_type"):
            message = f"{message} (got {err['input']!r})"
        out.append(ModelError(message, locate(path)))
    return out


def validate_data(data: Any, *, file: str = "<model>", positions: Positions | None = None) -> Model:
    """Validate parsed model data into a :class:`Model`, or raise :class:`ModelErrors` with all problems."""
    locate = _Locator(file, positions)
    if not isinstance(data, dict):
        raise ModelErrors([ModelError("expected a mapping with 'scenarist: 1' at the top", locate(()))])
    if "scenarist" not in data:
        raise ModelErrors(
            [ModelError("required field 'scenarist' is missing; expected 'scenarist: 1'", locate(("scenarist",)))]
        )
    version = data["scenarist"]
    if type(version) is not int or version != 1:
        raise ModelErrors(
            [ModelError(f"unsupported format version {version!r}; expected 'scenarist: 1'", locate(("scenarist",)))]
        )
    try:
        model = Model.model_validate(data)
    except ValidationError as exc:
        raise ModelErrors(_pydantic_errors(exc, locate)) from None
    errors = list(_cross_reference_errors(model, locate))
    if errors:
        raise ModelErrors(errors)
    return model


def validate_model(model: Model, *, file: str = "<model>") -> Model:
    """Run the cross-reference checks on an already constructed model."""
    errors = list(_cross_reference_errors(model, _Locator(file, None)))
    if errors:
        raise ModelErrors(errors)
    return model


def model_warnings(model: Model) -> list[str]:
    """Things that are allowed but deserve the analyst's attention."""
    warnings = []
    selfs = [j for j in _all_judgments(model) if j[1].source.split(".")[0] == j[1].target.split(".")[0]]
    if selfs:
        warnings.append(
            f"{len(selfs)} judgment(s) act within one descriptor (non-zero diagonal block); "
            "they enter the impact balances, as in ScenarioWizard"
        )
    return warnings


def _duplicates(ids: Iterable[str]) -> Iterator[tuple[int, str]]:
    seen: set[str] = set()
    for i, x in enumerate(ids):
        if x in seen:
            yield i, x
        seen.add(x)


def _all_judgments(model: Model) -> Iterator[tuple[Path, Judgment]]:
    for i, j in enumerate(model.judgments):
        yield ("judgments", i), j
    for s, js in enumerate(model.judgment_sets):
        for i, j in enumerate(js.judgments):
            yield ("judgment_sets", s, "judgments", i), j


def _cross_reference_errors(model: Model, locate: _Locator) -> Iterator[ModelError]:
    variants: dict[str, list[str]] = {}
    for d in model.descriptors:
        variants.setdefault(d.id, [v.id for v in d.variants])  # a duplicate id is reported below, once
    for i, dup in _duplicates(d.id for d in model.descriptors):
        yield ModelError(f"duplicate descriptor id {dup!r}", locate(("descriptors", i, "id")))
    for k, d in enumerate(model.descriptors):
        for i, dup in _duplicates(v.id for v in d.variants):
            yield ModelError(
                f"duplicate variant id {dup!r} in descriptor {d.id!r}",
                locate(("descriptors", k, "variants", i, "id")),
            )
    for i, dup in _duplicates(s.id for s in model.sources):
        yield ModelError(f"duplicate source id {dup!r}", locate(("sources", i, "id")))
    for i, dup in _duplicates(s.id for s in model.scenarios):
        yield ModelError(f"duplicate scenario id {dup!r}", locate(("scenarios", i, "id")))
    for i, dup in _duplicates(s.id for s in model.judgment_sets):
        yield ModelError(f"duplicate judgment set id {dup!r}", locate(("judgment_sets", i, "id")))
    for i, dup in _duplicates(s.id for s in model.signposts):
        yield ModelError(f"duplicate signpost id {dup!r}", locate(("signposts", i, "id")))
    for i, dup in _duplicates(q.id for q in model.forecasts):
        yield ModelError(f"duplicate forecast question id {dup!r}", locate(("forecasts", i, "id")))
    yield from _prior_errors(model, locate)
    yield from _signpost_errors(model, variants, locate)
    yield from _forecast_errors(model, variants, locate)
    yield from _judgment_errors(model, variants, locate)
    yield from _scenario_errors(model, variants, locate)
    yield from _citation_errors(model, locate)


def _variant_ref_error(ref: str, variants: dict[str, list[str]]) -> str | None:
    desc, _, var = ref.partition(".")
    if desc not in variants:
        return f"unknown descriptor {desc!r}; expected one of {', '.join(variants)}"
    if var not in variants[desc]:
        return f"descriptor {desc!r} has no variant {var!r}; expected one of {', '.join(variants[desc])}"
    return None


def _judgment_errors(model: Model, variants: dict[str, list[str]], locate: _Locator) -> Iterator[ModelError]:
    seen: dict[tuple[Path, str, str], Path] = {}
    for path, j in _all_judgments(model):
        for field, ref in (("from", j.source), ("to", j.target)):
            problem = _variant_ref_error(ref, variants)
            if problem:
                yield ModelError(problem, locate((*path, field)))
        if j.source.split(".")[0] == j.target.split(".")[0] and not model.allow_self_impacts:
            yield ModelError(
                f"impact within one descriptor ({j.source} -> {j.target}); a descriptor's variants "
                "exclude each other, so judgments must link different descriptors "
                "(set 'allow_self_impacts: true' to accept ScenarioWizard-style self-impacts)",
                locate((*path, "to")),
            )
        key = (path[:-1], j.source, j.target)
        if key in seen:
            yield ModelError(
                f"duplicate judgment {j.source} -> {j.target} (first given at {locate(seen[key]).field})",
                locate(path),
            )
        seen.setdefault(key, path)


def _scenario_errors(model: Model, variants: dict[str, list[str]], locate: _Locator) -> Iterator[ModelError]:
    for s, named in enumerate(model.scenarios):
        for key, desc, allowed in [("core", d, a) for d, a in named.core.items()] + [
            ("typical", d, a) for d, a in named.typical.items()
        ]:
            path: Path = ("scenarios", s, key, desc)
            if desc not in variants:
                yield ModelError(f"unknown descriptor {desc!r}; expected one of {', '.join(variants)}", locate(path))
                continue
            for v in [allowed] if isinstance(allowed, str) else allowed:
                if v not in variants[desc]:
                    yield ModelError(
                        f"descriptor {desc!r} has no variant {v!r}; expected one of {', '.join(variants[desc])}",
                        locate(path),
                    )


def _probability_map_errors(
    values: dict[str, float], allowed: list[str], path: Path, locate: _Locator, *, what: str
) -> Iterator[ModelError]:
    for key, value in values.items():
        if key not in allowed:
            yield ModelError(f"no variant {key!r}; expected one of {', '.join(allowed)}", locate((*path, key)))
        elif not 0 <= value <= 1:
            yield ModelError(f"{what} must lie between 0 and 1, got {value}", locate((*path, key)))


def _prior_errors(model: Model, locate: _Locator) -> Iterator[ModelError]:
    for k, d in enumerate(model.descriptors):
        if d.prior is None:
            continue
        path: Path = ("descriptors", k, "prior")
        yield from _probability_map_errors(d.prior, [v.id for v in d.variants], path, locate, what="a prior weight")
        if sum(d.prior.values()) <= 0:
            yield ModelError("a prior needs a positive total weight", locate(path))


def _signpost_errors(model: Model, variants: dict[str, list[str]], locate: _Locator) -> Iterator[ModelError]:
    for i, s in enumerate(model.signposts):
        if s.descriptor not in variants:
            yield ModelError(
                f"unknown descriptor {s.descriptor!r}; expected one of {', '.join(variants)}",
                locate(("signposts", i, "descriptor")),
            )
            continue
        path: Path = ("signposts", i, "likelihoods")
        yield from _probability_map_errors(s.likelihoods, variants[s.descriptor], path, locate, what="a likelihood")


def _forecast_errors(model: Model, variants: dict[str, list[str]], locate: _Locator) -> Iterator[ModelError]:
    named = {s.id for s in model.scenarios}
    for i, q in enumerate(model.forecasts):
        if q.event is None:
            continue
        path: Path = ("forecasts", i, "event")
        e = q.event
        if e.scenario is not None:
            if e.descriptor is not None or e.variant is not None:
                yield ModelError("an event is either {scenario} or {descriptor, variant}, not both", locate(path))
            elif e.scenario not in named:
                yield ModelError(
                    f"unknown named scenario {e.scenario!r}; expected one of {', '.join(sorted(named)) or 'none'}",
                    locate((*path, "scenario")),
                )
        elif e.descriptor is None or e.variant is None:
            yield ModelError("an event needs 'scenario', or both 'descriptor' and 'variant'", locate(path))
        else:
            problem = _variant_ref_error(f"{e.descriptor}.{e.variant}", variants)
            if problem:
                yield ModelError(problem, locate(path))


def _citations(model: Model) -> Iterator[tuple[Path, Sequence[str]]]:
    for k, d in enumerate(model.descriptors):
        yield ("descriptors", k, "sources"), d.sources
    for path, j in _all_judgments(model):
        yield (*path, "sources"), j.sources
    for s, named in enumerate(model.scenarios):
        yield ("scenarios", s, "sources"), named.sources
    for i, sp in enumerate(model.signposts):
        yield ("signposts", i, "sources"), sp.sources
    for i, q in enumerate(model.forecasts):
        yield ("forecasts", i, "sources"), q.sources


def _citation_errors(model: Model, locate: _Locator) -> Iterator[ModelError]:
    known = {s.id for s in model.sources}
    for path, refs in _citations(model):
        for i, ref in enumerate(refs):
            source, _, paragraphs = ref.partition("#")
            if source not in known:
                expected = ", ".join(sorted(known)) or "none defined under 'sources'"
                yield ModelError(f"unknown source {source!r}; expected one of {expected}", locate((*path, i)))
            for span in filter(None, paragraphs.split(",")):
                lo, _, hi = span.partition("-")
                if hi and int(hi) < int(lo):
                    yield ModelError(f"paragraph range {span!r} runs backwards", locate((*path, i)))
