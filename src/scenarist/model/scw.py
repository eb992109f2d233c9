"""Read and write ScenarioWizard ``.scw`` project files.

A ``.scw`` file is line-oriented text (CRLF or LF), in sections closed by a ``#`` line:

0. ``$ ScenarioWizard 4.0`` and the project (file) name;
1. the analysis structure: ``&<descriptor name>``, then `` -<variant name>`` per variant;
2. short names: ``&<short>``, then `` <short>`` per variant (often blank);
3. an unused section; 4. one colour (``RRGGBB``) per variant; 5. an unused section;
6. the cross-impact matrix, one row per source variant, values such as `` 0 ,-2 , 1 ``;
7. optionally, judgement texts: ``# 0-0`` with a project text, then one ``# <short>`` entry
   per descriptor and one ``# <short> -> <short>`` entry per ordered descriptor pair, each
   followed by a quoted text; closed by ``#`` and ``#``.

The project text becomes the model description, descriptor texts descriptor descriptions
and pair texts the rationale of every judgment of that descriptor pair. Everything needed
to write the file back unchanged is kept under ``model.meta["scw"]``: line ending, header
and project-name lines, the raw long and short names, colours, the unused sections, and all
section-7 texts (``texts.count`` entries, the non-empty ones as ``[index, text]`` pairs).
On writing, a name or text taken from the model replaces the raw one unless both agree once
surrounding blanks are ignored, so edits win and untouched files come back byte for byte.

How ScenarioWizard escapes line breaks in texts is unknown; a text spanning lines is read
up to the next line that ends with a double quote, and written the same way.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from os import PathLike
from pathlib import PurePath
from typing import Any

from scenarist.errors import Location, ModelError
from scenarist.model.build import (
    MAX_IMPACT,
    decode_text,
    matrix_of,
    model_from_matrix,
    read_bytes,
    safe_id,
    split_lines,
    write_text,
)
from scenarist.model.schema import Model

__all__ = ["META_KEY", "format_scw", "parse_scw", "parse_scw_bytes", "read_scw", "write_scw"]

META_KEY = "scw"
DEFAULT_HEADER = "$ ScenarioWizard 4.0"
DEFAULT_COLOUR = "FFFFFF"
PROJECT_TEXT_HEADER = "# 0-0"

_INT = re.compile(r"[+-]?[0-9]+")
_COLOUR = re.compile(r"[0-9A-Fa-f]{1,8}")

Names = list[tuple[str, list[str]]]
FieldPath = tuple[str | int, ...]


# --------------------------------------------------------------------------- reading


class _Cursor:
    """The lines of a file and the position of the next one to read."""

    def __init__(self, lines: list[str], file: str) -> None:
        self.lines = lines
        self.file = file
        self.pos = 0

    def at_end(self) -> bool:
        return self.pos >= len(self.lines)

    def peek(self) -> str | None:
        return None if self.at_end() else self.lines[self.pos]

    def error(self, message: str, index: int, column: int = 1, path: FieldPath = ()) -> ModelError:
        return ModelError(message, Location(self.file, index + 1, column, path))

    def take(self, what: str, path: FieldPath = ()) -> tuple[int, str]:
        if self.at_end():
            raise self.error(f"the file ends where {what} was expected", len(self.lines), 1, path)
        self.pos += 1
        return self.pos - 1, self.lines[self.pos - 1]

    def close(self, what: str, path: FieldPath = ()) -> None:
        index, line = self.take(f"'#' closing {what}", path)
        if line != "#":
            raise self.error(f"expected '#' closing {what}, found {_show(line)}", index, 1, path)

    def block(self, what: str, path: FieldPath) -> tuple[int, list[str]]:
        """Lines up to the next '#' line; returns the index of that '#' line and the lines."""
        out: list[str] = []
        while True:
            index, line = self.take(f"'#' closing {what}", path)
            if line == "#":
                return index, out
            out.append(line)


def _show(line: str) -> str:
    return repr(line if len(line) <= 40 else line[:40] + "...")


@dataclass
class _Parsed:
    header: str = ""
    project: str = ""
    names: Names = field(default_factory=list)
    shorts: Names = field(default_factory=list)
    section3: list[str] = field(default_factory=list)
    colours: list[str] = field(default_factory=list)
    section5: list[str] = field(default_factory=list)
    matrix: list[list[int]] = field(default_factory=list)
    text_headers: list[str] | None = None
    texts: list[str] = field(default_factory=list)
    closers: int = 0
    tail: list[str] = field(default_factory=list)


def _read_header(cur: _Cursor, out: _Parsed) -> None:
    index, line = cur.take("the header line '$ ScenarioWizard <version>'", ("header",))
    if not line.startswith("$ ScenarioWizard"):
        raise cur.error(
            f"not a ScenarioWizard project: expected '$ ScenarioWizard <version>', found {_show(line)}",
            index,
            1,
            ("header",),
        )
    out.header = line
    out.project = cur.take("the project-name line", ("project",))[1]


def _read_structure(cur: _Cursor, out: _Parsed) -> None:
    starts: list[int] = []
    what = "the analysis structure ('&descriptor', ' -variant' or '#')"
    while True:
        index, line = cur.take(what, ("descriptors", len(starts)))
        if line == "#":
            break
        if line.startswith("&"):
            out.names.append((line[1:], []))
            starts.append(index)
        elif line.startswith(" -") and out.names:
            out.names[-1][1].append(line[2:])
        else:
            problem = "a variant before the first descriptor" if line.startswith(" -") else _show(line)
            raise cur.error(f"expected '&<descriptor>', ' -<variant>' or '#', found {problem}", index)
    if not out.names:
        raise cur.error("the analysis structure lists no descriptor", index, 1, ("descriptors",))
    for k, (name, variants) in enumerate(out.names):
        if not variants:
            raise cur.error(f"descriptor {name.strip()!r} has no variant", starts[k], 1, ("descriptors", k))


def _read_shorts(cur: _Cursor, out: _Parsed) -> None:
    for k, (name, variants) in enumerate(out.names):
        path: FieldPath = ("descriptors", k, "short")
        index, line = cur.take(f"the short name of descriptor {k + 1}", path)
        if not line.startswith("&"):
            raise cur.error(f"expected '&<short name>' for descriptor {name.strip()!r}, found {_show(line)}", index)
        shorts = []
        for v in range(len(variants)):
            vpath: FieldPath = ("descriptors", k, "variants", v, "short")
            v_index, v_line = cur.take(f"the short name of variant {v + 1} of descriptor {k + 1}", vpath)
            if v_line.startswith("&") or v_line == "#":
                raise cur.error(
                    f"descriptor {name.strip()!r} has {len(variants)} variants but {v} short variant names",
                    v_index,
                    1,
                    vpath,
                )
            shorts.append(v_line[1:] if v_line.startswith(" ") else v_line)
        out.shorts.append((line[1:], shorts))
    cur.close("the short-name section (more short names than descriptors and variants?)")


def _read_colours(cur: _Cursor, out: _Parsed, size: int) -> None:
    start = cur.pos
    end, out.colours = cur.block("the colour section", ("meta", META_KEY, "colours"))
    for k, colour in enumerate(out.colours):
        if not _COLOUR.fullmatch(colour):
            path: FieldPath = ("meta", META_KEY, "colours", k)
            raise cur.error(f"expected a colour such as 'FFFFFF', found {_show(colour)}", start + k, 1, path)
    if len(out.colours) != size:
        raise cur.error(
            f"the colour section has {len(out.colours)} lines; expected {size} (one per variant)",
            end,
            1,
            ("meta", META_KEY, "colours"),
        )


def _matrix_row(cur: _Cursor, index: int, line: str, row: int, size: int) -> list[int]:
    values: list[int] = []
    offset = 0
    for col, token in enumerate(line.split(",")):
        start, offset = offset, offset + len(token) + 1
        column = start + 1 + len(token) - len(token.lstrip())
        if col >= size:
            raise cur.error(f"matrix row {row + 1} has more than {size} values", index, column, ("matrix", row, col))
        text = token.strip()
        if not _INT.fullmatch(text):
            raise cur.error(f"expected an integer impact, found {_show(text)}", index, column, ("matrix", row, col))
        if len(text) > 12 or abs(int(text)) > MAX_IMPACT:
            raise cur.error(f"impact {text} is out of range", index, column, ("matrix", row, col))
        values.append(int(text))
    if len(values) < size:
        raise cur.error(
            f"matrix row {row + 1} has {len(values)} values; expected {size} (one per variant)",
            index,
            len(line) + 1,
            ("matrix", row, len(values)),
        )
    return values


def _read_matrix(cur: _Cursor, out: _Parsed, size: int) -> None:
    for row in range(size):
        index, line = cur.take(f"matrix row {row + 1} of {size}", ("matrix", row))
        if line.startswith("#"):
            raise cur.error(f"the matrix has {row} rows; expected {size} (one per variant)", index, 1, ("matrix", row))
        out.matrix.append(_matrix_row(cur, index, line, row, size))
    cur.close(f"the matrix after {size} rows (more rows than variants?)", ("matrix", size))


def _read_quoted(cur: _Cursor, entry: int) -> str:
    path: FieldPath = ("meta", META_KEY, "texts", entry)
    start, first = cur.take("a quoted text", path)
    if len(first) >= 2 and first.endswith('"'):
        return first[1:-1]
    parts = [first[1:]]
    while True:
        _, line = cur.take(f"the closing '\"' of the text opened on line {start + 1}", path)
        if line.endswith('"'):
            return "\n".join([*parts, line[:-1]])
        parts.append(line)


def _read_texts(cur: _Cursor, out: _Parsed) -> None:
    if all(not line.strip() for line in cur.lines[cur.pos :]):
        out.tail = cur.lines[cur.pos :]
        return
    out.text_headers = []
    while True:
        path: FieldPath = ("meta", META_KEY, "texts", len(out.texts))
        index, line = cur.take("'#' closing the judgement-text section", path)
        if not line.startswith("#"):
            raise cur.error(f"expected a '# ...' text header or '#', found {_show(line)}", index, 1, path)
        follower = cur.peek()
        if follower is not None and follower.startswith('"'):
            out.text_headers.append(line)
            out.texts.append(_read_quoted(cur, len(out.texts)))
        elif line == "#":
            break
        else:
            raise cur.error(f"expected a quoted text after the header {_show(line)}", index + 1, 1, path)
    out.closers = 1
    while cur.peek() == "#":
        cur.take("'#'")
        out.closers += 1
    for index in range(cur.pos, len(cur.lines)):
        if cur.lines[index].strip():
            raise cur.error(f"unexpected content after the end of the project: {_show(cur.lines[index])}", index)
    out.tail = cur.lines[cur.pos :]


def _parse(cur: _Cursor) -> _Parsed:
    out = _Parsed()
    _read_header(cur, out)
    _read_structure(cur, out)
    _read_shorts(cur, out)
    size = sum(len(variants) for _, variants in out.names)
    out.section3 = cur.block("section 3 (unused)", ("meta", META_KEY, "section3"))[1]
    _read_colours(cur, out, size)
    out.section5 = cur.block("section 5 (unused)", ("meta", META_KEY, "section5"))[1]
    _read_matrix(cur, out, size)
    _read_texts(cur, out)
    return out


def _title(project: str, file: str) -> str:
    title = project.strip()
    if title.lower().endswith(".scw"):
        title = title[:-4].strip()
    if not title and file and not file.startswith("<"):
        title = PurePath(file).stem
    return title or "ScenarioWizard project"


def _text_headers(shorts: Sequence[str], count: int) -> list[str] | None:
    """The section-7 headers ScenarioWizard writes for ``count`` entries, or None for an unknown layout."""
    n = len(shorts)
    if count <= 1:
        return [PROJECT_TEXT_HEADER][:count]
    if count != 1 + n + n * n:
        return None
    return [
        PROJECT_TEXT_HEADER,
        *(f"# {s}" for s in shorts),
        *(f"# {a} -> {b}" for a in shorts for b in shorts),
    ]


def _meta(parsed: _Parsed, newline: str, final_newline: bool) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "newline": newline,
        "final_newline": final_newline,
        "header": parsed.header,
        "project": parsed.project,
        "long_names": [[d, list(vs)] for d, vs in parsed.names],
        "short_names": [[d, list(vs)] for d, vs in parsed.shorts],
        "section3": parsed.section3,
        "colours": parsed.colours,
        "section5": parsed.section5,
        "texts": None,
    }
    if parsed.text_headers is not None:
        count = len(parsed.texts)
        meta["texts"] = {"count": count, "nonempty": [[k, t] for k, t in enumerate(parsed.texts) if t]}
        meta["closers"] = parsed.closers
        if parsed.text_headers != _text_headers([d for d, _ in parsed.shorts], count):
            meta["text_headers"] = parsed.text_headers
    if parsed.tail:
        meta["tail"] = parsed.tail
    return meta


def _build(parsed: _Parsed, meta: dict[str, Any], file: str) -> Model:
    n = len(parsed.names)
    texts = parsed.texts
    full = len(texts) == 1 + n + n * n
    title = _title(parsed.project, file)
    try:
        return model_from_matrix(
            id=safe_id(title, set(), "scw_project"),
            title=title,
            descriptors=[
                (name, short, list(zip(variants, v_shorts)))
                for (name, variants), (short, v_shorts) in zip(parsed.names, parsed.shorts)
            ],
            matrix=parsed.matrix,
            rationales={(a, b): texts[1 + n + a * n + b] for a in range(n) for b in range(n)} if full else None,
            meta={META_KEY: meta},
            description=texts[0] if texts else None,
            descriptions=texts[1 : 1 + n] if full else None,
        )
    except ModelError as exc:
        raise ModelError(exc.message, Location(file, 0, 0, exc.location.path)) from None


def parse_scw(text: str, *, file: str = "<scw>") -> Model:
    """Parse the text of a ScenarioWizard project; every problem is a located :class:`ModelError`."""
    lines, newline, final_newline = split_lines(text)
    parsed = _parse(_Cursor(lines, file))
    return _build(parsed, _meta(parsed, newline, final_newline), file)


def parse_scw_bytes(data: bytes, *, file: str = "<scw>") -> Model:
    """Parse a project from its bytes (UTF-8, else Windows-1252); the encoding is kept for writing back."""
    text, encoding = decode_text(data, file)
    model = parse_scw(text, file=file)
    model.meta[META_KEY]["encoding"] = encoding
    return model


def read_scw(path: str | PathLike[str]) -> Model:
    """Read a ScenarioWizard ``.scw`` project file."""
    return parse_scw_bytes(read_bytes(path), file=str(path))


# --------------------------------------------------------------------------- writing


def _get(tree: Any, *keys: str | int) -> Any:
    for key in keys:
        try:
            tree = tree[key]
        except (KeyError, IndexError, TypeError):
            return None
    return tree


def _prefer(raw: Any, current: str | None) -> str:
    """The raw text from the source file when the model still says the same, else the model's."""
    if isinstance(raw, str) and raw.strip() == (current or "").strip():
        return raw
    return current or ""


def _one_line(text: str, path: FieldPath) -> str:
    if "\n" in text or "\r" in text:
        raise ModelError(f"{text!r} holds a line break, which a .scw file cannot store", Location(path=path))
    return text


def _names(model: Model, meta: dict[str, Any], key: str) -> list[tuple[str, list[str]]]:
    """Per descriptor, its name and its variants' names (long or short) as they will be written."""
    out = []
    for i, d in enumerate(model.descriptors):
        current = d.name if key == "long_names" else d.short
        name = _one_line(_prefer(_get(meta, key, i, 0), current), ("descriptors", i))
        variants = []
        for k, v in enumerate(d.variants):
            v_current = v.name if key == "long_names" else v.short
            raw = _get(meta, key, i, 1, k)
            variants.append(_one_line(_prefer(raw, v_current), ("descriptors", i, "variants", k)))
        out.append((name, variants))
    return out


def _name_lines(names: list[tuple[str, list[str]]], v_lead: str) -> list[str]:
    return [line for name, variants in names for line in ["&" + name, *(v_lead + v for v in variants)]]


def _raw_lines(meta: Any, key: str) -> list[str]:
    lines = _get(meta, key)
    if not isinstance(lines, list):
        return []
    return [x for x in lines if isinstance(x, str) and x != "#" and "\n" not in x and "\r" not in x]


def _colours(model: Model, meta: dict[str, Any]) -> list[str]:
    size = sum(len(d.variants) for d in model.descriptors)
    colours = _get(meta, "colours")
    if not isinstance(colours, list) or len(colours) != size:
        return [DEFAULT_COLOUR] * size
    return [c if isinstance(c, str) and _COLOUR.fullmatch(c) else DEFAULT_COLOUR for c in colours]


def _value(value: int) -> str:
    return f" {value}" if value >= 0 else str(value)


def _matrix_lines(model: Model) -> list[str]:
    return [" ,".join(_value(v) for v in row) + " " for row in matrix_of(model).tolist()]


def _block_rationales(model: Model) -> dict[tuple[int, int], list[str]]:
    """For each descriptor pair holding judgments, the distinct rationales given to them."""
    position = {d.id: i for i, d in enumerate(model.descriptors)}
    out: dict[tuple[int, int], list[str]] = {}
    for j in model.judgments:
        a, b = position.get(j.source.split(".")[0]), position.get(j.target.split(".")[0])
        if a is None or b is None:
            continue
        texts = out.setdefault((a, b), [])
        if j.rationale and j.rationale not in texts:
            texts.append(j.rationale)
    return out


def _text_count(model: Model, meta: dict[str, Any]) -> int:
    """How many section-7 entries to write: as read, unless the model no longer fits that layout."""
    n = len(model.descriptors)
    full = 1 + n + n * n
    count = _get(meta, "texts", "count")
    if not isinstance(count, int) or count < 0 or count == full:
        return full
    if count <= 1:
        rich = any(d.description for d in model.descriptors) or any(j.rationale for j in model.judgments)
        return full if rich or (count == 0 and model.description) else count
    stored = _get(meta, "text_headers")
    return count if isinstance(stored, list) and len(stored) == count else full


def _raw_texts(meta: Any, count: int) -> list[str | None]:
    raw: list[str | None] = [""] * count if isinstance(_get(meta, "texts"), dict) else [None] * count
    entries = _get(meta, "texts", "nonempty")
    for entry in entries if isinstance(entries, list) else []:
        if isinstance(entry, list) and len(entry) == 2 and isinstance(entry[1], str):
            k = entry[0]
            if isinstance(k, int) and 0 <= k < count:
                raw[k] = entry[1]
    return raw


def _text_values(model: Model, meta: dict[str, Any], count: int) -> list[str]:
    raw = _raw_texts(meta, count)
    if count == 0:
        return []
    values = [_prefer(raw[0], model.description)]
    n = len(model.descriptors)
    if count != 1 + n + n * n:
        return values + [r or "" for r in raw[1:]]
    values += [_prefer(raw[1 + i], d.description) for i, d in enumerate(model.descriptors)]
    blocks = _block_rationales(model)
    for a in range(n):
        for b in range(n):
            r = raw[1 + n + a * n + b]
            values.append(_prefer(r, "\n".join(blocks[a, b])) if (a, b) in blocks else r or "")
    return values


def _quoted(text: str) -> list[str]:
    return f'"{text}"'.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def _text_lines(model: Model, meta: dict[str, Any], shorts: list[str]) -> list[str]:
    has_texts = (
        model.description or any(d.description for d in model.descriptors) or any(j.rationale for j in model.judgments)
    )
    if "texts" in meta and meta["texts"] is None and not has_texts:
        return []
    count = _text_count(model, meta)
    stored = _get(meta, "text_headers")
    headers = _text_headers(shorts, count)
    if isinstance(stored, list) and len(stored) == count and all(isinstance(h, str) for h in stored):
        headers = [_one_line(h, ("meta", META_KEY, "text_headers")) for h in stored]
    if headers is None:
        headers = [PROJECT_TEXT_HEADER] + ["# "] * (count - 1)
    closers = _get(meta, "closers")
    closers = closers if isinstance(closers, int) and 1 <= closers <= 100 else 2
    lines = []
    for header, text in zip(headers, _text_values(model, meta, count)):
        lines += [header if header.startswith("#") else "# " + header, *_quoted(text)]
    return lines + ["#"] * closers


def format_scw(model: Model) -> str:
    """The text of a ScenarioWizard project for the model (its primary judgments).

    A model read from a ``.scw`` file is written back as it was read, unless it was changed.
    """
    meta = model.meta.get(META_KEY)
    meta = meta if isinstance(meta, dict) else {}
    long_names = _names(model, meta, "long_names")
    short_names = _names(model, meta, "short_names")
    header = _get(meta, "header")
    project = _get(meta, "project")
    lines = [
        _one_line(header, ("meta", META_KEY, "header")) if isinstance(header, str) else DEFAULT_HEADER,
        _one_line(project, ("meta", META_KEY, "project")) if isinstance(project, str) else f"{model.id}.scw",
        *_name_lines(long_names, " -"),
        "#",
        *_name_lines(short_names, " "),
        "#",
        *_raw_lines(meta, "section3"),
        "#",
        *_colours(model, meta),
        "#",
        *_raw_lines(meta, "section5"),
        "#",
        *_matrix_lines(model),
        "#",
        *_text_lines(model, meta, [name for name, _ in short_names]),
        *_raw_lines(meta, "tail"),
    ]
    newline = meta.get("newline") if meta.get("newline") in ("\n", "\r\n", "\r") else "\r\n"
    return str(newline).join(lines) + (str(newline) if meta.get("final_newline", True) else "")


def write_scw(model: Model, path: str | PathLike[str]) -> None:
    """Write the model as a ScenarioWizard ``.scw`` project file."""
    meta = model.meta.get(META_KEY)
    encoding = _get(meta, "encoding")
    write_text(path, format_scw(model), encoding if isinstance(encoding, str) else "cp1252")
