"""Getting started and finding out where state lives: ``scenarist init`` and ``scenarist info``."""

from __future__ import annotations

import importlib.util
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from scenarist import service
from scenarist.cli._app import DbOpt, app, guarded, out
from scenarist.errors import InputError

__all__ = ["EXAMPLES", "EXTRAS", "Example", "info", "init", "ledger_location"]


class Example(StrEnum):
    riverton = "riverton"
    us_russia_2025 = "us-russia-2025"


EXAMPLES: dict[Example, tuple[tuple[str, str, str], ...]] = {
    # (package, resource, file written)
    Example.riverton: (("scenarist.cli", "examples/riverton.yaml", "riverton.yaml"),),
    Example.us_russia_2025: (
        ("scenarist.models", "us-russia-2025.yaml", "us-russia-2025.yaml"),
        ("scenarist.models", "README.md", "us-russia-2025-sources.md"),
    ),
}
"""The files each example writes: the model and, for the bundled model, the description of its sources."""

EXTRAS: dict[str, tuple[str, ...]] = {
    "charts": ("matplotlib",),
    "frames": ("pandas",),
    "postgres": ("psycopg",),
    "web": ("fastapi", "uvicorn"),
    "distributed": ("dask", "distributed"),
}
"""The optional extras and the modules whose presence means the extra is installed."""


@app.command()
@guarded
def init(
    directory: Annotated[Path, typer.Argument(help="Folder to write into (created when missing).")] = Path("."),
    example: Annotated[
        Example, typer.Option("--example", help="riverton: the tutorial's model; us-russia-2025: the bundled model.")
    ] = Example.riverton,
    force: Annotated[bool, typer.Option("--force", help="Overwrite files that already exist.")] = False,
) -> None:
    """Write an example model (and its sources) into a folder, to start from a working file."""
    files = EXAMPLES[example]
    targets = [directory / name for _, _, name in files]
    existing = [str(t) for t in targets if t.exists()]
    if existing and not force:
        raise InputError(f"{', '.join(existing)} already exists; use --force to overwrite")
    directory.mkdir(parents=True, exist_ok=True)
    from importlib import resources

    for (package, resource, _), target in zip(files, targets, strict=True):
        target.write_bytes(resources.files(package).joinpath(resource).read_bytes())
        out.print(f"wrote {target}", markup=False)
    out.print(f"next: scenarist check {targets[0]}", markup=False)


def ledger_location(db: str | None) -> str:
    """Where the ledger is (URL with any password masked), without opening or creating it."""
    if not db:
        return f"{service.default_path(create=False)} (default: user data directory)"
    if "://" not in db:
        return db
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(db).render_as_string(hide_password=True)
    except ArgumentError:  # never echo the credentials of a malformed URL
        raise InputError(f"--db: not a database URL: {db.split('@')[-1]!r}") from None


def _extras() -> dict[str, str]:
    """Each optional extra: installed (with its modules), or the command that installs it."""
    shown = {}
    for extra, modules in EXTRAS.items():
        if all(importlib.util.find_spec(m) is not None for m in modules):
            shown[extra] = f"installed ({', '.join(modules)})"
        else:
            shown[extra] = f"not installed: pip install 'scenarist[{extra}]'"
    return shown


@app.command()
@guarded
def info(db: DbOpt = None) -> None:
    """Where state lives: the ledger, the model search path, the installed extras and the settings in force."""
    import importlib.metadata  # here, not at import: every command's start-up would pay for it

    from rich.table import Table

    from scenarist.model.load import DEFAULT_MODEL, bundled_models

    table = Table(title="Scenarist", show_header=False)
    table.add_column("what", style="bold")
    table.add_column("value")
    table.add_row("version", importlib.metadata.version("scenarist"))
    table.add_row("ledger", ledger_location(db))
    table.add_row(
        "models", f"a file path, else a bundled name: {', '.join(bundled_models())} (default {DEFAULT_MODEL})"
    )
    for extra, shown in _extras().items():
        table.add_row(f"extra {extra}", shown)
    out.print(table)
    settings = Table(title="Settings in force (defaults of every command, the web app and the report)")
    for column in ("setting", "value", "range", "meaning"):
        settings.add_column(column)
    for setting in service.SETTINGS.values():
        value = getattr(service.DEFAULTS, setting.name)
        settings.add_row(setting.name, f"{value:,}", f"{setting.minimum:,}–{setting.maximum:,}", setting.help)
    out.print(settings)
