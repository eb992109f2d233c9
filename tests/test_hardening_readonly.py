"""Issue 13, item 14: a ledger that can only be read opens read-only; reads work, writes say why they cannot.

Tests run as the superuser, who passes every permission check, so read-only is made real in
three honest ways: SQLite's own ``mode=ro`` (which SQLite enforces even for the superuser), a
child process that drops to the unprivileged ``nobody`` user in front of a 0444 file, and, for
the read-only file system branch only, a ``statvfs`` that reports ``ST_RDONLY``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from scenarist.errors import ReadOnlyError, UnavailableError
from scenarist.evidence import open_ledger
from scenarist.evidence.records import EvidenceInput
from scenarist.web import Settings, create_app

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

MODEL = "us-russia-2025"
SIGNPOST = "washington_blames_moscow"
TOKEN = "correct-horse-battery-staple"
READ_ONLY = "is read-only: writes are unavailable"


def _report(day: int = 1, source: str = "Reuters") -> EvidenceInput:
    return EvidenceInput(MODEL, SIGNPOST, True, dt.date(2025, 6, day), source)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture()
def stocked(tmp_path: Path) -> Path:
    """A ledger file with one report and one retraction, closed (its WAL checkpointed)."""
    path = tmp_path / "ledger.sqlite"
    with open_ledger(path) as ledger:
        ledger.add_evidence(_report(1))
        ledger.retract(ledger.add_evidence(_report(2)).id, "misreported")
    assert not Path(f"{path}-wal").exists() or Path(f"{path}-wal").stat().st_size == 0
    return path


def test_mode_ro_reads_and_refuses_every_write(stocked: Path) -> None:
    before = _digest(stocked)
    with open_ledger(f"sqlite:///{stocked}?mode=ro") as ledger:
        assert ledger.read_only
        assert [e.id for e in ledger.list_evidence(MODEL, include_retracted=True)] == [1, 2]
        assert ledger.get_evidence(2).retracted
        assert ledger.integrity_check()
        writes = [
            lambda: ledger.add_evidence(_report(3)),
            lambda: ledger.import_evidence([_report(4)]),
            lambda: ledger.retract(1),
            lambda: ledger.add_question("q1", "Will it?", "If it does.", dt.date(2026, 1, 1)),
        ]
        for write in writes:
            with pytest.raises(ReadOnlyError) as caught:
                write()
            assert str(caught.value).startswith(f"the ledger at {stocked} {READ_ONLY}")
            assert isinstance(caught.value, UnavailableError)
    assert _digest(stocked) == before


def test_a_read_only_ledger_without_the_current_schema_is_refused_clearly(tmp_path: Path) -> None:
    empty = tmp_path / "empty.sqlite"
    empty.write_bytes(b"")
    with pytest.raises(UnavailableError, match=r"is read-only \(it was opened with mode=ro\) and has no ledger schema"):
        open_ledger(f"sqlite:///{empty}?mode=ro")
    with pytest.raises(UnavailableError, match="a read-only ledger must exist already"):
        open_ledger(f"sqlite:///{tmp_path / 'missing.sqlite'}?mode=ro")


def test_a_read_only_file_system_is_detected(stocked: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = os.statvfs

    class ReadOnlyFs:
        def __init__(self, path: Any) -> None:
            self.f_flag = real(path).f_flag | os.ST_RDONLY

    before = _digest(stocked)
    monkeypatch.setattr(os, "statvfs", ReadOnlyFs)
    with open_ledger(stocked) as ledger:
        assert ledger.read_only
        assert len(ledger.list_evidence(MODEL)) == 1
        with pytest.raises(ReadOnlyError, match="read-only file system"):
            ledger.add_evidence(_report(5))
    assert _digest(stocked) == before
    assert not Path(f"{stocked}-wal").exists(), "the read-only ledger was opened for writing"


def _cli(db: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scenarist", *args, "--db", db],
        capture_output=True, text=True, check=False, timeout=300,
        env={"PATH": "/usr/bin:/bin", "COLUMNS": "200", "HOME": tempfile.gettempdir()},
    )  # fmt: skip


def test_the_command_line_reads_a_mode_ro_ledger_and_names_it_on_writes(stocked: Path) -> None:
    db = f"sqlite:///{stocked}?mode=ro"
    listed = _cli(db, "evidence", "list", "--all", "--format", "json")
    assert listed.returncode == 0, listed.stderr
    assert [e["id"] for e in json.loads(listed.stdout)["evidence"]] == [1, 2]
    probs = _cli(db, "probabilities", "--draws", "2000", "--format", "json")
    assert probs.returncode == 0, probs.stderr
    assert json.loads(probs.stdout)["now"]["families"]
    refused = _cli(db, "evidence", "add", MODEL, SIGNPOST, "--observed", "yes", "--date", "2025-07-01", "--source", "x")
    assert refused.returncode == 1
    assert "Traceback" not in refused.stderr
    assert f"error: the ledger at {stocked} {READ_ONLY}" in refused.stderr
    retract = _cli(db, "evidence", "retract", "1")
    assert retract.returncode == 1 and READ_ONLY in retract.stderr


@contextmanager
def unprivileged() -> Iterator[None]:
    """Act as the ``nobody`` user (effective ids) when running as the superuser, who ignores permissions."""
    if os.geteuid() != 0:
        yield
        return
    os.setegid(65534)
    os.seteuid(65534)
    try:
        yield
    finally:
        os.seteuid(0)
        os.setegid(0)


def test_a_file_the_user_cannot_write_opens_read_only(stocked: Path) -> None:
    folder = Path(tempfile.mkdtemp(prefix="scenarist-ro-"))
    try:
        target = folder / "ledger.sqlite"
        shutil.copy(stocked, target)
        target.chmod(0o444)
        folder.chmod(0o755)
        before = _digest(target)
        with open_ledger(stocked):
            pass  # everything the ledger imports is loaded while the files can still be read
        with unprivileged():
            with open_ledger(target) as ledger:
                assert ledger.read_only
                assert [e.id for e in ledger.list_evidence(MODEL)] == [1]
                with pytest.raises(ReadOnlyError) as caught:
                    ledger.add_evidence(_report(7))
            with pytest.raises(UnavailableError):
                open_ledger(folder / "new.sqlite")  # a folder it cannot write: no new ledger either
        assert str(caught.value) == f"the ledger at {target} {READ_ONLY} (the file is not writable)"
        assert _digest(target) == before
        assert sorted(p.name for p in folder.iterdir()) == ["ledger.sqlite"]
    finally:
        shutil.rmtree(folder)


def test_the_web_app_serves_a_read_only_ledger_and_answers_writes_with_503(stocked: Path) -> None:
    settings = Settings(draws=1_000, assumption_draws=20)
    app = create_app([MODEL], f"sqlite:///{stocked}?mode=ro", TOKEN, False, settings=settings)
    auth = {"Authorization": f"Bearer {TOKEN}"}
    body = {"signpost": SIGNPOST, "observed": True, "date": "2025-07-01", "source": "x"}
    with TestClient(app) as c:
        for path in ("/", f"/models/{MODEL}", f"/models/{MODEL}/evidence", f"/models/{MODEL}/forecasts"):
            assert c.get(path).status_code == 200, path
        assert c.get(f"/api/models/{MODEL}/probabilities").status_code == 200
        assert c.get("/api/models").json()["write_policy"] == "read-only"
        page = c.get(f"/models/{MODEL}/evidence").text
        assert READ_ONLY in page
        assert 'action="/models/us-russia-2025/evidence"' not in page, "the add form is shown on a read-only ledger"
        for path, doc in ((f"/api/models/{MODEL}/evidence", body), ("/api/evidence", {"model": MODEL, **body}),
                          (f"/api/models/{MODEL}/evidence/1/retract", {})):  # fmt: skip
            r = c.post(path, json=doc, headers=auth)
            assert r.status_code == 503, (path, r.text)
            assert r.json() == {"ok": False, "status": 503, "error": f"the ledger at {stocked} {READ_ONLY} "
                                "(it was opened with mode=ro)"}  # fmt: skip
        form = c.post(f"/models/{MODEL}/evidence", data={"csrf": "x", **body}, follow_redirects=False)
        assert form.status_code == 503 and READ_ONLY in form.text
        assert len(c.get(f"/api/models/{MODEL}/evidence").json()["evidence"]) == 2
