"""Edit the judgments of a YAML model file in place, keeping everything else byte for byte.

The file is read with ruamel.yaml's round-trip loader, which gives the line of every judgment
and of every key inside it; the new values are written by its emitter. Only the lines of the
fields that change are replaced (a changed impact rewrites one line), a removed judgment loses
its own lines and a new one is appended after the last judgment in the style of its neighbours.
Comments, key order, blank lines and the formatting of every untouched part stay as they were:
the file is never dumped again as a whole.

A cell of the matrix holds at most one judgment (the model refuses duplicates), so an edit names
the cell (``source`` → ``target``) and the full state it should have; an impact of 0 (or none)
removes the judgment. The result is checked as a model file before it is returned.
"""

from __future__ import annotations

import difflib
import hashlib
import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import yaml

from scenarist.errors import InputError, MissingExtraError
from scenarist.limits import MAX_IMPACT
from scenarist.model.schema import Judgment, Model
from scenarist.model.validate import validate_model

__all__ = [
    "MAX_RATIONALE_CHARS",
    "CellEdit",
    "apply_edits",
    "edit_judgments",
    "parse_edits",
    "text_digest",
    "unified_diff",
]

MAX_RATIONALE_CHARS = 5_000
MAX_SOURCES = 50
_FIELDS = ("from", "to", "impact", "confidence", "rationale", "sources")
_SOURCE_REF = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*(#[0-9]+(-[0-9]+)?(,[0-9]+(-[0-9]+)?)*)?$")


@dataclass(frozen=True)
class CellEdit:
    """The state one cell of the matrix should have: ``impact`` None removes its judgment."""

    source: str
    target: str
    impact: int | None
    confidence: int | None = None
    rationale: str | None = None
    sources: tuple[str, ...] = ()

    @property
    def cell(self) -> str:
        return f"{self.source} -> {self.target}"

    def judgment(self) -> Judgment:
        if self.impact is None:
            raise ValueError("a removed cell has no judgment")
        return Judgment.model_validate(
            {
                "from": self.source,
                "to": self.target,
                "impact": self.impact,
                "confidence": self.confidence,
                "rationale": self.rationale,
                "sources": list(self.sources),
            }
        )

    def same_as(self, j: Judgment | None) -> bool:
        if j is None:
            return self.impact is None
        return (self.impact, self.confidence, self.rationale or None, self.sources) == (
            j.impact, j.confidence, j.rationale or None, tuple(j.sources),
        )  # fmt: skip


def _field_error(cell: str, name: str, message: str) -> InputError:
    return InputError(f"judgment {cell}: {name} {message}")


def _int_or_none(cell: str, name: str, value: object, low: int, high: int) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        text = value.strip().replace("−", "-")
        if re.fullmatch(r"[+-]?[0-9]{1,12}", text) is None:
            raise _field_error(cell, name, f"must be an integer from {low:,} to {high:,}, got {value!r}")
        value = int(text)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise _field_error(cell, name, f"must be an integer from {low:,} to {high:,}, got {value!r}")
    return value


def parse_edits(raw: object, model: Model) -> list[CellEdit]:
    """Read a list of cell edits (mappings with from, to, impact, confidence, rationale, sources).

    A field left out of an edit keeps the value of the cell's saved judgment; null clears it (a null
    or 0 impact removes the judgment).

    Every problem raises :class:`InputError` naming the cell and the field: an unknown variant, two
    variants of one descriptor, an impact that is not an integer within ±``MAX_IMPACT``, a
    confidence outside 1..5, a malformed or unknown source reference.
    """
    if not isinstance(raw, list):
        raise InputError("edits: expected a list of judgments (from, to, impact, confidence, rationale, sources)")
    variants = {f"{d.id}.{v.id}" for d in model.descriptors for v in d.variants}
    known_sources = {s.id for s in model.sources}
    existing = {(j.source, j.target): j for j in model.judgments}
    out: dict[tuple[str, str], CellEdit] = {}
    for n, item in enumerate(raw):
        if not isinstance(item, Mapping):
            raise InputError(f"edits[{n}]: expected a mapping with from, to, impact, confidence, rationale, sources")
        extra = sorted(set(map(str, item)) - set(_FIELDS))
        if extra:
            raise InputError(f"edits[{n}]: unknown field {extra[0]!r}; expected {', '.join(_FIELDS)}")
        source, target = item.get("from"), item.get("to")
        for name, ref in (("from", source), ("to", target)):
            if not isinstance(ref, str) or ref not in variants:
                raise InputError(f"edits[{n}]: {name} must name a variant of the model as 'descriptor.variant', "
                                 f"got {ref!r}")  # fmt: skip
        assert isinstance(source, str) and isinstance(target, str)
        cell = f"{source} -> {target}"
        if source.split(".")[0] == target.split(".")[0] and not model.allow_self_impacts:
            raise _field_error(cell, "to", "is a variant of the same descriptor; a judgment links two descriptors")
        # A field left out keeps the saved judgment's value; null (or "") clears it.
        saved = existing.get((source, target))
        kept = {} if saved is None else {"impact": saved.impact, "confidence": saved.confidence,
                                         "rationale": saved.rationale, "sources": list(saved.sources)}  # fmt: skip
        values: dict[str, Any] = {**kept, **item}
        impact = _int_or_none(cell, "impact", values.get("impact"), -MAX_IMPACT, MAX_IMPACT)
        confidence = _int_or_none(cell, "confidence", values.get("confidence"), 1, 5)
        rationale = values.get("rationale")
        if rationale is not None and not isinstance(rationale, str):
            raise _field_error(cell, "rationale", f"must be text, got {rationale!r}")
        rationale = (rationale or "").strip() or None
        if rationale is not None and len(rationale) > MAX_RATIONALE_CHARS:
            raise _field_error(cell, "rationale", f"is longer than {MAX_RATIONALE_CHARS:,} characters")
        if rationale is not None and re.search(r"[\x00-\x08\x0b-\x1f\x7f]", rationale):
            raise _field_error(cell, "rationale", "contains control characters")
        refs = values.get("sources") or []
        if isinstance(refs, str):
            refs = [r for r in re.split(r"[;\s]+", refs) if r]
        if not isinstance(refs, list) or len(refs) > MAX_SOURCES:
            raise _field_error(cell, "sources", f"must be a list of at most {MAX_SOURCES} source references")
        for ref in refs:
            if not isinstance(ref, str) or _SOURCE_REF.fullmatch(ref) is None:
                raise _field_error(cell, "sources", f"has a malformed reference {ref!r} (expected 'id' or 'id#3-5')")
            if ref.partition("#")[0] not in known_sources:
                expected = ", ".join(sorted(known_sources)) or "none defined under 'sources'"
                raise _field_error(cell, "sources", f"names an unknown source {ref!r}; expected one of {expected}")
        out[(source, target)] = CellEdit(source, target, impact or None, confidence, rationale, tuple(refs))
    return list(out.values())


def apply_edits(model: Model, edits: Sequence[CellEdit]) -> Model:
    """The model with the edited cells: judgments replaced in place, removed, or appended in order."""
    by_cell = {(e.source, e.target): e for e in edits}
    judgments: list[Judgment] = []
    for j in model.judgments:
        edit = by_cell.pop((j.source, j.target), None)
        if edit is None:
            judgments.append(j)
        elif edit.impact is not None:
            judgments.append(edit.judgment())
    judgments.extend(e.judgment() for e in by_cell.values() if e.impact is not None)
    return validate_model(model.model_copy(update={"judgments": judgments}))


def text_digest(text: str) -> str:
    """The SHA-256 of a file's text: the version of the file an edit was prepared against."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def unified_diff(old: str, new: str, name: str) -> str:
    """A unified diff of two versions of a file (three lines of context)."""
    lines = difflib.unified_diff(
        old.splitlines(keepends=True), new.splitlines(keepends=True), f"a/{name}", f"b/{name}", n=3
    )
    return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines)


# --- the text splice ---------------------------------------------------------------------------


def _yaml() -> Any:
    try:
        from ruamel.yaml import YAML
    except ImportError as exc:  # pragma: no cover - the web extra installs it
        raise MissingExtraError("ruamel.yaml", "web") from exc
    rt = YAML(typ="rt")
    rt.preserve_quotes = True
    rt.width = 1_000_000  # never fold a long rationale: one field, one line
    return rt


def _dump(rt: Any, value: Any) -> str:
    buf = io.StringIO()
    rt.dump(value, buf)
    return buf.getvalue()


def _flow_seq(items: Sequence[str]) -> Any:
    from ruamel.yaml.comments import CommentedSeq

    seq = CommentedSeq(list(items))
    seq.fa.set_flow_style()
    return seq


_STR_TAG = "tag:yaml.org,2002:str"


def _text(value: str) -> Any:
    """``value`` quoted when the model loader (YAML 1.1) would read it unquoted as something else (``yes``, ``1e3``)."""
    from ruamel.yaml.scalarstring import SingleQuotedScalarString

    resolver: Any = yaml.resolver.Resolver()  # the model loader's own implicit typing of plain scalars
    tag = resolver.resolve(yaml.ScalarNode, value, (True, False))
    return value if tag == _STR_TAG else SingleQuotedScalarString(value)


def _field_value(edit: CellEdit, key: str) -> Any:
    if key == "from":
        return _text(edit.source)
    if key == "to":
        return _text(edit.target)
    if key == "sources":
        return _flow_seq([_text(s) for s in edit.sources]) if edit.sources else None
    if key == "rationale":
        return None if edit.rationale is None else _text(edit.rationale)
    value: Any = getattr(edit, key)
    return value


def _render_fields(rt: Any, pairs: Sequence[tuple[str, Any]], indent: int) -> list[str]:
    """``key: value`` lines of a block mapping, indented by ``indent`` spaces."""
    from ruamel.yaml.comments import CommentedMap

    text = _dump(rt, CommentedMap(pairs))
    return [" " * indent + line if line.strip() else line for line in text.splitlines(keepends=True)]


def _render_flow_item(rt: Any, pairs: Sequence[tuple[str, Any]]) -> str:
    from ruamel.yaml.comments import CommentedMap

    item = CommentedMap(pairs)
    item.fa.set_flow_style()
    return _dump(rt, item).strip()


def _pairs(edit: CellEdit) -> list[tuple[str, Any]]:
    return [(k, v) for k in _FIELDS if (v := _field_value(edit, k)) is not None]


def _content_end(lines: Sequence[str], start: int, stop: int, column: int) -> int:
    """The end (exclusive) of the item starting at line ``start`` when the next thing begins at ``stop``:
    trailing blank lines and comments at the item's own indentation or less belong to what follows."""
    end = stop
    while end > start + 1:
        line = lines[end - 1]
        stripped = line.strip()
        indent = len(line) - len(line.lstrip(" "))
        if not stripped or (stripped.startswith("#") and indent <= column):
            end -= 1
        else:
            break
    return end


@dataclass
class _Item:
    index: int
    start: int  # 0-based line of the item's first key (the "- " line)
    end: int  # exclusive
    column: int  # column of the item's keys
    node: Any


def _items(doc: Any, lines: Sequence[str], file: str) -> tuple[Any, list[_Item], int]:
    """The judgments sequence, its items with their line ranges, and the line where the sequence ends."""
    seq = doc.get("judgments")
    keys = list(doc.keys())
    after = keys.index("judgments") + 1
    stop = doc.lc.key(keys[after])[0] if after < len(keys) else len(lines)
    if seq is None or len(seq) == 0:
        return seq, [], stop
    if seq.fa.flow_style():
        raise InputError(
            f"{file}: judgments: written as one flow sequence ([...]); write one judgment per item "
            "('- from: ...') to edit the file in place"
        )
    starts = [seq.lc.item(i) for i in range(len(seq))]
    items = []
    for i, (line, column) in enumerate(starts):
        nxt = starts[i + 1][0] if i + 1 < len(starts) else stop
        items.append(_Item(i, line, _content_end(lines, line, nxt, column), column, seq[i]))
    return seq, items, stop


def edit_judgments(text: str, edits: Sequence[CellEdit], *, file: str = "<model>") -> str:
    """The text of a YAML model file with ``edits`` applied to its ``judgments``; nothing else changes.

    Raises :class:`InputError` when the file cannot be edited in place and
    :class:`~scenarist.errors.ModelErrors` when the result is not a valid model (with its location).
    """
    rt = _yaml()
    try:
        doc = rt.load(text)
    except Exception as exc:  # ruamel's errors share no base class worth naming here
        raise InputError(f"{file}: cannot be read as YAML for editing: {exc}") from None
    if not hasattr(doc, "lc") or not isinstance(doc, Mapping):
        raise InputError(f"{file}: the document is not a mapping")
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    if "judgments" not in doc:
        lines.append("judgments:\n")
        doc = rt.load("".join(lines))
    seq, items, stop = _items(doc, lines, file)
    by_cell = {(str(it.node.get("from")), str(it.node.get("to"))): it for it in items}
    # Replacements as (start, end, new lines), applied from the bottom up so earlier line numbers hold.
    patches: list[tuple[int, int, list[str]]] = []
    appended: list[CellEdit] = []
    for edit in edits:
        item = by_cell.get((edit.source, edit.target))
        if item is None:
            if edit.impact is not None:
                appended.append(edit)
            continue
        old = Judgment.model_validate(dict(item.node))
        if edit.same_as(old):
            continue
        if edit.impact is None:
            patches.append(_removal(lines, item))
        elif getattr(item.node, "fa", None) is not None and item.node.fa.flow_style():
            line = lines[item.start]
            dash = line.index("-", 0, item.column)
            patches.append((item.start, item.end, [line[:dash] + "- " + _render_flow_item(rt, _pairs(edit)) + "\n"]))
        else:
            patches.extend(_field_patches(rt, lines, item, edit))
    if appended:
        patches.append(_append(rt, lines, seq, items, stop, appended))
    # Bottom up; of insertions at one line, the last first, so that they end up in the order given.
    order = sorted(range(len(patches)), key=lambda n: (patches[n][0], patches[n][1], n), reverse=True)
    for n in order:
        start, end, new = patches[n]
        lines[start:end] = new
    result = "".join(lines)
    if not text.endswith("\n") and result.endswith("\n") and not appended:
        result = result[:-1]
    _check(result, file)
    return result


def _removal(lines: list[str], item: _Item) -> tuple[int, int, list[str]]:
    start, end = item.start, item.end
    # The blank line that separated the item from what follows goes with it.
    if end < len(lines) and not lines[end].strip():
        end += 1
    return start, end, []


def _separated(lines: Sequence[str], start: int) -> bool:
    """Whether the item starting at line ``start`` is set off by a blank line (above its comments, if any)."""
    i = start - 1
    while i >= 0 and lines[i].lstrip().startswith("#"):
        i -= 1
    return i >= 0 and not lines[i].strip()


def _field_patches(rt: Any, lines: list[str], item: _Item, edit: CellEdit) -> list[tuple[int, int, list[str]]]:
    node = item.node
    keys = [str(k) for k in node]
    key_lines = [node.lc.key(k)[0] for k in node]
    ranges = {
        k: (key_lines[i], _content_end(lines, key_lines[i], key_lines[i + 1] if i + 1 < len(keys) else item.end,
                                       item.column))
        for i, k in enumerate(keys)
    }  # fmt: skip
    old = Judgment.model_validate(dict(node))
    new_values = {k: _field_value(edit, k) for k in _FIELDS}
    old_values = {"impact": old.impact, "confidence": old.confidence, "rationale": old.rationale or None,
                  "sources": tuple(old.sources) or None}  # fmt: skip
    patches = []
    for key in ("impact", "confidence", "rationale", "sources"):
        value = new_values[key]
        compare = tuple(value) if key == "sources" and value is not None else value
        if compare == old_values[key]:
            continue
        if key in ranges:
            start, end = ranges[key]
            rendered = [] if value is None else _render_fields(rt, [(key, value)], item.column)
            if rendered and end - start == 1:
                rendered[-1] = rendered[-1].rstrip("\n") + _line_comment(node, key, lines[start]) + "\n"
            patches.append((start, end, rendered))
        elif value is not None:
            # A new key goes after the last present key that precedes it in the usual order.
            earlier = [k for k in _FIELDS[: _FIELDS.index(key)] if k in ranges]
            at = ranges[earlier[-1]][1] if earlier else item.start + 1
            patches.append((at, at, _render_fields(rt, [(key, value)], item.column)))
    return patches


def _line_comment(node: Any, key: str, line: str) -> str:
    """The end-of-line comment after ``key``'s value on ``line`` (``   # strong``), kept when the value changes."""
    entry = node.ca.items.get(key)
    token = entry[2] if entry and len(entry) > 2 else None
    first = str(getattr(token, "value", "") or "").split("\n", 1)[0].strip()
    text = line.rstrip("\n")
    at = text.rfind(first) if first.startswith("#") else -1
    if at <= 0:
        return ""
    head = text[:at]
    return head[len(head.rstrip()) :] + first


def _append(
    rt: Any, lines: list[str], seq: Any, items: list[_Item], stop: int, edits: Sequence[CellEdit]
) -> tuple[int, int, list[str]]:
    if items:
        last = items[-1]
        column = last.column
        at = last.end
        separated = len(items) > 1 and _separated(lines, last.start)
        flow = getattr(last.node, "fa", None) is not None and last.node.fa.flow_style()
    else:
        column, at, separated, flow = 4, stop, False, False
        while at > 0 and (not lines[at - 1].strip() or lines[at - 1].lstrip().startswith("#")):
            at -= 1
        if seq is not None:  # "judgments: []" becomes a block sequence
            line = lines[at - 1]
            lines[at - 1] = line[: line.index(":") + 1] + "\n"
    out: list[str] = []
    for edit in edits:
        if separated:
            out.append("\n")
        pairs = _pairs(edit)
        if flow:
            out.append(" " * (column - 2) + "- " + _render_flow_item(rt, pairs) + "\n")
            continue
        block = _render_fields(rt, pairs, column)
        block[0] = " " * (column - 2) + "- " + block[0][column:]
        out.extend(block)
    return at, at, out


def _check(text: str, file: str) -> Model:
    from scenarist.model.load import parse_model

    return parse_model(text, file=file)
