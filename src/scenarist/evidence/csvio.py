"""Evidence CSV files, read with the csv module's own quoting (a quoted note keeps its line breaks).

Columns: ``signpost, observed, date, source`` (required) and ``url, reliability, note, explicit,
model`` (optional), in any order, once each. A UTF-8 byte-order mark (as spreadsheets write it) is
accepted. Rows are validated by :class:`scenarist.evidence.inputs.EvidenceFields` as they are read, so
a large file streams; the error for a bad row names the file, its line and the field.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

from pydantic import ValidationError

from scenarist.evidence.errors import LedgerInputError
from scenarist.evidence.inputs import EvidenceFields, fields_error
from scenarist.limits import MAX_CSV_FIELD_CHARS

__all__ = ["OPTIONAL_COLUMNS", "REQUIRED_COLUMNS", "read_evidence_rows"]

REQUIRED_COLUMNS = ("signpost", "observed", "date", "source")
OPTIONAL_COLUMNS = ("url", "reliability", "note", "explicit", "model")
MAX_FIELD = MAX_CSV_FIELD_CHARS


def _header(path: Path, header: list[str] | None) -> list[str]:
    if header is None:
        raise LedgerInputError(f"{path}:1: the file is empty; expected the columns {', '.join(REQUIRED_COLUMNS)}")
    names = [h.strip().lower() for h in header]
    allowed = (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS)
    for i, name in enumerate(names):
        if name not in allowed:
            raise LedgerInputError(f"{path}:1: unknown column {header[i]!r}; expected {', '.join(allowed)}")
        if name in names[:i]:
            raise LedgerInputError(f"{path}:1: column {name!r} appears twice")
    missing = [c for c in REQUIRED_COLUMNS if c not in names]
    if missing:
        raise LedgerInputError(f"{path}:1: missing column(s) {', '.join(missing)}; expected {', '.join(allowed)}")
    return names


def read_evidence_rows(path: Path, model_id: str | None = None) -> Iterator[tuple[int, EvidenceFields]]:
    """(line where the row starts, validated fields) for every data row; LedgerInputError for a bad file."""
    csv.field_size_limit(MAX_FIELD)
    try:
        with path.open("r", encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle, strict=True)
            try:
                names = _header(path, next(reader, None))
                line = reader.line_num + 1
                for cells in reader:
                    if not any(c.strip() for c in cells):
                        line = reader.line_num + 1
                        continue
                    if len(cells) != len(names):
                        raise LedgerInputError(f"{path}:{line}: {len(cells)} cells, expected {len(names)}")
                    values = {n: c for n, c in zip(names, cells) if c.strip() != "" or n in REQUIRED_COLUMNS}
                    row_model = values.pop("model", None)
                    if model_id is not None and row_model is not None and row_model.strip() != model_id:
                        raise LedgerInputError(f"{path}:{line}: model: {row_model!r} is not {model_id!r}")
                    try:
                        yield line, EvidenceFields.model_validate(values)
                    except ValidationError as exc:
                        raise fields_error(exc, f"{path}:{line}: ") from None
                    line = reader.line_num + 1
            except csv.Error as exc:
                raise LedgerInputError(f"{path}:{reader.line_num}: {exc}") from None
    except UnicodeDecodeError as exc:
        raise LedgerInputError(f"{path}: not UTF-8 text ({exc.reason})") from None
    except OSError as exc:
        raise LedgerInputError(f"{path}: cannot read the file ({exc.strerror or exc})") from None
