"""Load YAML (or JSON, which YAML reads too) keeping the position of every node.

The loader returns plain Python data plus a map from field path to (line, column), so
that any later error about ``judgments[3].impact`` can name its line and column.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import yaml

from scenarist import limits
from scenarist.errors import Location, ModelError, ModelErrors

__all__ = ["load_with_positions", "Positions"]

Path = tuple[str | int, ...]
Positions = dict[Path, tuple[int, int]]


class _Loader(yaml.SafeLoader):
    """SafeLoader whose timestamps stay strings when not plain dates (pydantic parses them).

    Composing refuses nesting deeper than ``MAX_NESTING`` before Python's own recursion
    limit is reached; building counts every value visited, so aliases cannot expand the
    document beyond ``MAX_NODES`` values ("billion laughs").
    """

    def __init__(self, stream: str, file: str) -> None:
        super().__init__(stream)
        self.file = file
        self.depth = 0
        self.nodes = 0
        self.seen: set[int] = set()
        self.repeats = 0

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        self.depth += 1
        try:
            if self.depth > limits.MAX_NESTING:
                mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
                raise ModelError(
                    f"lists and mappings are nested more than {limits.MAX_NESTING} levels deep",
                    Location(self.file, mark.line + 1, mark.column + 1),
                )
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


_LIBYAML: bool = bool(getattr(yaml, "__with_libyaml__", False))
"""Whether PyYAML was built with libyaml (the wheels are): then well-formed files are read in C."""


class _FastLoader(yaml.CSafeLoader if _LIBYAML else yaml.SafeLoader):  # type: ignore[misc]
    """libyaml's parser and composer (C) with the same constructor; used only for well-formed input."""

    def __init__(self, stream: str, file: str) -> None:
        super().__init__(stream)
        self.file = file
        self.nodes = 0
        self.seen: set[int] = set()
        self.repeats = 0


def _nesting_within_limit(text: str) -> bool:
    """Whether libyaml reads ``text`` without error and no deeper than ``MAX_NESTING`` (a flat pass over events).

    libyaml composes recursively in C, so depth is checked first, without recursion.
    """
    depth = 0
    try:
        for event in yaml.parse(text, Loader=yaml.CSafeLoader):
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                depth += 1
                if depth > limits.MAX_NESTING:
                    return False
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                depth -= 1
    except yaml.YAMLError:
        return False
    return True


_NON_PRINTABLE = yaml.reader.Reader.NON_PRINTABLE


def _located(node: yaml.Node, file: str, path: Path) -> Location:
    return Location(file, node.start_mark.line + 1, node.start_mark.column + 1, path)


def _scalar(loader: _Loader | _FastLoader, node: yaml.ScalarNode, path: Path = ()) -> Any:
    try:
        value = loader.construct_object(node, deep=True)
    except ValueError:  # an integer of more digits than Python converts
        message = f"cannot read the value {node.value[:20]!r}… ({len(node.value):,} characters): too long a number"
        raise ModelError(message, _located(node, loader.file, path)) from None
    if isinstance(value, dt.datetime):
        return node.value
    return value


def _build(loader: _Loader | _FastLoader, node: yaml.Node, path: Path, positions: Positions, file: str) -> Any:
    loader.nodes += 1
    if len(path) > limits.MAX_NESTING:  # an alias inside its own anchor nests without end
        message = f"lists and mappings are nested more than {limits.MAX_NESTING} levels deep (through aliases)"
        raise ModelError(message, _located(node, file, path))
    if id(node) in loader.seen:
        loader.repeats += 1
        if loader.repeats > limits.MAX_ALIAS_VALUES:
            message = f"aliases repeat more than {limits.MAX_ALIAS_VALUES:,} values (an alias bomb?)"
            raise ModelError(message, _located(node, file, path))
    else:
        loader.seen.add(id(node))
    if loader.nodes > limits.MAX_NODES:
        message = f"the document holds more than {limits.MAX_NODES:,} values once its aliases are expanded"
        raise ModelError(message, _located(node, file, path))
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
    return _scalar(loader, node, path)  # type: ignore[arg-type]


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
    """Read with libyaml when it is installed and the text is well formed and shallow; else in Python.

    Both give the same data and positions; the Python reader is the one that explains a malformed
    file (its messages and marks are the documented ones), so any problem takes that path.
    """
    if _LIBYAML and not _NON_PRINTABLE.search(text) and _nesting_within_limit(text):
        fast = _FastLoader(text, file)
        try:
            node = fast.get_single_node()
            if node is not None:
                positions: Positions = {}
                return _build(fast, node, (), positions, file), positions
        except yaml.YAMLError:
            pass  # read again in Python for the located message
        finally:
            fast.dispose()
    try:
        loader = _Loader(text, file)
    except yaml.reader.ReaderError as exc:
        pos = exc.position
        line, col = text.count("\n", 0, pos) + 1, pos - text.rfind("\n", 0, pos)
        message = f"not valid YAML/JSON: the character U+{exc.character:04X} is not allowed (control character)"
        raise ModelError(message, Location(file, line, col)) from None
    try:
        node = loader.get_single_node()
        positions = {}
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
