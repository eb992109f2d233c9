"""Run the commands the docs show and write their real output into the page, for cog.

A page marks each shown transcript with a cog block::

    <!-- [[[cog run("scenarist check riverton.yaml") ]]] -->
    ...the generated console block...
    <!-- [[[end]]] -->

``make docs-update`` (``python tools/docs.py update``) rewrites every block from the real
commands; the test suite runs ``python tools/docs.py check``, which fails on any difference, so a
figure edited by hand, or one the code no longer prints, fails ``make test`` until regenerated.

Every page gets its own scratch folder (fresh per page, shared by the page's blocks in order):
commands run there, through the Typer app in this process, with a 100-column terminal; the
user's own ledger and data folder are never touched. ``export NAME=value`` lines set the
environment of the page's later commands, as a shell would.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import shlex
import tempfile
import warnings
from pathlib import Path

os.environ["COLUMNS"] = "100"
# A local Dask cluster logs its workers' start and shutdown with timestamps: not the command's output.
os.environ["DASK_LOGGING__DISTRIBUTED"] = "error"

import cog
from typer.testing import CliRunner

from scenarist.cli import app
from scenarist.cli._app import err, out

WIDTH = 100
ROOT = Path(__file__).resolve().parents[1]
out.width = WIDTH
err.width = WIDTH
logging.getLogger("distributed").setLevel(logging.ERROR)
warnings.filterwarnings("ignore", message="Port .* is already in use", category=UserWarning)

__all__ = ["ROOT", "WIDTH", "copy_with", "include", "run", "scratch", "write"]

_page: dict[str, object] = {"file": None, "dir": None, "env": {}}


def scratch() -> Path:
    """The current page's scratch folder (a new one when cog has moved to another page)."""
    if _page["file"] != cog.inFile:
        folder = Path(tempfile.mkdtemp(prefix="scenarist-docs-"))
        _page.update(file=cog.inFile, dir=folder, env={"XDG_DATA_HOME": str(folder / "data")})
    return Path(str(_page["dir"]))


def copy_with(source: str, target: str, *replacements: tuple[str, str]) -> None:
    """Write a copy of a scratch file with each (old, new) replaced once (old must occur): a hidden step."""
    folder = scratch()
    text = (folder / source).read_text(encoding="utf-8")
    for old, new in replacements:
        if old not in text:
            raise ValueError(f"{old!r} does not occur in {source}")
        text = text.replace(old, new, 1)
    (folder / target).write_text(text, encoding="utf-8")


def _invoke(line: str, expect: int) -> str:
    folder = scratch()
    env = dict(_page["env"])  # type: ignore[call-overload]
    words = shlex.split(line)
    if words[0] == "export":
        name, _, value = words[1].partition("=")
        env[name] = value
        _page["env"] = env
        return ""
    if words[0] != "scenarist":
        raise ValueError(f"only scenarist commands and export can be shown, not {line!r}")
    here = Path.cwd()
    os.chdir(folder)
    try:
        result = CliRunner().invoke(app, words[1:], env=env, catch_exceptions=False)
    finally:
        os.chdir(here)
    if result.exit_code != expect:
        raise RuntimeError(f"{line!r} exited {result.exit_code}, expected {expect}:\n{result.output}")
    # The clock's date (a question added before any evidence, a retraction) would change the page
    # every day: it is shown as YYYY-MM-DD.
    return result.output.replace(dt.date.today().isoformat(), "YYYY-MM-DD")


def run(*lines: str | tuple[str, int], expect: int = 0, lang: str = "console") -> None:
    """Run each command line in the page's scratch folder and write them with their output as one block.

    Every command must exit with ``expect``; a ``(line, status)`` pair expects its own status.
    """
    shown = []
    for item in lines:
        line, status = item if isinstance(item, tuple) else (item, expect)
        output = _invoke(line, status)
        shown.append(f"$ {line}\n{output}")
    cog.out(f"```{lang}\n{''.join(shown).rstrip()}\n```\n")


def include(path: str, lang: str) -> None:
    """Write a file of the repository (relative to its root) as a fenced block, kept in step by cog."""
    text = (ROOT / path).read_text(encoding="utf-8")
    cog.out(f"```{lang}\n{text.rstrip()}\n```\n")


def write(name: str, text: str, lang: str) -> None:
    """Write a file into the page's scratch folder and show it as a fenced block (a step the reader repeats)."""
    (scratch() / name).write_text(text, encoding="utf-8")
    cog.out(f"```{lang}\n{text.rstrip()}\n```\n")
