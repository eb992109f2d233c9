"""Scenarist: scenario analysis as code.

Write a system down as a model file, find its internally consistent futures by
Cross-Impact Balance analysis, and report them.
"""

from scenarist.errors import EngineError, Location, MissingExtraError, ModelError, ModelErrors, ScenaristError

__all__ = [
    "EngineError",
    "Location",
    "MissingExtraError",
    "ModelError",
    "ModelErrors",
    "ScenaristError",
    "__version__",
]

__version__ = "0.1.0"
