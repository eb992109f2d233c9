"""The model layer: schema, loading with located errors, compilation into arrays."""

from scenarist.model.compile import CompiledModel, compile_model
from scenarist.model.load import DEFAULT_MODEL, bundled_models, load_model, parse_model
from scenarist.model.schema import Model, json_schema

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
