"""The Typer application and what every command shares: consoles, error handling, progress, loading."""

from __future__ import annotations

import functools
import os
import select
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from scenarist.engines.cib import Progress as ProgressCallback
from scenarist.engines.cib import ScenarioSet, domain_of, find_scenarios
from scenarist.engines.executors import Executor
from scenarist.errors import EngineError, ScenaristError, StoppedError
from scenarist.limits import check_options, check_search_space, describe_cost
from scenarist.model import CompiledModel, Model, compile_model, load_model
from scenarist.model.load import printable
from scenarist.model.validate import model_warnings

__all__ = [
    "PROGRESS_THRESHOLD",
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
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)
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


@contextmanager
def executor_for(workers: int | None, scheduler: str | None) -> Iterator[Executor | None]:
    """A Dask executor when --workers or --scheduler is given; otherwise None (this process)."""
    if workers is None and scheduler is None:
        yield None
        return
    from scenarist.engines.executors import DaskExecutor

    with DaskExecutor(workers=workers, scheduler=scheduler) as executor:
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


def guarded(func: F) -> F:
    """Turn the project's errors into one line each on stderr and exit 1 (traceback with --debug).

    Options are checked against :mod:`scenarist.limits` by parameter name first; Ctrl-C stops
    with a one-line message and exit status 130.
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
            raise typer.Exit(1) from None
        except KeyboardInterrupt:
            _fail("interrupted; nothing more was written")
            raise typer.Exit(130) from None

    return wrapper  # type: ignore[return-value]


@app.callback()
def _root(
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors.")] = False,
    max_seconds: Annotated[
        float | None,
        typer.Option("--max-seconds", help="Stop long work after this many seconds (exit 3, nothing written)."),
    ] = None,
) -> None:
    _state["debug"] = debug
    if max_seconds is not None and not (0 < max_seconds < 10**9):
        raise typer.BadParameter("must be a positive number of seconds", param_hint="--max-seconds")
    _state["deadline"] = None if max_seconds is None else (time.monotonic() + max_seconds, max_seconds)


def _check_deadline() -> None:
    deadline = _state["deadline"]
    if deadline is not None and time.monotonic() > deadline[0]:
        raise StoppedError(f"stopped after --max-seconds {deadline[1]:g}: the work was not finished; nothing written")


def load(ref: str | None) -> tuple[Model, CompiledModel]:
    model = printable(load_model(ref))
    for warning in model_warnings(model):
        err.print(f"warning: {warning}", markup=False)
    return model, compile_model(model)


def parse_fix(model: CompiledModel, fix: list[str] | None) -> dict[str, str]:
    fixed: dict[str, str] = {}
    for item in fix or []:
        desc, sep, var = item.partition("=")
        if not sep:
            raise EngineError(f"--fix needs descriptor=variant, got {item!r}")
        fixed[desc.strip()] = var.strip()
    if fixed:
        model.indices_of({**model.variants_of([0] * model.n_descriptors), **fixed})
    return fixed


@contextmanager
def progress_bar(total: int, label: str) -> Iterator[ProgressCallback | None]:
    """A Rich progress bar on stderr for large jobs; None (no bar) for small ones.

    The callback also enforces ``--max-seconds`` (raising :class:`StoppedError` between steps).
    """
    if total < PROGRESS_THRESHOLD:
        yield (lambda _done, _total: _check_deadline()) if _state["deadline"] is not None else None
        return
    columns = (TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=err, transient=True) as bar:
        task = bar.add_task(label, total=total)

        def update(done: int, steps: int) -> None:
            bar.update(task, completed=done, total=steps)
            _check_deadline()

        yield update


def find(
    compiled: CompiledModel, *, tolerance: int, fixed: dict[str, str], executor: Executor | None = None
) -> ScenarioSet:
    space = check_search_space(domain_of(compiled, fixed).size)
    if space >= PROGRESS_THRESHOLD:
        err.print(f"{describe_cost(space, 'pruned')}; stop with Ctrl-C or --max-seconds", markup=False)
    with progress_bar(space, "evaluating scenarios") as progress:
        return find_scenarios(compiled, tolerance=tolerance, fixed=fixed, progress=progress, executor=executor)


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
        if interrupted_at is not None and now - interrupted_at > GRACE_SECONDS:
            _fail("interrupted; nothing more was written")
            os._exit(130)
        deadline = _state["deadline"]
        if deadline is not None and now > deadline[0] + GRACE_SECONDS:
            _fail(f"stopped after --max-seconds {deadline[1]:g}: the work was not finished; nothing written")
            os._exit(3)


def _start_watchdog() -> None:
    read, write = os.pipe()
    os.set_blocking(write, False)
    signal.set_wakeup_fd(write, warn_on_full_buffer=False)
    threading.Thread(target=_watchdog, args=(read,), name="scenarist-watchdog", daemon=True).start()


def main() -> None:
    """Console-script entry point."""
    _start_watchdog()
    app()
