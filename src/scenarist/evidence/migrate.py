"""Bring a ledger database to the newest schema with the migrations shipped in this package."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Final

import sqlalchemy as sa

from scenarist.evidence.errors import LedgerUnavailable
from scenarist.evidence.schema import VERSION_TABLE

if TYPE_CHECKING:
    from alembic.config import Config

__all__ = ["MIGRATIONS", "current_revision", "head_by_name", "head_revision", "upgrade_to_head"]

MIGRATIONS: Final = Path(__file__).with_name("migrations")
"""The migration environment (``env.py``) and its ``versions``, shipped inside the package."""


def _config(conn: sa.Connection | None = None) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if conn is not None:
        config.attributes["connection"] = conn
    return config


def head_revision() -> str:
    """The newest schema revision this version of Scenarist knows."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(_config()).get_current_head()
    if head is None:
        raise LedgerUnavailable("the ledger has no schema migrations")
    return head


def current_revision(conn: sa.Connection) -> str | None:
    """The schema revision recorded in the database, or None for an empty database."""
    from alembic.runtime.migration import MigrationContext

    context = MigrationContext.configure(conn, opts={"version_table": VERSION_TABLE})
    return context.get_current_revision()


def head_by_name() -> str:
    """The head revision read from the migrations' file names (``rNNNN_*.py`` holds revision ``NNNN``).

    A test holds it equal to Alembic's own head, so opening a ledger at head needs no Alembic.
    """
    names = sorted(p.name for p in (MIGRATIONS / "versions").glob("r[0-9][0-9][0-9][0-9]_*.py"))
    return names[-1][1:5]


def _at_head(conn: sa.Connection) -> bool:
    if not sa.inspect(conn).has_table(VERSION_TABLE):
        return False
    rows = conn.execute(sa.text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars().all()
    return rows == [head_by_name()]


def upgrade_to_head(conn: sa.Connection) -> None:
    """Apply the missing migrations inside ``conn``'s open transaction (a no-op at head).

    Raises LedgerError when the database carries a revision this version does not know
    (written by a newer Scenarist).
    """
    if _at_head(conn):
        return  # the common case, answered without loading Alembic
    from alembic import command
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    config = _config(conn)
    known = ScriptDirectory.from_config(config)
    current = current_revision(conn)
    if current is not None:
        try:
            known.get_revision(current)
        except CommandError as exc:
            raise LedgerUnavailable(
                f"the ledger's schema revision {current!r} is unknown here; it was written by a newer Scenarist"
            ) from exc
        if current == known.get_current_head():
            return
    command.upgrade(config, "head")
