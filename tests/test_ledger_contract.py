"""One contract for the evidence ledger, run against every backend: a SQLite file and PostgreSQL.

PostgreSQL runs when SCENARIST_TEST_PG_URL names a scratch database (a postgresql+psycopg://
URL whose user may create schemas); each test then gets a schema of its own, dropped afterwards.
"""

from __future__ import annotations

import datetime as dt
import gc
import itertools
import json
import os
import sqlite3
import uuid
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from scenarist.errors import ScenaristError
from scenarist.evidence import Evidence, EvidenceInput, Ledger, LedgerError, Question, open_ledger
from scenarist.evidence.errors import LedgerConflict, LedgerInputError, LedgerNotFound
from scenarist.evidence.migrate import head_by_name, head_revision

PG_ENV = "SCENARIST_TEST_PG_URL"
D1, D2, D3 = dt.date(2025, 5, 1), dt.date(2025, 5, 2), dt.date(2025, 5, 3)
CLOSE = dt.date(2025, 12, 31)
TABLES = {
    "evidence", "questions", "forecasts", "scenarist_ledger_version",
    "news_feeds", "news_items", "news_proposals", "news_decisions",
}  # fmt: skip


# ---------------------------------------------------------------- backends


@contextmanager
def _admin(base: str) -> Iterator[sa.Connection]:
    engine = sa.create_engine(base)
    try:
        with engine.connect() as conn:
            yield conn
    finally:
        engine.dispose()


@contextmanager
def _pg_schema(base: str) -> Iterator[str]:
    """A URL of ``base`` whose connections use a new, empty schema (dropped on exit)."""
    tag = uuid.uuid4().hex[:12]
    schema = f"ledger_test_{tag}"
    with _admin(base) as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        conn.commit()
    url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}", "application_name": f"lt-{tag}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with _admin(base) as conn:
            conn.execute(sa.text("SET lock_timeout = '10s'"))
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
            conn.commit()


@pytest.fixture(params=["sqlite", "postgresql"])
def ledger_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Where a fresh, empty ledger can be opened."""
    if request.param == "sqlite":
        yield str(tmp_path / "ledger.sqlite")
        return
    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(f"PostgreSQL backend not tested: set {PG_ENV} to a postgresql+psycopg:// URL of a scratch database")
    with _pg_schema(base) as url:
        yield url


@pytest.fixture
def ledger(ledger_url: str) -> Iterator[Ledger]:
    with open_ledger(ledger_url) as opened:
        yield opened


def _engine_for(url: str) -> sa.Engine:
    """A plain SQLAlchemy engine on the same database, to look at it from outside the ledger."""
    return sa.create_engine(url if "://" in url else f"sqlite:///{url}")


@contextmanager
def _outside(url: str) -> Iterator[sa.Connection]:
    engine = _engine_for(url)
    try:
        with engine.connect() as conn:
            yield conn
    finally:
        engine.dispose()


def _open_connections(url: str) -> int:
    """How many database connections the ledger at ``url`` holds (SQLite: whether its WAL file is still there)."""
    if "://" not in url:
        return int(Path(url + "-wal").exists())
    app = make_url(url).query["application_name"]
    base = os.environ[PG_ENV]
    with _admin(base) as conn:
        query = sa.text("SELECT count(*) FROM pg_stat_activity WHERE application_name = :app")
        return int(conn.execute(query, {"app": app}).scalar_one())


def _state(ledger: Ledger) -> tuple[Any, ...]:
    """Everything the ledger holds, for before/after comparisons."""
    questions = ledger.list_questions()
    return (
        ledger.list_evidence(include_retracted=True),
        questions,
        [ledger.forecasts(q.id) for q in questions],
    )


_SOURCES = itertools.count(1)


def _observe(ledger: Ledger, **overrides: Any) -> Evidence:
    values: dict[str, Any] = {
        "model_id": "m",
        "signpost_id": "s",
        "observed": True,
        "date": D1,
        "source": f"wire service {next(_SOURCES)}",  # one report per signpost, date and source
    }
    values.update(overrides)
    return ledger.add_evidence(EvidenceInput(**values))


def _row(i: int, **overrides: Any) -> EvidenceInput:
    values: dict[str, Any] = {
        "model_id": "m",
        "signpost_id": f"s{i % 3}",
        "observed": i % 2 == 0,
        "date": D1 + dt.timedelta(days=i % 7),
        "source": f"source {i}",
    }
    values.update(overrides)
    return EvidenceInput(**values)


# ---------------------------------------------------------------- evidence


def test_add_evidence_returns_the_stored_row(ledger: Ledger) -> None:
    before = dt.datetime.now(dt.UTC)
    stored = ledger.add_evidence(
        EvidenceInput("m", "talks", False, D2, "agency", "https://example.org/a", 0.75, "second-hand")
    )
    after = dt.datetime.now(dt.UTC)
    assert (stored.model_id, stored.signpost_id, stored.observed, stored.date) == ("m", "talks", False, D2)
    assert (stored.source, stored.url, stored.reliability, stored.note) == (
        "agency",
        "https://example.org/a",
        0.75,
        "second-hand",
    )
    assert isinstance(stored.id, int)
    assert before - dt.timedelta(seconds=1) <= stored.created_at <= after + dt.timedelta(seconds=1)
    assert stored.created_at.tzinfo is not None
    assert (stored.retracted, stored.retracted_at, stored.retraction_reason) == (False, None, None)
    assert ledger.list_evidence() == [stored]


def test_defaults_and_the_edges_of_reliability(ledger: Ledger) -> None:
    plain = _observe(ledger)
    assert (plain.url, plain.reliability, plain.note) == (None, 1.0, None)
    assert _observe(ledger, reliability=0).reliability == 0.0
    assert _observe(ledger, reliability=1).reliability == 1.0


def test_evidence_is_listed_by_date_then_id(ledger: Ledger) -> None:
    late = _observe(ledger, date=D3)
    early_first = _observe(ledger, date=D1)
    middle = _observe(ledger, date=D2)
    early_second = _observe(ledger, date=D1)
    assert [e.id for e in ledger.list_evidence()] == [early_first.id, early_second.id, middle.id, late.id]
    assert early_first.id < early_second.id


def test_evidence_is_filtered_by_model(ledger: Ledger) -> None:
    a = _observe(ledger, model_id="a", date=D2)
    b = _observe(ledger, model_id="b")
    a2 = _observe(ledger, model_id="a", date=D1)
    assert ledger.list_evidence("a") == [a2, a]
    assert ledger.list_evidence(model_id="b") == [b]
    assert ledger.list_evidence("nobody") == []


def test_retraction_keeps_the_row_and_hides_it_by_default(ledger: Ledger) -> None:
    kept = _observe(ledger, date=D1)
    wrong = _observe(ledger, date=D2)
    retracted = ledger.retract(wrong.id, "misread the report")
    assert retracted.retracted and retracted.retraction_reason == "misread the report"
    assert retracted.retracted_at is not None and retracted.retracted_at >= wrong.created_at
    assert retracted.id == wrong.id and retracted.source == wrong.source and retracted.date == wrong.date
    assert ledger.list_evidence() == [kept]
    assert ledger.list_evidence(include_retracted=True) == [kept, retracted]
    assert ledger.list_evidence("m", include_retracted=True) == [kept, retracted]
    without_reason = ledger.retract(kept.id)
    assert without_reason.retracted and without_reason.retraction_reason is None


def test_retracting_twice_or_an_unknown_id_fails_and_changes_nothing(ledger: Ledger) -> None:
    row = _observe(ledger)
    ledger.retract(row.id, "first")
    before = _state(ledger)
    with pytest.raises(LedgerError, match="already retracted"):
        ledger.retract(row.id, "second")
    with pytest.raises(LedgerError, match="no evidence"):
        ledger.retract(row.id + 1000)
    with pytest.raises(LedgerError, match="integer"):
        ledger.retract(str(row.id))  # type: ignore[arg-type]
    assert _state(ledger) == before
    assert ledger.list_evidence(include_retracted=True)[0].retraction_reason == "first"


@pytest.mark.parametrize(
    ("field", "bad"),
    [
        ("reliability", 1.01),
        ("reliability", -0.01),
        ("reliability", float("nan")),
        ("reliability", "high"),
        ("observed", 1),
        ("date", dt.datetime(2025, 5, 1, 12, 0)),
        ("date", "2025-05-01"),
        ("model_id", ""),
        ("signpost_id", "x" * 201),
        ("source", "   "),
        ("url", 42),
    ],
)
def test_invalid_evidence_is_rejected_and_nothing_is_written(ledger: Ledger, field: str, bad: object) -> None:
    _observe(ledger)
    before = _state(ledger)
    with pytest.raises(LedgerError, match=field):
        _observe(ledger, **{field: bad})
    assert _state(ledger) == before


def test_import_stores_every_row_in_one_go(ledger: Ledger) -> None:
    existing = _observe(ledger, date=D1)
    rows = [_row(i) for i in range(1234)]
    stored = ledger.import_evidence(iter(rows))
    assert len(stored) == len(rows)
    assert [(s.signpost_id, s.observed, s.date, s.source) for s in stored] == [
        (r.signpost_id, r.observed, r.date, r.source) for r in rows
    ]
    assert len({s.id for s in stored}) == len(rows) and existing.id not in {s.id for s in stored}
    listed = ledger.list_evidence()
    assert len(listed) == 1 + len(rows)
    assert [(e.date, e.id) for e in listed] == sorted((e.date, e.id) for e in listed)
    assert ledger.import_evidence([]) == []


@pytest.mark.parametrize(
    "bad",
    [
        _row(0, reliability=2.0),
        _row(0, date=None),
        {"model_id": "m"},
    ],
    ids=["reliability", "date", "not-a-row"],
)
def test_import_with_a_bad_row_in_the_middle_stores_nothing(ledger: Ledger, bad: object) -> None:
    _observe(ledger)
    before = _state(ledger)
    # well past the first batches, so that rows already sent to the database must be rolled back
    rows: list[Any] = [_row(i) for i in range(1500)]
    rows.insert(1100, bad)
    with pytest.raises(LedgerError, match="row 1100"):
        ledger.import_evidence(rows)
    assert _state(ledger) == before
    assert len(ledger.import_evidence(rows[:1100])) == 1100  # the ledger is still writable


# ---------------------------------------------------------------- questions


def test_questions_round_trip_and_are_listed_by_close_date(ledger: Ledger) -> None:
    manual = ledger.add_question("q-ceasefire", "Ceasefire by year end?", "Both sides announce it.", CLOSE)
    variant = ledger.add_question(
        "q-sanctions",
        "Sanctions eased?",
        "Any EU package lifted.",
        dt.date(2025, 9, 30),
        model_id="us-russia-2025",
        event_kind="variant",
        event_ref="sanctions.eased",
    )
    scenario = ledger.add_question(
        "q-chill", "Moderate chill?", "As defined.", CLOSE, "us-russia-2025", "scenario", "moderate-chill"
    )
    assert isinstance(manual, Question)
    assert (manual.event_kind, manual.event_ref, manual.model_id) == ("manual", None, None)
    assert (manual.outcome, manual.resolved_on, manual.resolution_source, manual.resolved) == (None, None, None, False)
    assert (variant.event_kind, variant.event_ref, variant.close_date) == (
        "variant",
        "sanctions.eased",
        dt.date(2025, 9, 30),
    )
    assert ledger.get_question("q-chill") == scenario
    assert [q.id for q in ledger.list_questions()] == ["q-sanctions", "q-ceasefire", "q-chill"]
    assert [q.id for q in ledger.list_questions("us-russia-2025")] == ["q-sanctions", "q-chill"]
    assert ledger.list_questions(model_id="other") == []


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"event_kind": "descriptor"}, "event_kind"),
        ({"event_kind": "variant", "model_id": "m"}, "event_ref"),
        ({"event_kind": "scenario", "event_ref": "s"}, "model_id"),
        ({"event_ref": "s"}, "manual"),
        ({"close_date": "2025-12-31"}, "close_date"),
        ({"text": ""}, "text"),
        ({"criteria": None}, "criteria"),
        ({"question_id": "q" * 201}, "question_id"),
    ],
)
def test_invalid_questions_are_rejected_and_nothing_is_written(
    ledger: Ledger, kwargs: dict[str, Any], match: str
) -> None:
    ledger.add_question("q0", "Existing?", "Yes.", CLOSE)
    before = _state(ledger)
    values: dict[str, Any] = {"question_id": "q1", "text": "T?", "criteria": "C.", "close_date": CLOSE, **kwargs}
    with pytest.raises(LedgerError, match=match):
        ledger.add_question(**values)
    assert _state(ledger) == before


def test_question_ids_are_unique_and_unknown_ids_fail(ledger: Ledger) -> None:
    original = ledger.add_question("q", "First?", "Yes.", CLOSE)
    with pytest.raises(LedgerError, match="already exists"):
        ledger.add_question("q", "Second?", "No.", CLOSE)
    assert ledger.list_questions() == [original]
    for call in (
        lambda: ledger.get_question("missing"),
        lambda: ledger.forecasts("missing"),
        lambda: ledger.record_forecast("missing", 0.5, D1),
        lambda: ledger.resolve("missing", "yes", D1),
    ):
        with pytest.raises(LedgerError, match="no question"):
            call()
    assert _state(ledger)[1] == [original]


# ---------------------------------------------------------------- forecasts and resolution


def test_forecasts_are_listed_by_date_then_id(ledger: Ledger) -> None:
    ledger.add_question("q", "Q?", "C.", CLOSE)
    ledger.add_question("other", "O?", "C.", CLOSE)
    late = ledger.record_forecast("q", 0.7, D3)
    first = ledger.record_forecast("q", 0.2, D1, origin="manual")
    ledger.record_forecast("other", 0.9, D1)
    second = ledger.record_forecast("q", 0.25, D1, origin="panel")
    assert ledger.forecasts("q") == [first, second, late]
    assert (first.question_id, first.probability, first.date, first.origin) == ("q", 0.2, D1, "manual")
    assert second.origin == "panel" and first.created_at.tzinfo is not None
    assert [f.probability for f in ledger.forecasts("other")] == [0.9]
    assert ledger.record_forecast("q", 0, D2).probability == 0.0
    assert ledger.record_forecast("q", 1, D2).probability == 1.0


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"probability": 1.5}, "probability"),
        ({"probability": -0.1}, "probability"),
        ({"probability": float("nan")}, "probability"),
        ({"probability": True}, "probability"),
        ({"date": dt.datetime(2025, 5, 1, 9)}, "date"),
        ({"origin": ""}, "origin"),
    ],
)
def test_invalid_forecasts_are_rejected_and_nothing_is_written(
    ledger: Ledger, kwargs: dict[str, Any], match: str
) -> None:
    ledger.add_question("q", "Q?", "C.", CLOSE)
    ledger.record_forecast("q", 0.4, D1)
    before = _state(ledger)
    values: dict[str, Any] = {"question_id": "q", "probability": 0.5, "date": D2, **kwargs}
    with pytest.raises(LedgerError, match=match):
        ledger.record_forecast(**values)
    assert _state(ledger) == before


def test_a_model_forecast_is_recorded_only_when_it_changes(ledger: Ledger) -> None:
    ledger.add_question("q", "Q?", "C.", CLOSE, "m", "scenario", "partnership")
    first = ledger.record_forecast("q", 0.31, D1, origin="model")
    again = ledger.record_forecast("q", 0.31, D2, origin="model")
    assert again == first
    manual = ledger.record_forecast("q", 0.9, D2)  # a manual forecast does not count as the standing model one
    same_again = ledger.record_forecast("q", 0.31, D2, origin="model")
    assert same_again == first
    changed = ledger.record_forecast("q", 0.45, D3, origin="model")
    assert changed.id not in {first.id, manual.id} and changed.probability == 0.45
    back = ledger.record_forecast("q", 0.31, D3, origin="model")  # differs from the standing 0.45
    assert back.id != first.id
    assert ledger.record_forecast("q", 0.31, D3, origin="model") == back
    assert ledger.record_forecast("q", 0.9, D3) != manual  # manual forecasts are always recorded
    assert [f.probability for f in ledger.forecasts("q")] == [0.31, 0.9, 0.45, 0.31, 0.9]


def test_a_question_is_resolved_once(ledger: Ledger) -> None:
    ledger.add_question("q", "Q?", "C.", CLOSE)
    ledger.add_question("void", "V?", "C.", CLOSE)
    resolved = ledger.resolve("q", "yes", D3, source="official statement")
    assert (resolved.outcome, resolved.resolved_on, resolved.resolution_source, resolved.resolved) == (
        "yes",
        D3,
        "official statement",
        True,
    )
    assert ledger.get_question("q") == resolved
    assert ledger.resolve("void", "annulled", D2).outcome == "annulled"
    before = _state(ledger)
    with pytest.raises(LedgerError, match="already resolved"):
        ledger.resolve("q", "no", D3)
    assert _state(ledger) == before


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [({"outcome": "maybe"}, "outcome"), ({"date": None}, "date"), ({"source": 3}, "source")],
)
def test_invalid_resolutions_are_rejected(ledger: Ledger, kwargs: dict[str, Any], match: str) -> None:
    ledger.add_question("q", "Q?", "C.", CLOSE)
    values: dict[str, Any] = {"question_id": "q", "outcome": "no", "date": D2, **kwargs}
    with pytest.raises(LedgerError, match=match):
        ledger.resolve(**values)
    assert not ledger.get_question("q").resolved


def test_no_forecast_is_dated_after_the_resolution(ledger: Ledger) -> None:
    ledger.add_question("q", "Q?", "C.", CLOSE)
    ledger.resolve("q", "no", D2)
    on_the_day = ledger.record_forecast("q", 0.1, D2)  # back-filling earlier forecasts stays possible
    with pytest.raises(LedgerError, match="resolved"):
        ledger.record_forecast("q", 0.1, D3)
    assert ledger.forecasts("q") == [on_the_day]


def test_rows_serialise_to_json(ledger: Ledger) -> None:
    row = _observe(ledger, url="https://example.org")
    ledger.add_question("q", "Q?", "C.", CLOSE)
    data = {
        "evidence": row.to_dict(),
        "question": ledger.resolve("q", "yes", D2).to_dict(),
        "forecast": ledger.record_forecast("q", 0.5, D1).to_dict(),
    }
    back = json.loads(json.dumps(data))
    assert back["evidence"]["date"] == "2025-05-01" and back["evidence"]["observed"] is True
    assert back["question"]["resolved_on"] == "2025-05-02" and back["question"]["close_date"] == "2025-12-31"
    assert dt.datetime.fromisoformat(back["forecast"]["created_at"]).tzinfo is not None


# ---------------------------------------------------------------- schema, lifecycle, errors


def test_migrations_build_the_schema_and_reopening_changes_nothing(ledger_url: str) -> None:
    with _outside(ledger_url) as conn:
        assert set(sa.inspect(conn).get_table_names()) == set()
    with open_ledger(ledger_url) as first:
        row = _observe(first)
        assert first.integrity_check()
    with _outside(ledger_url) as conn:
        inspector = sa.inspect(conn)
        assert set(inspector.get_table_names()) == TABLES
        columns = [c["name"] for c in inspector.get_columns("evidence")]
        indexes = {i["name"] for i in inspector.get_indexes("evidence")}
        version = conn.execute(sa.text("SELECT version_num FROM scenarist_ledger_version")).scalars().all()
    assert columns == [
        "id",
        "model_id",
        "signpost_id",
        "observed",
        "date",
        "source",
        "url",
        "reliability",
        "note",
        "created_at",
        "retracted",
        "retracted_at",
        "retraction_reason",
    ]
    assert indexes == {"ix_evidence_model_date", "ix_evidence_date"}
    assert version == [head_revision()]
    with open_ledger(ledger_url) as second:
        assert second.list_evidence() == [row]
        assert second.integrity_check()
    with _outside(ledger_url) as conn:
        assert set(sa.inspect(conn).get_table_names()) == TABLES
        versions = conn.execute(sa.text("SELECT version_num FROM scenarist_ledger_version")).scalars().all()
        assert versions == [head_revision()]


def test_the_head_read_from_file_names_is_alembics_head() -> None:
    """Opening a ledger at head skips Alembic by trusting the file names; they must agree."""
    assert head_by_name() == head_revision()


def test_a_schema_from_a_newer_version_is_refused(ledger_url: str) -> None:
    with open_ledger(ledger_url):
        pass
    with _outside(ledger_url) as conn:
        conn.execute(sa.text("UPDATE scenarist_ledger_version SET version_num = 'ffff'"))
        conn.commit()
    with pytest.raises(LedgerError, match="newer Scenarist"):
        open_ledger(ledger_url)
    assert _open_connections(ledger_url) == 0


def test_closing_releases_every_connection(ledger_url: str) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with open_ledger(ledger_url) as ledger:
            _observe(ledger)
            ledger.add_question("q", "Q?", "C.", CLOSE)
            ledger.record_forecast("q", 0.5, D1)
            assert ledger.list_evidence() and ledger.forecasts("q")
            assert _open_connections(ledger_url) >= 1
        assert ledger.closed
        assert _open_connections(ledger_url) == 0
        ledger.close()  # closing twice is harmless
        del ledger
        gc.collect()
    assert [w for w in caught if issubclass(w.category, ResourceWarning)] == []


def test_a_closed_ledger_refuses_work(ledger_url: str) -> None:
    ledger = open_ledger(ledger_url)
    ledger.close()
    with pytest.raises(LedgerError, match="closed"):
        ledger.list_evidence()
    with pytest.raises(LedgerError, match="closed"):
        _observe(ledger)
    assert "closed" in repr(ledger)


def test_integrity_check_passes_on_a_used_ledger(ledger: Ledger) -> None:
    ledger.import_evidence(_row(i) for i in range(50))
    ledger.add_question("q", "Q?", "C.", CLOSE)
    ledger.record_forecast("q", 0.5, D1)
    assert ledger.integrity_check() is True


def test_ledger_errors_belong_to_the_project_tree() -> None:
    assert issubclass(LedgerError, ScenaristError)


# ---------------------------------------------------------------- where a ledger lives (SQLite only)


def test_a_plain_path_and_a_sqlite_url_name_the_same_file(tmp_path: Path) -> None:
    path = tmp_path / "nested name" / "my ledger.sqlite"
    path.parent.mkdir()
    with open_ledger(path) as by_path:
        row = _observe(by_path)
    with open_ledger(f"sqlite:///{path}") as by_url:
        assert by_url.list_evidence() == [row]
        assert by_url.url == f"sqlite:///{path}"
    with sqlite3.connect(path) as raw:
        assert raw.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    raw.close()


def test_the_environment_variable_then_the_user_data_dir_are_the_defaults(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SCENARIST_DB", str(tmp_path / "from-env.sqlite"))
    with open_ledger() as ledger:
        _observe(ledger)
    assert (tmp_path / "from-env.sqlite").exists()
    monkeypatch.delenv("SCENARIST_DB")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    with open_ledger() as ledger:
        assert ledger.list_evidence() == []
    assert (tmp_path / "data" / "scenarist" / "ledger.sqlite").exists()


def test_an_in_memory_ledger_works_for_one_session() -> None:
    with open_ledger("sqlite://") as ledger:
        _observe(ledger)
        assert len(ledger.list_evidence()) == 1
        assert ledger.integrity_check()
    with open_ledger(":memory:") as fresh:
        assert fresh.list_evidence() == []


@pytest.mark.parametrize(
    "url", ["mysql://user:secret@localhost/db", "postgresql+psycopg2://user:secret@localhost/db", "not a url://x"]
)
def test_unsupported_locations_are_refused(url: str) -> None:
    with pytest.raises(LedgerError) as caught:
        open_ledger(url)
    assert "secret" not in str(caught.value)


def test_an_unreachable_server_is_a_ledger_error_without_the_password() -> None:
    with pytest.raises(LedgerError, match="opening the ledger failed") as caught:
        open_ledger("postgresql+psycopg://someone:secret@127.0.0.1:1/nowhere?connect_timeout=2")
    assert "secret" not in str(caught.value)
    assert caught.value.__cause__ is not None


def test_a_missing_directory_is_a_ledger_error(tmp_path: Path) -> None:
    with pytest.raises(LedgerError, match="unable to open"):
        open_ledger(tmp_path / "no such dir" / "ledger.sqlite")


def test_the_same_signpost_date_and_source_twice_is_refused_and_nothing_is_written(ledger: Ledger) -> None:
    first = _observe(ledger, source="Wire  Service")
    with pytest.raises(LedgerConflict, match="already on record"):
        _observe(ledger, source="wire service")  # case and spacing do not make another source
    assert ledger.list_evidence() == [first]
    other_day = _observe(ledger, source="wire service", date=D2)
    ledger.retract(first.id)
    again = _observe(ledger, source="wire service")  # a retracted report does not block a corrected one
    assert {e.id for e in ledger.list_evidence()} == {other_day.id, again.id}
    rows = [_row(0, source="agency"), _row(1, source="agency")]
    rows[1] = replace(rows[1], date=rows[0].date, signpost_id=rows[0].signpost_id)
    with pytest.raises(LedgerConflict, match="appears twice; nothing was imported"):
        ledger.import_evidence(rows)
    assert {e.id for e in ledger.list_evidence()} == {other_day.id, again.id}


def test_get_evidence_returns_one_row_or_not_found(ledger: Ledger) -> None:
    row = _observe(ledger)
    assert ledger.get_evidence(row.id) == row
    with pytest.raises(LedgerNotFound):
        ledger.get_evidence(row.id + 1000)
    with pytest.raises(LedgerNotFound):
        ledger.get_evidence(10**30)


def test_model_forecast_history_is_replaced_in_one_go_and_manual_ones_stay(ledger: Ledger) -> None:
    ledger.add_question("q", "Will it?", "If it does.", D3, "m", "variant", "d.v")
    manual = ledger.record_forecast("q", 0.3, D1)
    stored = ledger.replace_model_forecasts("q", [(D1, 0.2), (D2, 0.6)], "abc")
    assert [(f.date, f.probability, f.revision, f.origin) for f in stored] == [
        (D1, 0.2, "abc", "model"),
        (D2, 0.6, "abc", "model"),
    ]
    ledger.replace_model_forecasts("q", [(D1, 0.25)], "def")
    history = ledger.forecasts("q")
    assert manual in history
    assert [(f.probability, f.revision) for f in history if f.origin == "model"] == [(0.25, "def")]
    ledger.resolve("q", "yes", D1)
    with pytest.raises(LedgerConflict, match="resolved"):
        ledger.replace_model_forecasts("q", [(D2, 0.9)])
    assert [(f.probability, f.revision) for f in ledger.forecasts("q") if f.origin == "model"] == [(0.25, "def")]


def test_a_nul_in_a_source_is_refused_as_input_on_every_backend(ledger_url: str) -> None:
    """Issue 13, item 12: PostgreSQL cannot store NUL; the ledger refuses it first (CLI exit 2, web 422, not 503)."""
    from scenarist.web import Settings, create_app

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    with open_ledger(ledger_url) as ledger, pytest.raises(LedgerInputError, match="NUL"):
        ledger.add_evidence(EvidenceInput("us-russia-2025", "washington_blames_moscow", True, D1, "a\x00b"))
    token = "correct-horse-battery-staple"
    app = create_app(["us-russia-2025"], ledger_url, token, False, settings=Settings(draws=1_000, assumption_draws=20))
    body = {"signpost": "washington_blames_moscow", "observed": True, "date": "2025-06-02", "source": "a\x00b"}
    with TestClient(app) as client:
        r = client.post("/api/models/us-russia-2025/evidence", json=body, headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 422, r.text
        assert client.get("/api/models/us-russia-2025/evidence").json()["evidence"] == []


def test_the_fingerprint_changes_with_every_kind_of_write(ledger: Ledger) -> None:
    seen = [ledger.fingerprint("m")]

    def changed() -> None:
        now = ledger.fingerprint("m")
        assert now not in seen
        seen.append(now)

    first = ledger.add_evidence(_row(1))
    changed()
    ledger.import_evidence([_row(2), _row(3)])
    changed()
    ledger.retract(first.id, "wrong")
    changed()
    ledger.add_question("q1", "Will it?", "If so.", D1 + dt.timedelta(days=300), "m", "manual")
    changed()
    ledger.record_forecast("q1", 0.4, D1)
    changed()
    ledger.resolve("q1", "yes", D1 + dt.timedelta(days=10), "news")
    changed()
    assert ledger.fingerprint("m") == seen[-1]  # reading changes nothing
    before_other = ledger.fingerprint("m")
    ledger.add_evidence(_row(4, model_id="other"))
    assert ledger.fingerprint("m") == before_other  # another model's evidence leaves it alone
