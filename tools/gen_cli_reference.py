"""Generate ``docs/cli.md``, the reference of every command, from the Typer app itself.

python tools/gen_cli_reference.py            # (re)write docs/cli.md
python tools/gen_cli_reference.py --check    # exit 1 when the committed file is stale
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import typer.main

from scenarist.cli import app

ROOT = Path(__file__).resolve().parents[1]
OUTPUT = ROOT / "docs" / "cli.md"

PREAMBLE = """\
# Command-line reference

Generated from the command-line program itself (`python tools/gen_cli_reference.py`); the
[tutorial](tutorial.md) shows the commands at work. `scenarist --help` and `scenarist COMMAND
--help` print the same text in the terminal.

`MODEL` is a model file (`.yaml`, `.json`, ScenarioWizard `.scw`, matrix `.csv`) or the name of
a bundled model (`scenarist models` lists them); without it the bundled model is used. Errors
are one line each on stderr: exit status 2 for a bad request (bad input, unknown id), 1 for
everything else; `scenarist --debug COMMAND ...` shows the traceback. The evidence ledger is
`--db` (a SQLite path or a database URL), else `$SCENARIST_DB`, else `ledger.sqlite` in the
user data directory; `scenarist info` says which one is in force.
"""


def _walk(command: Any, path: list[str]) -> Iterator[tuple[list[str], Any]]:
    subcommands = getattr(command, "commands", None)
    if subcommands is None:
        yield path, command
        return
    if path:
        yield path, command
    for name in sorted(subcommands):
        yield from _walk(subcommands[name], [*path, name])


def _escape(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _param_row(param: Any) -> str:
    kind = getattr(param, "param_type_name", "")
    if kind == "argument":
        name = f"`{(param.metavar or param.name).upper()}`"
    else:
        name = ", ".join(f"`{opt}`" for opt in [*param.opts, *param.secondary_opts])
    help_text = _escape(getattr(param, "help", None) or "")
    if getattr(param, "envvar", None):
        help_text += f" Environment: `${param.envvar}`."
    choices = getattr(getattr(param, "bare_type", None) or getattr(param, "type", None), "choices", None)
    if choices:
        help_text += " One of: " + ", ".join(f"`{c}`" for c in choices) + "."
    default = param.default
    shown = "" if default in (None, (), []) else f"`{getattr(default, 'value', default)}`"
    if getattr(param, "is_flag", False):
        shown = "on" if default else "off"
    return f"| {name} | {help_text.strip()} | {shown} |"


def _section(path: list[str], command: Any) -> list[str]:
    name = " ".join(path)
    lines = [f"## `scenarist {name}`", ""]
    lines += [_escape(command.help or ""), ""]
    pieces = ["[OPTIONS]"]
    for p in command.params:
        if getattr(p, "param_type_name", "") == "argument":
            arg = (p.metavar or p.name).upper() + ("..." if p.nargs == -1 else "")
            pieces.append(arg if p.required else f"[{arg}]")
    if hasattr(command, "commands"):
        pieces.append("COMMAND [ARGS]...")
    lines += ["```text", f"scenarist {name} {' '.join(pieces)}".rstrip(), "```", ""]
    params = [p for p in command.params if p.name != "help"]
    if params and not hasattr(command, "commands"):
        lines += ["| argument or option | meaning | default |", "|---|---|---|"]
        lines += [_param_row(p) for p in params]
        lines.append("")
    return lines


def render() -> str:
    root = typer.main.get_command(app)
    lines = [PREAMBLE]
    for path, command in _walk(root, []):
        lines += _section(path, command)
    return "\n".join(lines).rstrip() + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Generate docs/cli.md from the Typer app.")
    parser.add_argument("--check", action="store_true", help="exit 1 when the file differs from the generated text")
    parser.add_argument("--output", type=Path, default=OUTPUT, help="file to write or check")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        current = args.output.read_text(encoding="utf-8") if args.output.exists() else None
        if current != text:
            print(f"{args.output} is stale: run python tools/gen_cli_reference.py", file=sys.stderr)
            return 1
        return 0
    args.output.write_text(text, encoding="utf-8")
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
