"""The SQLite ledger under pressure: concurrent writers in separate processes, and a writer killed mid-import.

The writers are real processes running ``ledger_worker.py``, so locking and crash recovery are
SQLite's own, not simulated.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import pytest

from scenarist.evidence import EvidenceInput, open_ledger

WORKER = Path(__file__).with_name("ledger_worker.py")
WRITERS = 8
ROWS_EACH = 50
IMPORT_ROWS = 20_000
TIMEOUT = 60


def _spawn(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(WORKER), *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _expect(stream: IO[str] | None, word: str, proc: subprocess.Popen[str]) -> None:
    assert stream is not None
    line = stream.readline().strip()
    if line != word:
        proc.kill()
        _, err = proc.communicate(timeout=TIMEOUT)
        pytest.fail(f"worker said {line!r} instead of {word!r}; stderr:\n{err}")


@contextmanager
def _workers(*commands: tuple[str, ...]) -> Iterator[list[subprocess.Popen[str]]]:
    procs = [_spawn(*command) for command in commands]
    try:
        yield procs
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
            proc.communicate(timeout=TIMEOUT)


def test_eight_processes_adding_evidence_at_once_lose_nothing(tmp_path: Path) -> None:
    db = str(tmp_path / "shared.sqlite")  # not created beforehand: the first opens race as well
    commands = [("add", db, str(k), str(ROWS_EACH)) for k in range(WRITERS)]
    with _workers(*commands) as procs:
        for proc in procs:
            _expect(proc.stdout, "ready", proc)
        for proc in procs:  # release them together
            assert proc.stdin is not None
            proc.stdin.write("go\n")
            proc.stdin.flush()
        results = [proc.communicate(timeout=TIMEOUT) for proc in procs]
    for proc, (out, err) in zip(procs, results):
        assert proc.returncode == 0, err
        assert out.split() == ["done"] and err == ""
    with open_ledger(db) as ledger:
        rows = ledger.list_evidence()
        assert ledger.integrity_check()
    assert len(rows) == WRITERS * ROWS_EACH
    assert len({r.id for r in rows}) == len(rows)
    assert Counter(r.source for r in rows) == {f"worker-{k}": ROWS_EACH for k in range(WRITERS)}


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
@pytest.mark.parametrize("report_at", [5_000, IMPORT_ROWS - 1], ids=["midway", "near-the-end"])
def test_an_import_killed_midway_leaves_all_or_none_of_its_rows(tmp_path: Path, report_at: int) -> None:
    db = str(tmp_path / "ledger.sqlite")
    with open_ledger(db) as ledger:
        before = [
            ledger.add_evidence(EvidenceInput("m", "earlier", True, dt.date(2024, 12, d), "analyst", note=str(d)))
            for d in (1, 2, 3)
        ]
    with _workers(("import", db, str(IMPORT_ROWS), str(report_at))) as (proc,):
        _expect(proc.stdout, "started", proc)
        os.kill(proc.pid, signal.SIGKILL)
        out, _ = proc.communicate(timeout=TIMEOUT)
    assert proc.returncode == -signal.SIGKILL
    with open_ledger(db) as ledger:
        assert ledger.integrity_check()
        rows = ledger.list_evidence()
        imported = [r for r in rows if r.source == "bulk-import"]
        assert len(imported) in (0, IMPORT_ROWS), f"a partial import survived: {len(imported)} rows"
        if "committed" in out:
            assert len(imported) == IMPORT_ROWS
        assert [r for r in rows if r.source != "bulk-import"] == before
        # the killed writer left no lock behind
        after = ledger.add_evidence(EvidenceInput("m", "later", False, dt.date(2025, 1, 1), "analyst"))
        assert after in ledger.list_evidence()
