"""Read evidence from a CSV file, streaming, with the csv module's own quoting rules.

A quoted field keeps its line breaks and every character (U+2028 included); a UTF-8
byte-order mark (as spreadsheets write) is accepted; a header naming a column twice or an
unknown column, a row with more cells than the header, and a field longer than
``MAX_CSV_FIELD_CHARS`` are refused with the file, line and column named. Rows are read one
at a time, so an import of any length holds one row in memory (the ledger stores them in
batches inside one transaction).
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from scenarist.evidence.errors import LedgerError
from scenarist.evidence.records import EvidenceInput
from scenarist.limits import MAX_CSV_FIELD_CHARS

__all__ = ["CSV_FIELDS", "REQUIRED_FIELDS", "CsvRecord", "evidence_from_csv", "iter_csv_records", "parse_iso_date"]

CSV_FIELDS = ("signpost", "observed", "date", "source", "url", "reliability", "note", "model")
"""Columns an evidence CSV may have (any order)."""
REQUIRED_FIELDS = ("signpost", "observed", "date", "source")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_YES = ("yes", "true", "1")
_NO = ("no", "false", "0")


@dataclass(frozen=True)
class CsvRecord:
    """One data row: the line it starts on (1-based) and its fields by column name."""

    line: int
    fields: dict[str, str]


def parse_iso_date(text: str, *, field: str = "date") -> dt.date:
    """A calendar date written exactly ``YYYY-MM-DD``; raises :class:`LedgerError` naming ``field``.

    Other ISO 8601 forms that ``date.fromisoformat`` accepts (``20250101``, ``2025-W01-1``) are
    refused, as the web API refuses them: one rule for every entry point.
    """
    value = text.strip()
    if _ISO_DATE.fullmatch(value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise LedgerError(f"{field}: {text[:40]!r} is not a date; expected YYYY-MM-DD")


def _header(row: list[str], where: str) -> list[str]:
    names = [name.strip().lower() for name in row]
    seen: set[str] = set()
    for column, name in enumerate(names, start=1):
        if name in seen:
            raise LedgerError(f"{where}:1: column {column}: {name!r} appears twice in the header")
        if name not in CSV_FIELDS:
            raise LedgerError(f"{where}:1: column {column}: unknown column {name!r}; expected {', '.join(CSV_FIELDS)}")
        seen.add(name)
    missing = [f for f in REQUIRED_FIELDS if f not in seen]
    if missing:
        raise LedgerError(f"{where}:1: missing column(s) {', '.join(missing)}; expected {', '.join(CSV_FIELDS)}")
    return names


def iter_csv_records(path: Path) -> Iterator[CsvRecord]:
    """The data rows of an evidence CSV, one at a time (blank lines skipped).

    Raises :class:`LedgerError` with ``file:line: column n:`` for an unreadable file, a bad
    header, a row with more cells than the header or a field that is too long.
    """
    where = str(path)
    previous = csv.field_size_limit()
    try:
        csv.field_size_limit(MAX_CSV_FIELD_CHARS)
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle, strict=True)
            names: list[str] | None = None
            line = 1
            try:
                for row in reader:
                    start, line = line, reader.line_num + 1
                    if not any(cell.strip() for cell in row):
                        continue
                    if names is None:
                        names = _header(row, where)
                        continue
                    if len(row) > len(names):
                        raise LedgerError(
                            f"{where}:{start}: column {len(names) + 1}: {len(row)} cells, "
                            f"but the header names {len(names)} columns"
                        )
                    yield CsvRecord(start, {n: (row[k] if k < len(row) else "") for k, n in enumerate(names)})
            except csv.Error as exc:
                raise LedgerError(f"{where}:{reader.line_num}: not valid CSV ({exc})") from None
            if names is None:
                raise LedgerError(f"{where}:1: the file is empty; expected a header {', '.join(CSV_FIELDS)}")
    except UnicodeDecodeError as exc:
        raise LedgerError(f"{where}: not UTF-8 text ({exc.reason})") from None
    except OSError as exc:
        raise LedgerError(f"{where}: cannot read the file ({exc.strerror or exc})") from None
    finally:
        csv.field_size_limit(previous)


def _evidence(record: CsvRecord, model_id: str) -> EvidenceInput:
    f = record.fields
    observed = f.get("observed", "").strip().lower()
    if observed not in (*_YES, *_NO):
        raise LedgerError(f"observed: {observed[:20]!r} is not yes or no")
    reliability_text = f.get("reliability", "").strip() or "1"
    try:
        reliability = float(reliability_text)
    except ValueError:
        raise LedgerError(f"reliability: {reliability_text[:20]!r} is not a number") from None
    if f.get("model", "").strip() not in ("", model_id):
        raise LedgerError(f"model: {f['model'][:70]!r} is not {model_id!r}")
    return EvidenceInput(
        model_id,
        f.get("signpost", "").strip(),
        observed in _YES,
        parse_iso_date(f.get("date", ""), field="date"),
        f.get("source", "").strip(),
        f.get("url", "").strip() or None,
        reliability,
        f.get("note", "").strip() or None,
    )


def evidence_from_csv(
    path: Path, model_id: str, check: Callable[[EvidenceInput], None] | None = None
) -> Iterator[EvidenceInput]:
    """The rows of an evidence CSV as :class:`EvidenceInput` for ``model_id``, streamed.

    ``check`` (e.g. the model's signpost check) runs on each row; any error it or the reader
    raises (a :class:`~scenarist.errors.ScenaristError`) comes back as a :class:`LedgerError`
    prefixed with ``file:line:``. Pass the iterator to ``Ledger.import_evidence`` to store all
    rows or none.
    """
    from scenarist.errors import ScenaristError

    for record in iter_csv_records(path):
        try:
            item = _evidence(record, model_id)
            if check is not None:
                check(item)
        except ScenaristError as exc:
            raise LedgerError(f"{path}:{record.line}: {exc}") from None
        yield item
