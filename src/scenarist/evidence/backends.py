"""Where a ledger lives: the small interface the ledger needs from a database, and its two implementations.

:class:`SQLiteBackend` (the default, a file) and :class:`PostgresBackend` make an engine set up
for safe concurrent writing, serialise schema migrations, and name the driver's own errors so
that the ledger can translate them. :func:`backend_for` turns a path or URL into a backend.
"""

from __future__ import annotations

import os
import re
import sqlite3
import time
from abc import ABC, abstractmethod
from functools import partial
from pathlib import Path
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.pool import StaticPool

from scenarist.errors import MissingExtraError
from scenarist.evidence.errors import LedgerInputError, LedgerUnavailable

__all__ = [
    "Backend",
    "BUSY_TIMEOUT_SECONDS",
    "DB_ENV_VAR",
    "PostgresBackend",
    "READ_ONLY",
    "SQLiteBackend",
    "backend_for",
    "default_path",
    "mask_url",
    "read_only_reason",
]

DB_ENV_VAR: Final = "SCENARIST_DB"
"""Environment variable naming the ledger (a path or a URL) when none is given."""

BUSY_TIMEOUT_SECONDS: Final = 30.0
"""How long a SQLite writer waits for another one to finish before giving up."""

READ_ONLY: Final = "scenarist_read_only"
"""Execution option marking a connection whose transactions only read (SQLite then begins DEFERRED)."""

_MIGRATION_LOCK_KEY: Final = 0x5CE7A215  # PostgreSQL advisory lock id held while migrating


class Backend(ABC):
    """A database that can hold a ledger: how to connect to it, and what differs between databases."""

    @property
    @abstractmethod
    def display_url(self) -> str:
        """The database URL with any password masked, for messages."""

    @property
    @abstractmethod
    def driver_errors(self) -> tuple[type[Exception], ...]:
        """Exceptions the driver may raise outside SQLAlchemy's wrapping; the ledger translates them."""

    @abstractmethod
    def create_engine(self) -> sa.Engine:
        """A new engine; the caller disposes of it."""

    @property
    def location(self) -> str:
        """Where the database is, for messages: the file of a SQLite ledger, else the masked URL."""
        return self.display_url

    @property
    def read_only(self) -> str | None:
        """Why this database can only be read (a short reason), or None when it can be written."""
        return None

    def lock_for_migration(self, conn: sa.Connection) -> None:  # noqa: B027 - optional hook
        """Hold, until the transaction ends, a lock that keeps two processes from migrating at once."""

    @abstractmethod
    def integrity_check(self, conn: sa.Connection) -> bool:
        """Whether the database's own consistency check passes."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.display_url!r})"


class SQLiteBackend(Backend):
    """A SQLite file (or, for ``path=None``, a private in-memory database on one shared connection).

    Files use write-ahead logging, a 30 s busy timeout and foreign keys; every transaction that
    may write begins with ``BEGIN IMMEDIATE``, so concurrent writers queue instead of failing.
    """

    def __init__(self, path: str | None, *, read_only: bool = False) -> None:
        self.path = path
        self._read_only: str | None = None
        if path is not None:
            self._read_only = "it was opened with mode=ro" if read_only else read_only_reason(path)

    @property
    def display_url(self) -> str:
        return f"sqlite:///{self.path}" if self.path else "sqlite://"

    @property
    def location(self) -> str:
        return self.path or "sqlite://"

    @property
    def read_only(self) -> str | None:
        return self._read_only

    @property
    def driver_errors(self) -> tuple[type[Exception], ...]:
        return (sqlite3.Error,)

    def create_engine(self) -> sa.Engine:
        url = URL.create("sqlite+pysqlite", database=self.path)
        connect_args: dict[str, Any] = {"timeout": BUSY_TIMEOUT_SECONDS, "check_same_thread": False}
        if self.path is None:
            engine = sa.create_engine(url, connect_args=connect_args, poolclass=StaticPool)
        elif self._read_only is not None:
            engine = sa.create_engine("sqlite+pysqlite://", creator=partial(_connect_read_only, self.path))
        else:
            engine = sa.create_engine(url, connect_args=connect_args)
        event.listen(engine, "connect", self._on_connect)
        event.listen(engine, "begin", _begin_sqlite)
        return engine

    def _on_connect(self, dbapi_connection: sqlite3.Connection, _record: object) -> None:
        # The driver must not open transactions on its own: _begin_sqlite opens them.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_SECONDS * 1000)}")
            cursor.execute("PRAGMA foreign_keys = ON")
            if self.path is not None and self._read_only is None:
                _ensure_wal(cursor)
        finally:
            cursor.close()

    def integrity_check(self, conn: sa.Connection) -> bool:
        result = [row[0] for row in conn.exec_driver_sql("PRAGMA integrity_check")]
        dangling = conn.exec_driver_sql("PRAGMA foreign_key_check").first()
        return result == ["ok"] and dangling is None


_EFFECTIVE: Final = os.access in os.supports_effective_ids
"""Permission checks use the effective user (what opening the file will use) where the system allows."""


def read_only_reason(path: str) -> str | None:
    """Why the SQLite file at ``path`` can only be read, or None when it (or its folder) can be written.

    A read-only file system (``ST_RDONLY``), a file without write permission, or a folder in
    which SQLite cannot create its journal files. (The superuser passes the permission checks.)
    """
    file = Path(path)
    folder = file.parent
    try:
        if os.statvfs(folder).f_flag & os.ST_RDONLY:
            return "it is on a read-only file system"
    except OSError:
        return None  # a missing folder: opening reports it
    if file.exists() and not os.access(file, os.W_OK, effective_ids=_EFFECTIVE):
        return "the file is not writable"
    if file.exists() and not os.access(folder, os.W_OK, effective_ids=_EFFECTIVE):
        return f"its folder {folder} is not writable"
    return None


def _connect_read_only(path: str) -> sqlite3.Connection:
    """A read-only connection (``mode=ro``); ``immutable`` when SQLite could not create its WAL index."""
    file = Path(path)
    if not file.is_file():
        raise sqlite3.OperationalError(f"no ledger file {path} (a read-only ledger must exist already)")
    wal = Path(f"{path}-wal")
    folder_writable = not (os.statvfs(file.parent).f_flag & os.ST_RDONLY) and os.access(
        file.parent, os.W_OK, effective_ids=_EFFECTIVE
    )
    immutable = not folder_writable and not (wal.exists() and wal.stat().st_size > 0)
    uri = f"{file.resolve().as_uri()}?mode=ro" + ("&immutable=1" if immutable else "")
    return sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_SECONDS, check_same_thread=False)


def _ensure_wal(cursor: sqlite3.Cursor) -> None:
    """Switch the file to write-ahead logging once; the mode then persists in the file.

    Switching needs a moment of exclusive access and SQLite may answer "locked" at once,
    without waiting, while other processes open the same new file: retry until the busy timeout.
    """
    deadline = time.monotonic() + BUSY_TIMEOUT_SECONDS
    delay = 0.005
    while True:
        try:
            mode = cursor.execute("PRAGMA journal_mode").fetchone()
            if mode is not None and str(mode[0]).lower() == "wal":
                return
            cursor.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 0.2)


def _begin_sqlite(conn: sa.Connection) -> None:
    mode = "DEFERRED" if conn.get_execution_options().get(READ_ONLY) else "IMMEDIATE"
    conn.exec_driver_sql(f"BEGIN {mode}")


class PostgresBackend(Backend):
    """A PostgreSQL database reached through psycopg 3 (the ``postgres`` extra)."""

    def __init__(self, url: URL) -> None:
        self.url = url

    @property
    def display_url(self) -> str:
        return self.url.render_as_string(hide_password=True)

    @property
    def driver_errors(self) -> tuple[type[Exception], ...]:
        import psycopg

        return (psycopg.Error,)

    def create_engine(self) -> sa.Engine:
        try:
            import psycopg  # noqa: F401 - only to name the extra when it is missing
        except ImportError as exc:
            raise MissingExtraError("psycopg", "postgres") from exc
        return sa.create_engine(self.url)

    def lock_for_migration(self, conn: sa.Connection) -> None:
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK_KEY})

    def integrity_check(self, conn: sa.Connection) -> bool:
        return bool(conn.execute(sa.text("SELECT 1")).scalar_one() == 1)


_PASSWORD = re.compile(r"(?P<head>^[^:/?#]+://[^:/?#@]*:)(?P<password>[^@]*)(?P<tail>@)")


def mask_url(text: str) -> str:
    """``text`` with the password of a ``scheme://user:password@host`` URL replaced by ``***``.

    Works on text that is not a valid URL, so that no message ever shows a password.
    """
    return _PASSWORD.sub(lambda m: f"{m['head']}***{m['tail']}", text)


def default_path(*, create: bool = True) -> Path:
    """``ledger.sqlite`` in the user's data directory for Scenarist (the folder is created when ``create``)."""
    from platformdirs import user_data_dir

    folder = Path(user_data_dir("scenarist"))
    if create:
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise LedgerUnavailable(f"cannot create the ledger folder {folder}: {exc.strerror or exc}") from None
    return folder / "ledger.sqlite"


def shown_url(url: URL) -> str:
    """A URL as text with its password masked."""
    return url.render_as_string(hide_password=True)


def backend_for(location: str | os.PathLike[str] | None) -> Backend:
    """The backend for a path or URL; None means ``$SCENARIST_DB``, else :func:`default_path`.

    Accepted: a plain file path (SQLite), ``sqlite:///path``, ``sqlite://`` (in memory) and
    ``postgresql+psycopg://...`` (``postgresql://`` means the same). Raises LedgerError otherwise.
    """
    if location is None:
        location = os.environ.get(DB_ENV_VAR) or None
    if location is None:
        return SQLiteBackend(str(default_path()))
    text = os.fspath(location)
    if "://" not in text:
        if not text.strip():
            raise LedgerInputError("the ledger location is empty")
        return SQLiteBackend(None if text == ":memory:" else str(Path(text).expanduser()))
    try:
        url = make_url(text)
        url.port  # noqa: B018 - parsing the port may fail on its own
    except (ArgumentError, ValueError):
        raise LedgerInputError(f"not a database URL: {mask_url(text)!r}") from None
    backend, _, driver = url.drivername.partition("+")
    if backend == "sqlite" and driver in ("", "pysqlite"):
        database = url.database
        mode = url.query.get("mode")
        if mode not in (None, "ro", "rw", "rwc"):
            raise LedgerInputError(f"unsupported SQLite mode {mode!r} in {shown_url(url)!r}: use mode=ro or none")
        if not database or database == ":memory:":
            return SQLiteBackend(None)
        return SQLiteBackend(database, read_only=mode == "ro")
    if backend in ("postgresql", "postgres") and driver in ("", "psycopg"):
        return PostgresBackend(url.set(drivername="postgresql+psycopg"))
    raise LedgerInputError(
        f"unsupported ledger database {shown_url(url)!r}: use a SQLite path or a postgresql+psycopg:// URL"
    )
