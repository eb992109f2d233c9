"""Issue 13, items 6 and 12: evidence CSV files keep quoted text, stream, and refuse what they cannot read."""

from __future__ import annotations

import datetime as dt
import tracemalloc
from pathlib import Path

import pytest

from scenarist import limits
from scenarist.evidence import EvidenceInput
from scenarist.evidence.csvio import read_evidence_rows
from scenarist.evidence.errors import LedgerInputError
from scenarist.evidence.records import check_evidence

SIGNPOST = "washington_blames_moscow"
HEADER = "signpost,observed,date,source,url,reliability,note\n"


def _write(tmp_path: Path, text: str, *, bom: bool = False) -> Path:
    path = tmp_path / "evidence.csv"
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    return path


def _rows(path: Path) -> list[tuple[int, object]]:
    return list(read_evidence_rows(path, "us-russia-2025"))


def test_quoted_line_breaks_and_line_separators_are_kept(tmp_path: Path) -> None:
    note = "line one\nline two\u2028three"
    text = HEADER + f'{SIGNPOST},yes,2025-05-01,Reuters,,0.9,"{note}"\n{SIGNPOST},no,2025-05-02,AP,,,x\n'
    rows = _rows(_write(tmp_path, text))
    assert [getattr(fields, "note", None) for _, fields in rows] == [note, "x"]
    assert [line for line, _ in rows] == [2, 4]


def test_a_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    ((line, fields),) = _rows(_write(tmp_path, HEADER + f"{SIGNPOST},yes,2025-05-01,Reuters,,,\n", bom=True))
    assert line == 2 and getattr(fields, "signpost", None) == SIGNPOST


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (HEADER + f"{SIGNPOST},yes,2025-05-01,Reuters,,,,extra\n", "evidence.csv:2: 8 cells"),
        ("signpost,observed,date,source,date\n", "evidence.csv:1: column 'date' appears twice"),
        ("signpost,observed,date,source,colour\n", "unknown column 'colour'"),
        ("signpost,observed,source\n", "missing column(s) date"),
        ("", "the file is empty"),
        (HEADER + f'{SIGNPOST},yes,2025-05-01,"unterminated\n', "evidence.csv:"),
        (HEADER + f"{SIGNPOST},yes,20250101,Reuters,,,\n", "evidence.csv:2: "),
        (HEADER + f"{SIGNPOST},yes,2025-W01-1,Reuters,,,\n", "evidence.csv:2: "),
        (HEADER + f"{SIGNPOST},yes,2025-05-01,Reuters,javascript:alert(1),,\n", "evidence.csv:2: "),
        (HEADER + f"{SIGNPOST},yes,2025-05-01,Reu\x00ters,,,\n", "evidence.csv:2: "),
    ],
)
def test_bad_files_name_file_and_line(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(LedgerInputError) as info:
        _rows(_write(tmp_path, text))
    assert message in str(info.value)
    assert "\n" not in str(info.value).strip()


def test_a_field_over_the_limit_is_refused_with_its_line(tmp_path: Path) -> None:
    big = "x" * (limits.MAX_CSV_FIELD_CHARS + 10)
    path = _write(tmp_path, HEADER + f"{SIGNPOST},yes,2025-05-01,Reuters,,,\n{SIGNPOST},yes,2025-05-01,R,,,{big}\n")
    with pytest.raises(LedgerInputError, match=r"evidence\.csv:3"):
        _rows(path)


def test_rows_stream_in_bounded_memory(tmp_path: Path) -> None:
    rows = 20_000
    body = "".join(f"{SIGNPOST},yes,2025-05-01,Source {k},https://example.org/{k},0.5,note {k}\n" for k in range(rows))
    path = _write(tmp_path, HEADER + body)
    tracemalloc.start()
    count = sum(1 for _ in read_evidence_rows(path, "us-russia-2025"))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert count == rows
    assert peak < 2 * 1024 * 1024, f"reading {rows} rows peaked at {peak / 1e6:.1f} MB"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("url", "javascript:alert(1)", "http:// or https://"),
        ("url", "ftp://example.org/x", "http:// or https://"),
        ("source", "a\x00b", "NUL"),
        ("note", "a\x00b", "NUL"),
    ],
)
def test_the_ledger_itself_applies_the_rules_for_every_entry_point(field: str, value: str, message: str) -> None:
    base: dict[str, object] = {"source": "Reuters", "url": None, "note": None}
    item = EvidenceInput("m", "s", True, dt.date(2025, 5, 1), reliability=1.0, **{**base, field: value})  # type: ignore[arg-type]
    with pytest.raises(LedgerInputError, match=message):
        check_evidence(item)
