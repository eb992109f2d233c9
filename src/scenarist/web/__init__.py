"""The web app: server-rendered pages and a JSON API over the same engines and ledger as the CLI.

Needs the ``web`` extra (FastAPI, uvicorn); ``scenarist serve`` runs it. Build one with
:func:`create_app`::

    app = create_app(["us-russia-2025"], "ledger.sqlite", token="s3cret", allow_anonymous_writes=False)
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from scenarist.errors import MissingExtraError
from scenarist.web.config import Settings

if TYPE_CHECKING:
    from fastapi import FastAPI

__all__ = ["Settings", "create_app"]


def create_app(
    models: Sequence[str | Path],
    db: str | None,
    token: str | None,
    allow_anonymous_writes: bool,
    *,
    settings: Settings | None = None,
) -> FastAPI:
    """The app over ``models`` (bundled names or files, read now; none → the bundled default) and the
    ledger at ``db`` (None → ``$SCENARIST_DB`` or the user's default).

    Writes need ``token``; with no token they are refused unless ``allow_anonymous_writes``.
    Raises MissingExtraError without the ``web`` extra, ModelError for a bad model file,
    LedgerError when the ledger cannot be opened.
    """
    try:
        import fastapi  # noqa: F401
    except ImportError as exc:
        raise MissingExtraError("fastapi", "web") from exc
    try:
        import python_multipart  # noqa: F401
    except ImportError as exc:
        raise MissingExtraError("python-multipart", "web") from exc
    from scenarist.web.app import build_app

    return build_app(list(models), db, token, allow_anonymous_writes, settings or Settings())
