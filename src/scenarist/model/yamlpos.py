"""Load YAML (or JSON, which YAML reads too) keeping the position of every node.

The loader returns plain Python data plus a map from field path to (line, column), so
that any later error about ``judgments[3].impact`` can name its line and column.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import yaml

from scenarist.errors import Location, ModelError, ModelErrors

__all__ = ["load_with_positions", "Positions"]

Path = tuple[str | int, ...]
Positions = dict[Path, tuple[int, int]]


class _Loader(yaml.SafeLoader):
    """SafeLoader whose timestamps stay strings when not plain dates (pydantic parses them)."""


def _scalar(loader: _Loader, node: yaml.ScalarNode) -> Any:
    value = loader.construct_object(node, deep=True)
    if isinstance(value, dt.datetime):
        return node.value
    return value


def _build(loader: _Loader, node: yaml.Node, path: Path, positions: Positions, file: str) -> Any:
    positions[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = _scalar(loader, key_node) if isinstance(key_node, yaml.ScalarNode) else None
            if not isinstance(key, (str, int, bool)) or key is None:
                line, col = key_node.start_mark.line + 1, key_node.start_mark.column + 1
                raise ModelError("expected a plain key", Location(file, line, col, path))
            key = str(key) if not isinstance(key, str) else key
            child = (*path, key)
            if key in out:
                line, col = key_node.start_mark.line + 1, key_node.start_mark.column + 1
                raise ModelError(f"key {key!r} appears twice", Location(file, line, col, child))
            out[key] = _build(loader, value_node, child, positions, file)
            positions[child] = (value_node.start_mark.line + 1, value_node.start_mark.column + 1)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_build(loader, item, (*path, i), positions, file) for i, item in enumerate(node.value)]
    return _scalar(loader, node)  # type: ignore[arg-type]


def load_with_positions(text: str, *, file: str) -> tuple[Any, Positions]:
    """Parse ``text`` (YAML or JSON) into data and a path → (line, column) map.

    Raises :class:`ModelErrors` (holding one error located at the syntax problem).
    """
    try:
        return _load(text, file=file)
    except ModelErrors:
        raise
    except ModelError as exc:
        raise ModelErrors([exc]) from None


def _load(text: str, *, file: str) -> tuple[Any, Positions]:
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        positions: Positions = {}
        if node is None:
            raise ModelError("the file is empty; expected a model document", Location(file, 1, 1))
        data = _build(loader, node, (), positions, file)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (0, 0)
        raise ModelError(f"not valid YAML/JSON: {exc.problem or exc}", Location(file, line, col)) from exc
    except yaml.YAMLError as exc:
        raise ModelError(f"not valid YAML/JSON: {exc}", Location(file)) from exc
    finally:
        loader.dispose()
    return data, positions
