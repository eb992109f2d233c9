"""Package attributes imported on first use, so that a command pays only for what it touches.

A package lists ``{name: module}`` once; its ``__getattr__`` (PEP 562) imports the module the
first time the name is read and keeps the value in the package's namespace. Type checkers read
the same names from an ``if TYPE_CHECKING:`` block of plain imports in the package.
"""

from __future__ import annotations

import importlib
import sys
import types
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["lazy_exports"]


def lazy_exports(package: str, exports: Mapping[str, str]) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``__getattr__`` and ``__dir__`` for ``package``, exporting each name from its module.

    An exported name may also be the name of a submodule (``service.standing`` is a function
    and ``service/standing.py``); importing the submodule must not replace the exported value
    on the package, so the package refuses to bind a module over an exported name.
    """
    module = sys.modules[package]
    namespace = module.__dict__
    module.__class__ = _exporting_package(frozenset(exports))

    def getattr_(name: str) -> Any:
        module = exports.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        namespace[name] = value
        return value

    def dir_() -> list[str]:
        return sorted(set(namespace) | set(exports))

    return getattr_, dir_


def _exporting_package(exported: frozenset[str]) -> type[types.ModuleType]:
    class ExportingPackage(types.ModuleType):
        def __setattr__(self, name: str, value: Any) -> None:
            if name in exported and isinstance(value, types.ModuleType):
                return  # the submodule stays in sys.modules; the name keeps the exported value
            super().__setattr__(name, value)

    return ExportingPackage
