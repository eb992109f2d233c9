"""Issue 13, items 6 and 12: the evidence CSV reader keeps quoted text, streams, and refuses what it cannot read."""

from __future__ import annotations

import datetime as dt
import tracemalloc
from pathlib import Path

import pytest

from scenarist import limits
from scenarist.evidence import EvidenceInput, open_ledger
from scenarist.evidence.csvio import evidence_from_csv, iter_csv_records, parse_iso_date
from scenarist.evidence.errors import LedgerError
from scenarist.evidence.records import check_evidence

SIGNPOST = "washington_blames_moscow"
HEADER = "signpost,observed,date,source,url,reliability,note\n"


def _write(tmp_path: Path, text: str, *, bom: bool = False) -> Path:
    path = tmp_path / "evidence.csv"
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    return path


def test_quoted_line_breaks_and_line_separators_are_kept(tmp_path: Path) -> None:
    note = "line one\nline two\u2028three"
    path = _write(
        tmp_path, HEADER + f'{SIGNPOST},yes,2025-05-01,Reuters,,0.9,"{note}"\n{SIGNPOST},no,2025-05-02,AP,,,x\n'
    )
    rows = list(evidence_from_csv(path, "us-russia-2025"))
    assert [r.note for r in rows] == [note, "x"]
    assert [rec.line for rec in iter_csv_records(path)] == [2, 4]


def test_a_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    path = _write(tmp_path, HEADER + f"{SIGNPOST},yes,2025-05-01,Reuters,,,\n", bom=True)
    (row,) = evidence_from_csv(path, "us-russia-2025")
    assert row.signpost_id == SIGNPOST and row.date == dt.date(2025, 5, 1)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (HEADER + f"{SIGNPOST},yes,2025-05-01,Reuters,,,,extra\n", "evidence.csv:2: column 8: 8 cells"),
        ("signpost,observed,date,source,date\n", "evidence.csv:1: column 5: 'date' appears twice"),
        ("signpost,observed,date,source,colour\n", "column 5: unknown column 'colour'"),
        ("signpost,observed,source\n", "missing column(s) date"),
        ("", "the file is empty"),
        (HEADER + f'{SIGNPOST},yes,2025-05-01,"unterminated\n', "not valid CSV"),
        (HEADER + f"{SIGNPOST},yes,20250101,Reuters,,,\n", "evidence.csv:2: date: '20250101' is not a date"),
        (HEADER + f"{SIGNPOST},yes,2025-W01-1,Reuters,,,\n", "is not a date"),
        (HEADER + f"{SIGNPOST},maybe,2025-05-01,Reuters,,,\n", "observed: 'maybe'"),
    ],
)
def test_bad_files_name_file_line_and_column(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(LedgerError, match=message.replace("(", r"\(").replace(")", r"\)")):
        list(evidence_from_csv(_write(tmp_path, text), "us-russia-2025"))


def test_a_field_over_the_limit_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("scenarist.evidence.csvio.MAX_CSV_FIELD_CHARS", 1000)
    path = _write(tmp_path, HEADER + f"{SIGNPOST},yes,2025-05-01,Reuters,,,{'x' * 2000}\n")
    with pytest.raises(LedgerError, match="not valid CSV"):
        list(evidence_from_csv(path, "us-russia-2025"))


def test_a_field_of_200000_characters_within_the_limit_is_read(tmp_path: Path) -> None:
    assert limits.MAX_CSV_FIELD_CHARS >= 200_000
    path = _write(tmp_path, HEADER + f"{SIGNPOST},yes,2025-05-01,Reuters,,,{'x' * 200_000}\n")
    (row,) = evidence_from_csv(path, "us-russia-2025")
    assert row.note is not None and len(row.note) == 200_000


def test_the_check_error_names_the_line(tmp_path: Path) -> None:
    def refuse(item: EvidenceInput) -> None:
        raise LedgerError(f"no signpost {item.signpost_id!r}")

    path = _write(tmp_path, HEADER + f"{SIGNPOST},yes,2025-05-01,Reuters,,,\n")
    with pytest.raises(LedgerError, match=r"evidence.csv:2: no signpost"):
        list(evidence_from_csv(path, "us-russia-2025", refuse))


def test_import_streams_in_bounded_memory_and_is_all_or_nothing(tmp_path: Path) -> None:
    rows = 5_000
    body = "".join(f"{SIGNPOST},yes,2025-05-01,Source {k},https://example.org/{k},0.5,note {k}\n" for k in range(rows))
    path = _write(tmp_path, HEADER + body)
    tracemalloc.start()
    with open_ledger(tmp_path / "l.sqlite") as ledger:
        stored = ledger.import_evidence(evidence_from_csv(path, "us-russia-2025"))
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert len(stored) == rows
        bad = _write(tmp_path, HEADER + body + f"{SIGNPOST},yes,2025-13-01,late,,,\n")
        with pytest.raises(LedgerError, match=f":{rows + 2}: date"):
            ledger.import_evidence(evidence_from_csv(bad, "us-russia-2025"))
        assert len(ledger.list_evidence()) == rows
    # the stored rows are returned, so memory grows with them; the file itself is never held whole
    assert peak < 60 * 1024 * 1024


@pytest.mark.parametrize("text", ["2025-05-01", " 2025-05-01 "])
def test_iso_dates_are_read(text: str) -> None:
    assert parse_iso_date(text) == dt.date(2025, 5, 1)


@pytest.mark.parametrize("text", ["20250501", "2025-W18-4", "2025-02-30", "2025-5-1", ""])
def test_other_date_forms_are_refused(text: str) -> None:
    with pytest.raises(LedgerError):
        parse_iso_date(text)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("url", "javascript:alert(1)", "http:// or https://"),
        ("url", "ftp://example.org/x", "http:// or https://"),
        ("source", "a\x00b", "NUL"),
        ("note", "a\x00b", "NUL"),
    ],
)
def test_the_ledger_applies_one_rule_set_for_every_entry_point(field: str, value: str, message: str) -> None:
    base = {"source": "Reuters", "url": None, "note": None}
    item = EvidenceInput("m", "s", True, dt.date(2025, 5, 1), reliability=1.0, **{**base, field: value})
    with pytest.raises(LedgerError, match=message):
        check_evidence(item)
