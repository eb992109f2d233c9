"""The model layer: schema, loading with located errors, compilation into arrays."""

from typing import TYPE_CHECKING

from scenarist._lazy import lazy_exports

if TYPE_CHECKING:
    from scenarist.model.compile import CompiledModel, compile_model
    from scenarist.model.load import DEFAULT_MODEL, bundled_models, load_model, parse_model
    from scenarist.model.schema import Model, json_schema

_EXPORTS = {
    "CompiledModel": "scenarist.model.compile",
    "compile_model": "scenarist.model.compile",
    "DEFAULT_MODEL": "scenarist.model.load",
    "bundled_models": "scenarist.model.load",
    "load_model": "scenarist.model.load",
    "parse_model": "scenarist.model.load",
    "Model": "scenarist.model.schema",
    "json_schema": "scenarist.model.schema",
}
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)

__all__ = [
    "DEFAULT_MODEL",
    "CompiledModel",
    "Model",
    "bundled_models",
    "compile_model",
    "json_schema",
    "load_model",
    "parse_model",
]
