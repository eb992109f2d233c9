"""The command line: the only package that prints.

Commands register on one Typer app; importing this package imports every command module.
"""

from scenarist.cli import analysis, ledger, news, setup, web
from scenarist.cli._app import app, main

__all__ = ["analysis", "app", "ledger", "main", "news", "setup", "web"]
