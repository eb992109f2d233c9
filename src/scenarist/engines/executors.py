"""Where chunked work runs: in this process, or on a Dask cluster.

An executor maps a top-level function over a list of independent work items and returns
the results in the order of the items. Engines split their work into such items
(ranges of the scenario space, chunks of Monte Carlo draws with their own seeds, search
prefixes) so that the result does not depend on where the items ran: the same input and
seed give the same output on one process or on many workers.

Executors are context managers; Dask is imported only when a Dask executor is entered.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from types import TracebackType
from typing import Any, Protocol, TypeVar

from scenarist.errors import EngineError, MissingExtraError, StoppedError

__all__ = [
    "DaskExecutor", "Executor", "SerialExecutor", "Unfinished", "run_batches", "run_items", "unfinished_of",
]  # fmt: skip

_UNFINISHED = "unfinished"
"""Attribute of a stopping exception holding the :class:`Unfinished` part of the work."""

_MIN_BATCH = 16
T = TypeVar("T")
R = TypeVar("R")


class Executor(Protocol):
    """Maps a picklable top-level function over work items, preserving order."""

    def map(self, fn: Callable[[T], R], items: Sequence[T]) -> list[R]: ...


class SerialExecutor:
    """Runs every item here, one after another (each item may still use all cores itself)."""

    def map(self, fn: Callable[[T], R], items: Sequence[T]) -> list[R]:
        return [fn(item) for item in items]

    def __enter__(self) -> SerialExecutor:
        return self

    def __exit__(self, *exc: object) -> None:
        return None


class DaskExecutor:
    """Runs items on a Dask cluster: a new local cluster of ``workers`` processes, or ``scheduler``.

    A local cluster gives each worker one core (one worker thread, compiled kernels on one
    thread), so ``workers`` is the number of cores used.
    """

    def __init__(self, *, workers: int | None = None, scheduler: str | None = None) -> None:
        if workers is None and scheduler is None:
            raise EngineError("a Dask executor needs a number of workers or a scheduler address")
        if workers is not None and workers < 1:
            raise EngineError(f"workers must be at least 1, got {workers}")
        self.workers = workers
        self.scheduler = scheduler
        self._client: Any = None
        self._cluster: Any = None

    def __enter__(self) -> DaskExecutor:
        try:
            from dask.distributed import Client, LocalCluster
        except ImportError:
            raise MissingExtraError("dask[distributed]", "distributed") from None
        try:
            if self.scheduler is not None:
                self._client = Client(self.scheduler)  # type: ignore[no-untyped-call]
            else:
                self._cluster = LocalCluster(  # type: ignore[no-untyped-call]
                    n_workers=self.workers, threads_per_worker=1, processes=True, dashboard_address=None
                )
                self._client = Client(self._cluster)  # type: ignore[no-untyped-call]
        except (OSError, RuntimeError, TimeoutError) as exc:
            self.close()
            raise EngineError(f"cannot start or reach the Dask cluster: {exc}") from exc
        return self

    def map(self, fn: Callable[[T], R], items: Sequence[T]) -> list[R]:
        if self._client is None:
            raise EngineError("enter the Dask executor (with ...) before mapping work onto it")
        task = partial(_on_threads, fn, 1) if self._cluster is not None else fn
        futures = self._client.map(task, list(items), pure=False)
        return list(self._client.gather(futures))

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def _on_threads(fn: Callable[[T], R], threads: int, item: T) -> R:
    """Run ``fn(item)`` with the compiled kernels limited to ``threads`` threads (one core per local worker)."""
    import numba

    numba.set_num_threads(min(threads, numba.get_num_threads()))
    return fn(item)


def run_items(executor: Executor | None, fn: Callable[[T], R], items: Sequence[T]) -> list[R]:
    """``executor.map(fn, items)``, or a plain loop when no executor is given."""
    if executor is None:
        return [fn(item) for item in items]
    return executor.map(fn, items)


def run_batches(
    executor: Executor | None,
    fn: Callable[[T], R],
    items: Sequence[T],
    progress: Callable[[int, int], None] | None = None,
    sizes: Sequence[int] | None = None,
) -> list[R]:
    """:func:`run_items` in batches, reporting ``progress(done, total)`` after each (sizes weigh the items)."""
    weights = list(sizes) if sizes is not None else [1] * len(items)
    total = sum(weights)
    # Through an executor, batches must be large enough to keep every worker busy.
    per_batch = max(_MIN_BATCH, -(-len(items) // 10)) if executor is not None else 1
    results: list[R] = []
    done = 0
    try:
        for start in range(0, len(items), per_batch):
            batch = items[start : start + per_batch]
            results.extend(run_items(executor, fn, batch))
            done += sum(weights[start : start + per_batch])
            if progress is not None:
                progress(done, total)
    except (StoppedError, KeyboardInterrupt) as exc:
        # What was finished stays available to the caller, which may report it as a partial result.
        setattr(exc, _UNFINISHED, Unfinished(list(results), sum(weights[: len(results)]), total))
        raise
    return results


@dataclass(frozen=True)
class Unfinished:
    """Work stopped between batches: the results of the items finished (in order) and the units done."""

    results: list[Any]
    done: int
    total: int


def unfinished_of(exc: BaseException) -> Unfinished | None:
    """The finished part of work that ``exc`` (a stop or an interruption) ended, when it is known."""
    found = getattr(exc, _UNFINISHED, None)
    return found if isinstance(found, Unfinished) else None
