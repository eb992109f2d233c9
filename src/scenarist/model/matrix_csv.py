"""Import and export a cross-impact matrix as CSV.

The grid has two header rows and two header columns::

    ,,A,A,B,B
    ,,a1,a2,b1,b2
    A,a1,0,0,2,-1
    A,a2,0,0,-3,1
    B,b1,1,0,0,0
    B,b2,-2,1,0,0

Row 1 repeats each descriptor over its variants' columns, row 2 names the variants; the
first two columns do the same for the rows. Rows are source variants, columns target
variants. On import, ``,`` ``;`` or tab separators and double-quoted cells are accepted, a
blank descriptor cell repeats the one before it, and labels that are not identifier-safe
become ids (the label is kept as the name). Errors give line and character column.
"""

from __future__ import annotations

import re
from os import PathLike
from pathlib import PurePath

from scenarist.errors import Location, ModelError
from scenarist.model.build import (
    MAX_IMPACT,
    DescriptorSpec,
    decode_text,
    matrix_of,
    model_from_matrix,
    read_bytes,
    safe_id,
    split_lines,
    write_text,
)
from scenarist.model.schema import Model

__all__ = ["format_matrix_csv", "parse_matrix_csv", "read_matrix_csv", "write_matrix_csv"]

_INT = re.compile(r"[+-]?[0-9]+")
Cell = tuple[int, str]


def _unquote(raw: str) -> str:
    text = raw.strip()
    if len(text) >= 2 and text[0] == text[-1] == '"':
        text = text[1:-1].replace('""', '"')
    return text.strip()


def _split(line: str, delimiter: str) -> list[Cell]:
    """The cells of a line with their 1-based start columns; trailing empty cells dropped."""
    cells: list[Cell] = []
    start, quoted = 0, False
    for i, ch in enumerate(line):
        if ch == '"':
            quoted = not quoted
        elif ch == delimiter and not quoted:
            cells.append((start + 1, _unquote(line[start:i])))
            start = i + 1
    cells.append((start + 1, _unquote(line[start:])))
    while len(cells) > 2 and not cells[-1][1]:
        cells.pop()
    return cells


def _delimiter(line: str) -> str:
    return max((",", ";", "\t"), key=line.count)


class _Grid:
    """The cells of a CSV file, with located errors."""

    def __init__(self, text: str, file: str) -> None:
        self.file = file
        lines, _, _ = split_lines(text)
        while len(lines) > 1 and not lines[-1].strip():
            lines.pop()
        delimiter = _delimiter(lines[0])
        self.rows = [_split(line, delimiter) for line in lines]

    def error(self, message: str, row: int, column: int = 1, path: tuple[str | int, ...] = ()) -> ModelError:
        return ModelError(message, Location(self.file, row + 1, column, path))


def _descriptor_labels(grid: _Grid, size: int) -> list[str]:
    """Row 1's descriptor label per variant column, blanks repeating the label before."""
    cells = grid.rows[0][2:]
    if len(cells) > size:
        raise grid.error(f"row 1 has {len(cells)} descriptor cells but row 2 names {size} variants", 0, cells[size][0])
    labels: list[str] = []
    seen: set[str] = set()
    for k in range(size):
        column, text = cells[k] if k < len(cells) else (0, "")
        label = text or (labels[-1] if labels else "")
        if not label:
            raise grid.error("expected a descriptor label", 0, column or 1, ("descriptors", 0))
        if label in seen and label != labels[-1]:
            raise grid.error(f"descriptor {label!r} appears again after another descriptor", 0, column or 1)
        seen.add(label)
        labels.append(label)
    return labels


def _header(grid: _Grid) -> tuple[list[str], list[str]]:
    if len(grid.rows) < 3:
        raise grid.error("expected two header rows and then one matrix row per variant", len(grid.rows))
    variants = grid.rows[1][2:]
    if not variants:
        raise grid.error("row 2 names no variant (expected two blank cells, then one variant per column)", 1)
    for column, text in variants:
        if not text:
            raise grid.error("expected a variant label", 1, column)
    return _descriptor_labels(grid, len(variants)), [text for _, text in variants]


def _int_cell(grid: _Grid, row: int, cell: Cell, path: tuple[str | int, ...]) -> int:
    column, text = cell
    if not _INT.fullmatch(text):
        raise grid.error(f"expected an integer impact, found {text!r}", row, column, path)
    if len(text) > 12 or abs(int(text)) > MAX_IMPACT:
        raise grid.error(f"impact {text} is out of range", row, column, path)
    return int(text)


def _matrix(grid: _Grid, desc: list[str], var: list[str]) -> list[list[int]]:
    size = len(var)
    if len(grid.rows) != 2 + size:
        found = len(grid.rows) - 2
        raise grid.error(f"expected {size} matrix rows (one per variant), found {found}", min(len(grid.rows), 2 + size))
    matrix, previous = [], ""
    for r in range(size):
        cells = grid.rows[2 + r]
        label = cells[0][1] or previous
        if (label, cells[1][1] if len(cells) > 1 else "") != (desc[r], var[r]):
            raise grid.error(f"row labels should be {desc[r]!r}, {var[r]!r} to match column {r + 3}", 2 + r)
        previous = label
        if len(cells) != 2 + size:
            raise grid.error(f"expected {size} impacts, found {len(cells) - 2}", 2 + r, cells[-1][0], ("matrix", r))
        matrix.append([_int_cell(grid, 2 + r, cells[2 + c], ("matrix", r, c)) for c in range(size)])
    return matrix


def _specs(desc: list[str], var: list[str]) -> list[DescriptorSpec]:
    groups: dict[str, list[tuple[str, str | None]]] = {}
    for d, v in zip(desc, var):
        groups.setdefault(d, []).append((v, None))
    return [(d, None, variants) for d, variants in groups.items()]


def parse_matrix_csv(text: str, *, file: str = "<csv>", title: str | None = None) -> Model:
    """A model from matrix CSV text; every problem is a located :class:`ModelError`."""
    grid = _Grid(text, file)
    desc, var = _header(grid)
    matrix = _matrix(grid, desc, var)
    if title is None:
        title = PurePath(file).stem if file and not file.startswith("<") else "Imported matrix"
    title = title.strip() or "Imported matrix"
    try:
        return model_from_matrix(
            id=safe_id(title, set(), "matrix"), title=title, descriptors=_specs(desc, var), matrix=matrix
        )
    except ModelError as exc:
        raise ModelError(exc.message, Location(file, 0, 0, exc.location.path)) from None


def read_matrix_csv(path: str | PathLike[str]) -> Model:
    """Read a matrix CSV file (UTF-8, else Windows-1252)."""
    text, _ = decode_text(read_bytes(path), str(path))
    return parse_matrix_csv(text, file=str(path))


def format_matrix_csv(model: Model) -> str:
    """The model's impact matrix (primary judgments) as CSV, labelled with ids."""
    desc = [d.id for d in model.descriptors for _ in d.variants]
    var = [v.id for d in model.descriptors for v in d.variants]
    lines = [",".join(["", "", *desc]), ",".join(["", "", *var])]
    for d, v, row in zip(desc, var, matrix_of(model).tolist()):
        lines.append(",".join([d, v, *map(str, row)]))
    return "\n".join(lines) + "\n"


def write_matrix_csv(model: Model, path: str | PathLike[str]) -> None:
    """Write the model's impact matrix as a CSV file (UTF-8)."""
    write_text(path, format_matrix_csv(model), "utf-8")
