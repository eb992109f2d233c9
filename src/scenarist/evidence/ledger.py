"""The evidence ledger: dated signpost observations, forecast questions, forecasts and resolutions.

Open one with :func:`open_ledger`; it is a context manager and must be closed. Every write is one
transaction (SQLite: ``BEGIN IMMEDIATE``), validation happens before anything is written, and
database or driver errors come out as :class:`LedgerError`.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from itertools import islice
from types import TracebackType
from typing import Any, Final, Self, cast

import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from scenarist.evidence.backends import READ_ONLY, Backend, backend_for, mask_url
from scenarist.evidence.errors import (
    LedgerConflict,
    LedgerError,
    LedgerInputError,
    LedgerNotFound,
    LedgerReadOnly,
    LedgerUnavailable,
)
from scenarist.evidence.migrate import current_revision, head_revision, upgrade_to_head
from scenarist.evidence.records import (
    EventKind,
    Evidence,
    EvidenceInput,
    Forecast,
    Outcome,
    Question,
    check_evidence,
    check_forecast,
    check_question,
    check_resolution,
)
from scenarist.evidence.schema import evidence, forecasts, questions

__all__ = ["Ledger", "open_ledger", "IMPORT_BATCH", "SAME_FORECAST_TOLERANCE"]

IMPORT_BATCH: Final = 500
"""Rows sent to the database per statement during :meth:`Ledger.import_evidence`."""

SAME_FORECAST_TOLERANCE: Final = 1e-12
"""Model forecasts closer than this to the standing one are not recorded again."""


def open_ledger(url: str | os.PathLike[str] | None = None) -> Ledger:
    """Open (creating and migrating when needed) the ledger at a path or URL.

    None means ``$SCENARIST_DB``, else ``ledger.sqlite`` in the user's data directory. A plain
    path is a SQLite file; ``sqlite:///...`` and ``postgresql+psycopg://...`` URLs are accepted.
    Raises LedgerError (MissingExtraError when PostgreSQL is asked for without its driver).
    """
    return Ledger(backend_for(url))


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _check_id(evidence_id: object) -> None:
    if isinstance(evidence_id, bool) or not isinstance(evidence_id, int):
        raise LedgerInputError(f"evidence_id must be an integer, got {evidence_id!r}")
    if not 0 < evidence_id < 2**63:
        raise LedgerNotFound(f"no evidence with id {evidence_id}")


def _source_key(source: str) -> str:
    """Sources compared for duplicates: case and surrounding or repeated spaces ignored."""
    return " ".join(source.split()).casefold()


def _same(standing: float, new: float) -> bool:
    return abs(standing - new) <= SAME_FORECAST_TOLERANCE


def _evidence(row: sa.Row[Any]) -> Evidence:
    m = row._mapping
    return Evidence(
        id=m["id"],
        model_id=m["model_id"],
        signpost_id=m["signpost_id"],
        observed=bool(m["observed"]),
        date=m["date"],
        source=m["source"],
        url=m["url"],
        reliability=float(m["reliability"]),
        note=m["note"],
        created_at=m["created_at"],
        retracted=bool(m["retracted"]),
        retracted_at=m["retracted_at"],
        retraction_reason=m["retraction_reason"],
    )


def _question(row: sa.Row[Any]) -> Question:
    m = row._mapping
    return Question(
        id=m["id"],
        text=m["text"],
        criteria=m["criteria"],
        close_date=m["close_date"],
        model_id=m["model_id"],
        event_kind=cast(EventKind, m["event_kind"]),
        event_ref=m["event_ref"],
        created_at=m["created_at"],
        outcome=cast(Outcome | None, m["outcome"]),
        resolved_on=m["resolved_on"],
        resolution_source=m["resolution_source"],
    )


def _forecast(row: sa.Row[Any]) -> Forecast:
    m = row._mapping
    return Forecast(
        id=m["id"],
        question_id=m["question_id"],
        probability=float(m["probability"]),
        date=m["date"],
        origin=m["origin"],
        created_at=m["created_at"],
        revision=m["revision"],
    )


class Ledger:
    """A ledger on one database. Safe to share between threads; open a new one in each process."""

    def __init__(self, backend: Backend) -> None:
        """Connect through ``backend`` and migrate its schema to head; prefer :func:`open_ledger`."""
        self._backend = backend
        self._engine: sa.Engine | None = backend.create_engine()
        try:
            if backend.read_only is not None:
                self._check_schema_read_only()
            else:
                with self._write("opening the ledger") as conn:
                    backend.lock_for_migration(conn)
                    upgrade_to_head(conn)
        except BaseException:
            self.close()
            raise

    def _check_schema_read_only(self) -> None:
        """A read-only ledger cannot be migrated: its schema must be the one this version writes."""
        with self._read("opening the ledger") as conn:
            current = current_revision(conn)
        head = head_revision()
        if current != head:
            found = "no ledger schema" if current is None else f"schema revision {current!r}"
            raise LedgerUnavailable(
                f"the ledger at {self._backend.location} is read-only ({self._backend.read_only}) and has "
                f"{found}, not {head!r}: open it once where it can be written to bring it up to date"
            )

    # ------------------------------------------------------------ lifecycle

    @property
    def url(self) -> str:
        """Where the ledger lives, with any password masked."""
        return self._backend.display_url

    @property
    def read_only(self) -> bool:
        """Whether the ledger can only be read; every write then raises :class:`LedgerReadOnly`."""
        return self._backend.read_only is not None

    @property
    def read_only_message(self) -> str:
        """What a write to a read-only ledger answers (names the file and why it is read-only)."""
        return (
            f"the ledger at {self._backend.location} is read-only: writes are unavailable ({self._backend.read_only})"
        )

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` has been called."""
        return self._engine is None

    def close(self) -> None:
        """Close every database connection. Calling it again does nothing."""
        engine, self._engine = self._engine, None
        if engine is not None:
            engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        state = " (closed)" if self.closed else ""
        return f"Ledger({self.url!r}){state}"

    # ------------------------------------------------------------ plumbing

    @contextmanager
    def _translated(self, action: str) -> Iterator[None]:
        try:
            yield
        except LedgerError:
            raise
        except DBAPIError as exc:
            raise LedgerUnavailable(f"{action} failed: {exc.orig}") from exc
        except SQLAlchemyError as exc:
            raise LedgerUnavailable(f"{action} failed: {mask_url(str(exc))}") from exc
        except self._backend.driver_errors as exc:
            raise LedgerUnavailable(f"{action} failed: {mask_url(str(exc))}") from exc

    def _live_engine(self) -> sa.Engine:
        if self._engine is None:
            raise LedgerUnavailable(f"the ledger {self.url} is closed")
        return self._engine

    @contextmanager
    def _write(self, action: str) -> Iterator[sa.Connection]:
        """One write transaction; it commits when the block ends and rolls back on any exception."""
        engine = self._live_engine()
        if self.read_only:
            raise LedgerReadOnly(self.read_only_message)
        with self._translated(action), engine.begin() as conn:
            yield conn

    @contextmanager
    def _read(self, action: str) -> Iterator[sa.Connection]:
        """One read-only transaction, so that a query sees a single consistent state."""
        engine = self._live_engine()
        with self._translated(action), engine.connect() as conn:
            conn.execution_options(**{READ_ONLY: True})
            with conn.begin():
                yield conn

    # ------------------------------------------------------------ evidence

    def add_evidence(self, item: EvidenceInput) -> Evidence:
        """Store one observation of a signpost. Raises LedgerInputError for a bad value and
        LedgerConflict when the same model, signpost, date and source is already on record (active)."""
        values = check_evidence(item)
        with self._write("adding evidence") as conn:
            self._refuse_duplicates(conn, [values])
            return self._insert_evidence(conn, [values], _now())[0]

    def get_evidence(self, evidence_id: int) -> Evidence:
        """One stored observation (retracted or not); LedgerNotFound when there is none with that id."""
        _check_id(evidence_id)
        with self._read("reading evidence") as conn:
            row = conn.execute(sa.select(evidence).where(evidence.c.id == evidence_id)).first()
        if row is None:
            raise LedgerNotFound(f"no evidence with id {evidence_id}")
        return _evidence(row)

    @staticmethod
    def _refuse_duplicates(
        conn: sa.Connection, values: Sequence[Mapping[str, Any]], seen: set[tuple[str, str, dt.date, str]] | None = None
    ) -> None:
        """One report per (model, signpost, date, source): a second active one is a duplicate.

        ``seen`` holds the keys of rows stored earlier in the same import (they are in the database
        already, inside this transaction, so only the new rows are compared with the database).
        """
        seen = set() if seen is None else seen
        batch: set[tuple[str, str, dt.date, str]] = set()
        for v in values:
            key = (v["model_id"], v["signpost_id"], v["date"], _source_key(v["source"]))
            if key in seen or key in batch:
                raise LedgerConflict(f"{v['signpost_id']} on {v['date']} from {v['source']!r} appears twice")
            batch.add(key)
        c = evidence.c
        query = sa.select(c.id, c.model_id, c.signpost_id, c.date, c.source).where(
            c.retracted.is_(False),
            c.model_id.in_({v["model_id"] for v in values}),
            c.date.in_({v["date"] for v in values}),
        )
        for row in conn.execute(query):
            if (row.model_id, row.signpost_id, row.date, _source_key(row.source)) in batch:
                raise LedgerConflict(
                    f"{row.signpost_id} on {row.date} from {row.source!r} is already on record as evidence #{row.id}"
                )
        seen |= batch

    def import_evidence(self, rows: Iterable[EvidenceInput]) -> list[Evidence]:
        """Store many observations in one transaction: all of them, or none when any row is bad.

        Rows are read from ``rows`` inside the transaction (so a large import streams); the error
        for a bad row names its 0-based position.
        """
        created = _now()
        stored: list[Evidence] = []
        seen: set[tuple[str, str, dt.date, str]] = set()
        with self._write("importing evidence") as conn:
            iterator = iter(enumerate(rows))
            while batch := list(islice(iterator, IMPORT_BATCH)):
                values = []
                for index, item in batch:
                    try:
                        values.append(check_evidence(item))
                    except LedgerError as exc:
                        raise LedgerInputError(f"row {index}: {exc}; nothing was imported") from None
                try:
                    self._refuse_duplicates(conn, values, seen)
                except LedgerConflict as exc:
                    raise LedgerConflict(f"{exc}; nothing was imported") from None
                stored.extend(self._insert_evidence(conn, values, created))
        return stored

    @staticmethod
    def _insert_evidence(
        conn: sa.Connection, values: Sequence[Mapping[str, Any]], created: dt.datetime
    ) -> list[Evidence]:
        params = [{**v, "created_at": created, "retracted": False} for v in values]
        statement = evidence.insert().returning(*evidence.c, sort_by_parameter_order=True)
        return [_evidence(row) for row in conn.execute(statement, params)]

    def list_evidence(self, model_id: str | None = None, include_retracted: bool = False) -> list[Evidence]:
        """Stored observations, ordered by (date, id); of one model if given; retracted ones only on request."""
        query = sa.select(evidence).order_by(evidence.c.date, evidence.c.id)
        if model_id is not None:
            query = query.where(evidence.c.model_id == model_id)
        if not include_retracted:
            query = query.where(evidence.c.retracted.is_(False))
        with self._read("listing evidence") as conn:
            return [_evidence(row) for row in conn.execute(query)]

    def fingerprint(self, model_id: str) -> tuple[int, ...]:
        """A cheap summary of a model's rows that changes with every write to them (and to any forecast).

        Evidence added or retracted, questions added or resolved, forecasts recorded or replaced: each
        changes a count or a largest id. For caches of a long-running reader (the web app) that must notice
        writes made by other clients of the ledger without reading every row.
        """
        ev = sa.select(
            sa.func.count(evidence.c.id),
            sa.func.coalesce(sa.func.max(evidence.c.id), 0),
            sa.func.count(evidence.c.id).filter(evidence.c.retracted.is_(True)),
        ).where(evidence.c.model_id == model_id)
        qs = sa.select(sa.func.count(questions.c.id), sa.func.count(questions.c.outcome)).where(
            questions.c.model_id == model_id
        )
        fc = sa.select(sa.func.count(forecasts.c.id), sa.func.coalesce(sa.func.max(forecasts.c.id), 0))
        with self._read("reading the ledger's state") as conn:
            rows = [conn.execute(q).one() for q in (ev, qs, fc)]
        return tuple(int(v) for row in rows for v in row)

    def retract(self, evidence_id: int, reason: str | None = None) -> Evidence:
        """Mark an observation as withdrawn; the row is kept. Unknown or already retracted → LedgerError."""
        _check_id(evidence_id)
        if reason is not None and not isinstance(reason, str):
            raise LedgerInputError(f"reason must be a string or None, got {type(reason).__name__}")
        with self._write("retracting evidence") as conn:
            found = conn.execute(
                sa.select(evidence.c.retracted).where(evidence.c.id == evidence_id).with_for_update()
            ).first()
            if found is None:
                raise LedgerNotFound(f"no evidence with id {evidence_id}")
            if found.retracted:
                raise LedgerConflict(f"evidence {evidence_id} is already retracted")
            statement = (
                evidence.update()
                .where(evidence.c.id == evidence_id)
                .values(retracted=True, retracted_at=_now(), retraction_reason=reason)
                .returning(*evidence.c)
            )
            return _evidence(conn.execute(statement).one())

    # ------------------------------------------------------------ questions and forecasts

    def add_question(
        self,
        question_id: str,
        text: str,
        criteria: str,
        close_date: dt.date,
        model_id: str | None = None,
        event_kind: EventKind = "manual",
        event_ref: str | None = None,
    ) -> Question:
        """Store a forecast question. A ``variant``/``scenario`` question names its model and event.

        Raises LedgerError for bad values or an id already in use.
        """
        values = check_question(question_id, text, criteria, close_date, model_id, event_kind, event_ref)
        with self._write("adding a question") as conn:
            if conn.execute(sa.select(questions.c.id).where(questions.c.id == question_id)).first():
                raise LedgerConflict(f"question {question_id!r} already exists")
            statement = questions.insert().values(**values, created_at=_now()).returning(*questions.c)
            return _question(conn.execute(statement).one())

    def list_questions(self, model_id: str | None = None) -> list[Question]:
        """Questions ordered by (close_date, id), of one model if given."""
        query = sa.select(questions).order_by(questions.c.close_date, questions.c.id)
        if model_id is not None:
            query = query.where(questions.c.model_id == model_id)
        with self._read("listing questions") as conn:
            return [_question(row) for row in conn.execute(query)]

    def get_question(self, question_id: str) -> Question:
        """One question; LedgerError when there is none with that id."""
        with self._read("reading a question") as conn:
            return self._question_in(conn, question_id)

    @staticmethod
    def _question_in(conn: sa.Connection, question_id: str, *, lock: bool = False) -> Question:
        query = sa.select(questions).where(questions.c.id == question_id)
        row = conn.execute(query.with_for_update() if lock else query).first()
        if row is None:
            raise LedgerNotFound(f"no question with id {question_id!r}")
        return _question(row)

    def record_forecast(self, question_id: str, probability: float, date: dt.date, origin: str = "manual") -> Forecast:
        """Store a probability (0..1) that the question resolves yes, as of ``date``.

        For ``origin='model'`` nothing new is stored when the probability equals the standing
        (latest) model forecast; that one is returned. A forecast dated after the question's
        resolution, or for an unknown question, raises LedgerError.
        """
        values = check_forecast(probability, date, origin)
        with self._write("recording a forecast") as conn:
            question = self._question_in(conn, question_id, lock=True)
            if question.resolved_on is not None and date > question.resolved_on:
                raise LedgerConflict(f"question {question_id!r} was resolved on {question.resolved_on}")
            if origin == "model":
                standing = conn.execute(
                    sa.select(forecasts)
                    .where(forecasts.c.question_id == question_id, forecasts.c.origin == "model")
                    .order_by(forecasts.c.date.desc(), forecasts.c.id.desc())
                    .limit(1)
                ).first()
                if standing is not None and _same(standing.probability, values["probability"]):
                    return _forecast(standing)
            statement = (
                forecasts.insert().values(**values, question_id=question_id, created_at=_now()).returning(*forecasts.c)
            )
            return _forecast(conn.execute(statement).one())

    def replace_model_forecasts(
        self, question_id: str, history: Sequence[tuple[dt.date, float]], revision: str | None = None
    ) -> list[Forecast]:
        """Make ``history`` (date, probability) the question's model forecasts, in one transaction.

        The model's forecasts are derived figures: when evidence is retracted or back-dated the whole
        history is recomputed, so the previous model rows are replaced; hand-entered forecasts are
        kept. Points dated after the question's resolution are refused (LedgerConflict).
        """
        rows = [check_forecast(p, d, "model") for d, p in history]
        with self._write("recording model forecasts") as conn:
            question = self._question_in(conn, question_id, lock=True)
            if question.resolved_on is not None and any(r["date"] > question.resolved_on for r in rows):
                raise LedgerConflict(f"question {question_id!r} was resolved on {question.resolved_on}")
            conn.execute(
                forecasts.delete().where(forecasts.c.question_id == question_id, forecasts.c.origin == "model")
            )
            if not rows:
                return []
            created = _now()
            params = [{**r, "question_id": question_id, "created_at": created, "revision": revision} for r in rows]
            statement = forecasts.insert().returning(*forecasts.c, sort_by_parameter_order=True)
            return [_forecast(row) for row in conn.execute(statement, params)]

    def forecasts(self, question_id: str) -> list[Forecast]:
        """The question's forecasts ordered by (date, id); LedgerError for an unknown question."""
        query = sa.select(forecasts).where(forecasts.c.question_id == question_id)
        with self._read("listing forecasts") as conn:
            self._question_in(conn, question_id)
            return [_forecast(row) for row in conn.execute(query.order_by(forecasts.c.date, forecasts.c.id))]

    def resolve(self, question_id: str, outcome: Outcome, date: dt.date, source: str | None = None) -> Question:
        """Record how a question turned out (``yes``, ``no`` or ``annulled``); resolving twice raises LedgerError."""
        values = check_resolution(outcome, date, source)
        with self._write("resolving a question") as conn:
            question = self._question_in(conn, question_id, lock=True)
            if question.outcome is not None:
                raise LedgerConflict(f"question {question_id!r} is already resolved ({question.outcome})")
            statement = (
                questions.update()
                .where(questions.c.id == question_id)
                .values(**values, resolved_at=_now())
                .returning(*questions.c)
            )
            return _question(conn.execute(statement).one())

    # ------------------------------------------------------------ health

    def integrity_check(self) -> bool:
        """Whether the database passes its own check (SQLite: ``PRAGMA integrity_check`` and foreign keys)
        and its schema is at the revision this version expects."""
        with self._read("checking integrity") as conn:
            return self._backend.integrity_check(conn) and current_revision(conn) == head_revision()
