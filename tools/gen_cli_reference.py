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

```text
scenarist [GLOBAL OPTIONS] COMMAND [ARGS] [OPTIONS]
python -m scenarist [GLOBAL OPTIONS] COMMAND [ARGS] [OPTIONS]
```

The sections on each command below are generated from the program itself
(`python tools/gen_cli_reference.py`, run by `make docs-update`), so they list every option
as `scenarist COMMAND --help` does. The [tutorial](tutorial.md) shows the commands at work
on the tutorial's model, and [methods.md](methods.md) says what the figures mean. The web
app started by `scenarist serve` and its token are described in [security.md](security.md);
`scenarist info` shows the ledger, models, extras and settings in force.

## Common conventions

- **MODEL** is a model file (`.yaml`, `.yml`, `.json`, a ScenarioWizard project `.scw`, or
  a matrix `.csv`) or the name of a bundled model (`scenarist models` lists them). Where
  MODEL is optional, the default is the bundled model, so `scenarist run` alone analyses
  it.
- **A scenario** (for `explain` and `succession --from`) is written as
  `descriptor=variant` pairs separated by commas, one per descriptor
  (`rainfall=normal,demand=growing,tariff=low,investment=deferred`), or as 0-based variant
  indices in descriptor order (`0,0,0,0` or `"0 0 0 0"`).
- **`--fix descriptor=variant`** (repeatable) applies an intervention: the descriptor is
  held at that variant and exempt from the consistency condition. With `--fix`, `run`,
  `scenarios` and `weights` also print which consistent scenarios remain, vanish and newly
  appear compared with the free system.
- **`--format`**: `table` (default, for reading) or `json` (for programs), on every
  command that prints results: `scenarios` (which also writes `csv`), `explain`,
  `succession`, `weights`, `ensemble`, `probabilities`, `signposts`, `timeline`,
  `evidence list`, `forecast list` and `forecast scores`. `run` prints tables and writes
  the HTML report; `export` has its own `--to`.
- **`--db LOCATION`** names the evidence ledger that holds evidence, forecast questions
  and forecasts: a SQLite file path (created on first use), a `sqlite:///path` URL or a
  `postgresql+psycopg://user:password@host/database` URL (with the `postgres` extra). Without
  `--db`, the `SCENARIST_DB` environment variable is used, and without that a
  `ledger.sqlite` file in the user data directory. See [evidence.md](evidence.md).
- **`--workers N` / `--scheduler ADDRESS`** (on `scenarios`, `weights` and
  `probabilities`) run the chunked work on a Dask cluster: a new local cluster of N worker
  processes, or an existing scheduler (`tcp://host:8786`; also from the
  `SCENARIST_SCHEDULER` environment variable). They need the `distributed` extra
  (`pip install 'scenarist[distributed]'`). The result is the same as without them: the
  work is split into items that do not depend on where they run, and Monte Carlo chunks
  carry their own seeds.
- **Dates** are written `YYYY-MM-DD`. **Probabilities and reliabilities** are numbers from 0
  to 1.
- **Errors** are printed one per line on standard error as `error: …` (for a model file:
  `error: file:line:column: field: message`, every problem at once) and the exit status is
  1. Invalid options or arguments exit with status 2. Warnings (for example self-impacts in
  a model) are printed as `warning: …` and do not change the exit status.
- **Progress**: jobs over two million scenarios show a progress bar on standard error;
  a search that large first says what it will cost. A scenario space that no exact
  search can cover (over 2^62 scenarios) is refused before any work starts.
- **Limits**: every count, size and path option is checked before the command runs
  (`--draws`, `--starts`, `--seed`, `--tolerance`, `-o`, `--out`, ...); see
  [limits.md](limits.md). **Ctrl-C** stops any command with `error: interrupted` and exit
  status 130; nothing more is written.
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
    lines = [PREAMBLE, "## Global options", ""]
    lines += ["| option | meaning | default |", "|---|---|---|"]
    lines += [_param_row(p) for p in root.params if p.name != "help"]
    lines.append("")
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
