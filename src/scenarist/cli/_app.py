"""The Typer application and what every command shares: consoles, error handling, progress, loading."""

from __future__ import annotations

import atexit
import copy
import datetime as dt
import functools
import math
import os
import select
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from rich.console import Console

from scenarist import service
from scenarist.errors import InputError, NotFoundError, ScenaristError, StoppedError
from scenarist.limits import check_options, check_search_space, describe_cost
from scenarist.service.settings import SETTINGS

if TYPE_CHECKING:
    from scenarist.model import CompiledModel
    from scenarist.model.schema import CurrentState
    from scenarist.service.analysis import Executor, ScenarioSet
    from scenarist.service.analysis import Progress as ProgressCallback

# The modules above are what every command needs; the service, the model and the engines are
# imported inside the functions that use them, so that `--help` and small commands start fast.

__all__ = [
    "PROGRESS_THRESHOLD",
    "partial_on_stop",
    "CurrentDateOpt",
    "CurrentOpt",
    "DbOpt",
    "DrawsOpt",
    "SeedOpt",
    "current_state",
    "settings_of",
    "ExportFormat",
    "FixOpt",
    "ModelArg",
    "OutputFormat",
    "SchedulerOpt",
    "ViewFormat",
    "WorkersOpt",
    "app",
    "err",
    "executor_for",
    "find",
    "guarded",
    "load",
    "main",
    "out",
    "parse_fix",
    "progress_bar",
]

app = typer.Typer(
    name="scenarist",
    help="Scenario analysis as code: consistent futures by Cross-Impact Balance, and their reports.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
# emoji=False: a model's text such as "ratio :100:" is printed as written, not as a picture
out = Console(highlight=False, soft_wrap=True, emoji=False)
err = Console(stderr=True, highlight=False, soft_wrap=True, emoji=False)
_state: dict[str, Any] = {"debug": False, "deadline": None}
PROGRESS_THRESHOLD = 2_000_000
"""Scenario spaces at least this large show a progress bar."""

F = TypeVar("F", bound=Callable[..., Any])

ModelArg = Annotated[
    str | None,
    typer.Argument(help="Model file (.yaml, .json, .scw, .csv) or bundled model name; default: the bundled model."),
]
FixOpt = Annotated[
    list[str] | None,
    typer.Option("--fix", help="Force a variant: descriptor=variant (repeatable). Interventions."),
]


WorkersOpt = Annotated[
    int | None, typer.Option("--workers", help="Run the chunked work on a local Dask cluster of N workers.")
]
SchedulerOpt = Annotated[
    str | None,
    typer.Option("--scheduler", envvar="SCENARIST_SCHEDULER", help="Address of an existing Dask scheduler."),
]


DbOpt = Annotated[
    str | None,
    typer.Option("--db", envvar="SCENARIST_DB", help="Ledger: SQLite path or database URL (default: user data dir)."),
]
DrawsOpt = Annotated[int, typer.Option("--draws", help=SETTINGS["draws"].help)]
SeedOpt = Annotated[int, typer.Option("--seed", help=SETTINGS["seed"].help)]
CurrentOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--current",
        help="The state you declare current, descriptor=variant (repeatable): adds probabilities 'from today'.",
    ),
]
CurrentDateOpt = Annotated[str | None, typer.Option("--current-date", help="Date of --current, YYYY-MM-DD.")]


def settings_of(**values: int) -> service.AnalysisSettings:
    """The analysis settings with the given values (checked against their bounds)."""
    return service.AnalysisSettings(**values)


def current_state(loaded: service.Loaded, items: list[str] | None, date: str | None) -> CurrentState | None:
    """The --current state (None: the model's own, if any)."""
    from scenarist.model.schema import CurrentState

    if not items:
        if date is not None:
            raise InputError("--current-date needs --current descriptor=variant")
        return None
    variants = parse_fix(loaded.compiled, items)
    try:
        when = service.parse_iso_date(date) if date is not None else dt.date.today()
    except ValueError as exc:
        raise InputError(f"--current-date: {exc}") from None
    return CurrentState(date=when, variants=dict(variants))


@contextmanager
def executor_for(workers: int | None, scheduler: str | None) -> Iterator[Executor | None]:
    """A Dask executor when --workers or --scheduler is given; otherwise None (this process)."""
    from scenarist.service.analysis import dask_executor

    with dask_executor(workers, scheduler) as executor:
        yield executor


class OutputFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


class ViewFormat(StrEnum):
    table = "table"
    json = "json"


class ExportFormat(StrEnum):
    json = "json"
    yaml = "yaml"
    scw = "scw"
    sl = "sl"
    csv = "csv"


def _fail(message: str) -> None:
    for line in message.splitlines():
        err.print(f"error: {line}", markup=False)


def exit_status(exc: ScenaristError) -> int:
    """2 for what the user asked wrongly (bad input, unknown id), 1 for everything else."""
    return 2 if isinstance(exc, (InputError, NotFoundError)) else 1


def guarded(func: F) -> F:
    """Turn the project's errors into one line each on stderr and exit 2 or 1 (traceback with --debug).

    Options are checked against :mod:`scenarist.limits` by parameter name first; Ctrl-C stops
    with a one-line message and exit status 130, ``--max-seconds`` with exit status 3.
    """

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            check_options(kwargs)
            return func(*args, **kwargs)
        except StoppedError as exc:
            if _state["debug"]:
                raise
            _fail(str(exc))
            raise typer.Exit(3) from None
        except ScenaristError as exc:
            if _state["debug"]:
                raise
            _fail(str(exc))
            raise typer.Exit(exit_status(exc)) from None
        except KeyboardInterrupt:
            _fail("interrupted; no file was written")
            raise typer.Exit(130) from None

    return wrapper  # type: ignore[return-value]


@app.callback()
def _root(
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors.")] = False,
    max_seconds: Annotated[
        float | None,
        typer.Option(
            "--max-seconds",
            help="Stop long work after this many seconds (exit 3): what was found so far is printed, marked "
            "partial; no file is written.",
        ),
    ] = None,
) -> None:
    _state["debug"] = debug
    _state["finishing"] = False
    if max_seconds is not None and not (0 < max_seconds < 10**9):
        raise typer.BadParameter("must be a positive number of seconds", param_hint="--max-seconds")
    _state["deadline"] = None if max_seconds is None else (time.monotonic() + max_seconds, max_seconds)


def _check_deadline() -> None:
    deadline = _state["deadline"]
    if deadline is not None and time.monotonic() > deadline[0]:
        raise StoppedError(
            f"stopped after --max-seconds {deadline[1]:g}: the work was not finished; no file was written"
        )


@contextmanager
def partial_on_stop(show: Callable[[Any], None]) -> Iterator[None]:
    """When ``--max-seconds`` or Ctrl-C stops the block between steps: ``show`` what was found so far
    (a result whose ``stopped`` says how far the work got), state on stderr that it is partial, and
    let the stop end the command (exit 3 or 130)."""
    try:
        yield
    except (StoppedError, KeyboardInterrupt) as exc:
        from scenarist.service.analysis import partial_result

        found = partial_result(exc)
        if found is not None:
            _state["finishing"] = True  # the watchdog lets the main thread print and exit by itself
            show(found)
            err.print(f"partial result: {found.stopped}", markup=False)
        raise


def load(ref: str | None) -> service.Loaded:
    """Read and compile a model, printing its warnings on stderr; its texts are made printable."""
    loaded = service.load(ref, printable=True)
    for warning in loaded.warnings:
        err.print(f"warning: {warning}", markup=False)
    return loaded


def parse_fix(model: CompiledModel, fix: list[str] | None) -> dict[str, str]:
    """The --fix options as an intervention (a repeated descriptor is refused)."""
    from scenarist.service.analysis import parse_fix as _parse_fix

    return _parse_fix(model, fix)


@contextmanager
def progress_bar(total: int, label: str) -> Iterator[ProgressCallback | None]:
    """A Rich progress bar on stderr for large jobs; None (no bar) for small ones.

    The callback also enforces ``--max-seconds`` (raising :class:`StoppedError` between steps).
    """
    if total < PROGRESS_THRESHOLD:
        yield (lambda _done, _total: _check_deadline()) if _state["deadline"] is not None else None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    columns = (TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=err, transient=True) as bar:
        task = bar.add_task(label, total=total)

        def update(done: int, steps: int) -> None:
            bar.update(task, completed=done, total=steps)
            _check_deadline()

        yield update


def find(
    compiled: CompiledModel,
    *,
    tolerance: int,
    fixed: dict[str, str],
    executor: Executor | None = None,
    solver: str = "auto",
) -> ScenarioSet:
    from scenarist.service.analysis import find_scenarios

    free = [int(c) for d, c in zip(compiled.descriptor_ids, compiled.counts) if d not in fixed]
    space = math.prod(free)
    if solver != "multistart":  # the sampling method is the documented answer for spaces beyond exact search
        space = check_search_space(space)
        if space >= PROGRESS_THRESHOLD:
            # auto enumerates only spaces far below the threshold: at this size it searches (pruned)
            method = "exhaustive" if solver == "exhaustive" else "pruned"
            err.print(f"{describe_cost(space, method)}; stop with Ctrl-C or --max-seconds", markup=False)
    with progress_bar(space if solver != "multistart" else 0, "evaluating scenarios") as progress:
        return find_scenarios(
            compiled, tolerance=tolerance, fixed=fixed, solver=solver, progress=progress, executor=executor
        )


GRACE_SECONDS = 2.0
"""How long the watchdog lets the work stop by itself (between steps) before it ends the process."""


def _watchdog(wakeup: int) -> None:
    """End the process when Ctrl-C or ``--max-seconds`` could not stop it between steps.

    The work stops by itself at its next step (KeyboardInterrupt, StoppedError); a compiled
    kernel may run long between steps, so this thread, woken by the signal's wake-up file
    descriptor or the deadline, prints the one-line message and exits after a grace period.
    """
    interrupted_at: float | None = None
    while True:
        ready, _, _ = select.select([wakeup], [], [], 0.25)
        if ready and os.read(wakeup, 64) and interrupted_at is None:
            interrupted_at = time.monotonic()
        now = time.monotonic()
        if _state.get("finishing"):
            continue
        if interrupted_at is not None and now - interrupted_at > GRACE_SECONDS:
            _fail("interrupted inside a step: nothing found so far could be shown; no file was written")
            os._exit(130)
        deadline = _state["deadline"]
        if deadline is not None and now > deadline[0] + GRACE_SECONDS:
            _fail(
                f"stopped after --max-seconds {deadline[1]:g} inside a step: the work was not finished and nothing "
                "found so far could be shown; no file was written"
            )
            os._exit(3)


def _start_watchdog() -> None:
    read, write = os.pipe()
    os.set_blocking(write, False)
    signal.set_wakeup_fd(write, warn_on_full_buffer=False)
    threading.Thread(target=_watchdog, args=(read,), name="scenarist-watchdog", daemon=True).start()


def _exit_at_once(code: object) -> None:
    """End a finished command without the interpreter's teardown, when that is safe.

    Freeing every module and object at exit takes about 70 ms once numpy, SQLAlchemy and
    pydantic are loaded: a seventh of a small command. The command has finished, its files
    and the ledger are closed (by their ``with`` blocks), so the output streams are flushed
    and the exit handlers run (logging, weak-reference finalizers, Dask clients) as at a
    normal exit, and then the process ends. When a non-daemon thread is still running, or a
    stream cannot be flushed, nothing is done and the normal exit follows.
    """
    if any(t is not threading.main_thread() and not t.daemon and t.is_alive() for t in threading.enumerate()):
        return
    if code is None:
        status = 0
    elif isinstance(code, int):
        status = code
    else:
        return  # a message to print: the normal exit prints it
    try:
        sys.stdout.flush()
        sys.stderr.flush()
        atexit._run_exitfuncs()
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        return
    os._exit(status)


def _invoked(argv: list[str]) -> typer.Typer:
    """``app`` with only the command or command group named first on the command line, when one is.

    Typer builds every command's parameters from its signature before running one (about
    25 ms for this command line); a command or group not invoked need not be built. With no
    name first (no arguments, ``--help``, a global option, a name that is not a command) the
    whole app runs, so its help, suggestions and errors are unchanged; the callback with the
    global options is kept either way.
    """
    if not argv or argv[0].startswith("-"):
        return app
    from typer.main import get_command_name

    def named(info: typer.models.CommandInfo) -> str | None:
        if info.name:
            return info.name
        return get_command_name(info.callback.__name__) if info.callback else None

    name = argv[0]
    commands = [c for c in app.registered_commands if named(c) == name]
    groups = [g for g in app.registered_groups if g.name == name]
    if not commands and not groups:
        return app
    slim = copy.copy(app)
    slim.registered_commands = commands
    slim.registered_groups = groups
    return slim


def main() -> None:
    """Console-script entry point."""
    # The command line uses no pydantic plugin, and looking for them reads every installed
    # package's entry points (about 25 ms a command). Set the variable (even empty) to keep them.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    _start_watchdog()
    try:
        _invoked(sys.argv[1:])()
    except SystemExit as exc:
        _exit_at_once(exc.code)
        raise
