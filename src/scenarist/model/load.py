"""Find and load a model: a bundled name or a path (.yaml, .yml, .json, .scw, .csv)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from scenarist.errors import Location, ModelError, ModelErrors
from scenarist.model.schema import Model
from scenarist.model.validate import validate_data
from scenarist.model.yamlpos import load_with_positions

__all__ = ["DEFAULT_MODEL", "bundled_models", "load_model", "parse_model", "resolve_model_path"]

DEFAULT_MODEL = "us-russia-2025"
_BUNDLE = "scenarist.models"


def bundled_models() -> dict[str, Path]:
    """Names and paths of the models shipped inside the package."""
    root = resources.files(_BUNDLE)
    out = {}
    for entry in root.iterdir():
        if entry.name.endswith((".yaml", ".yml")):
            out[entry.name.rsplit(".", 1)[0]] = Path(str(entry))
    return dict(sorted(out.items()))


def resolve_model_path(ref: str | Path | None) -> Path:
    """A path for ``ref``: the default bundled model when None, a bundled name, or a file path."""
    ref = DEFAULT_MODEL if ref is None else ref
    path = Path(ref)
    if path.exists():
        return path
    bundled = bundled_models()
    if str(ref) in bundled:
        return bundled[str(ref)]
    names = ", ".join(bundled) or "none"
    raise ModelError(f"no such model file or bundled model (bundled: {names})", Location(str(ref)))


def parse_model(text: str, *, file: str = "<model>") -> Model:
    """Parse and validate YAML/JSON model text; all problems are raised together."""
    data, positions = load_with_positions(text, file=file)
    return validate_data(data, file=file, positions=positions)


def load_model(ref: str | Path | None = None) -> Model:
    """Load a model by bundled name or path; the format follows the file extension."""
    path = resolve_model_path(ref)
    suffix = path.suffix.lower()
    if suffix == ".scw":
        from scenarist.model.scw import read_scw

        return read_scw(path)
    if suffix == ".csv":
        from scenarist.model.matrix_csv import read_matrix_csv

        return read_matrix_csv(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ModelErrors([ModelError(f"not UTF-8 text ({exc.reason})", Location(str(path)))]) from None
    except OSError as exc:
        raise ModelError(f"cannot read the file: {exc.strerror}", Location(str(path))) from None
    return parse_model(text, file=str(path))
