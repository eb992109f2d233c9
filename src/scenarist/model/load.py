"""Find and load a model: a bundled name or a path (.yaml, .yml, .json, .scw, .csv)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from scenarist import limits
from scenarist.errors import Location, ModelError, ModelErrors
from scenarist.model.files import DEFAULT_MODEL, bundled_models, read_bytes, resolve_model_path
from scenarist.model.schema import Model
from scenarist.model.validate import validate_data
from scenarist.model.yamlpos import load_with_positions

__all__ = [
    "DEFAULT_MODEL",
    "bundled_models",
    "check_size",
    "printable",
    "load_model",
    "model_from_bytes",
    "parse_model",
    "resolve_model_path",
]


def check_size(model: Model, *, file: str) -> Model:
    """Refuse a model beyond the size limits (descriptors, variants); see :mod:`scenarist.limits`."""
    where = Location(file, path=("descriptors",))
    errors: list[ModelError] = []
    n = len(model.descriptors)
    if n > limits.MAX_DESCRIPTORS:
        errors.append(ModelError(f"{n} descriptors; at most {limits.MAX_DESCRIPTORS} are accepted", where))
    total = sum(len(d.variants) for d in model.descriptors)
    if total > limits.MAX_VARIANTS:
        errors.append(ModelError(f"{total} variants in all; at most {limits.MAX_VARIANTS} are accepted", where))
    for k, d in enumerate(model.descriptors):
        if len(d.variants) > limits.MAX_VARIANTS_PER_DESCRIPTOR:
            message = f"{len(d.variants)} variants; at most {limits.MAX_VARIANTS_PER_DESCRIPTOR} per descriptor"
            errors.append(ModelError(message, Location(file, path=("descriptors", k, "variants"))))
            break
    if errors:
        raise ModelErrors(errors)
    return model


def parse_model(text: str, *, file: str = "<model>") -> Model:
    """Parse and validate YAML/JSON model text; all problems are raised together."""
    data, positions = load_with_positions(text, file=file)
    return check_size(validate_data(data, file=file, positions=positions), file=file)


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _strip(value: Any) -> Any:
    if isinstance(value, str):
        return _CONTROL.sub("", value)
    if isinstance(value, list):
        return [_strip(v) for v in value]
    if isinstance(value, dict):
        return {k: _strip(v) for k, v in value.items()}
    return value


def printable(model: Model) -> Model:
    """``model`` with control characters (escape sequences, bidi overrides) removed from every text.

    For display on a terminal: a model file cannot retitle, clear or reorder the screen.
    """
    data = model.model_dump(by_alias=True)
    clean = _strip(data)
    return model if clean == data else Model.model_validate(clean)


def load_model(ref: str | Path | None = None) -> Model:
    """Load a model by bundled name or path; the format follows the file extension."""
    path = resolve_model_path(ref)
    return model_from_bytes(path, read_bytes(path))


def model_from_bytes(path: Path, data: bytes) -> Model:
    """The model in ``data``, the bytes read from ``path``; the format follows the file extension."""
    suffix = path.suffix.lower()
    if suffix == ".scw":
        from scenarist.model.scw import parse_scw_bytes

        return check_size(parse_scw_bytes(data, file=str(path)), file=str(path))
    if suffix == ".csv":
        from scenarist.model.build import decode_text
        from scenarist.model.matrix_csv import parse_matrix_csv

        text, _ = decode_text(data, str(path))
        return check_size(parse_matrix_csv(text, file=str(path)), file=str(path))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ModelErrors([ModelError(f"not UTF-8 text ({exc.reason})", Location(str(path)))]) from None
    return parse_model(text, file=str(path))
