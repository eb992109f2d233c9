"""Polling the registered feeds on an interval in a background thread (for ``scenarist serve --poll-news``).

Each round is one :func:`scenarist.news.service.poll_feeds` (the same polite fetching as ``scenarist
news poll``: conditional requests, a timeout, a size limit). A feed that fails is logged and stays on
record with its error; a round that fails as a whole is logged too, and the next round comes at the
next interval: the thread never ends the process that runs it.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext
from typing import Final

from scenarist.errors import InputError
from scenarist.evidence import Ledger
from scenarist.model.schema import Model
from scenarist.news.fetch import fetch
from scenarist.news.service import Fetcher, PollReport, poll_feeds

__all__ = ["MIN_INTERVAL", "Poller", "parse_interval"]

log = logging.getLogger("scenarist.news")

MIN_INTERVAL: Final = 60.0
"""Shortest interval (seconds) accepted from the command line: polling a feed more often is impolite."""

_INTERVAL: Final = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d)?\s*$")
_UNIT: Final = {"s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}


def parse_interval(text: str, *, minimum: float = MIN_INTERVAL) -> float:
    """Seconds in an interval such as ``30m``, ``2h``, ``1d`` or ``90s`` (a bare number is seconds)."""
    found = _INTERVAL.match(text)
    if found is None:
        raise InputError(f"poll interval {text!r}: expected a number with an optional unit s, m, h or d, e.g. 30m")
    seconds = float(found.group(1)) * _UNIT[found.group(2) or "s"]
    if seconds < minimum:
        raise InputError(f"poll interval {text!r}: at least {minimum:g} seconds, to poll feeds politely")
    return seconds


class Poller:
    """Polls every registered feed of ``ledger`` every ``interval`` seconds, the first round right away.

    ``lock`` (the app's write lock) is held during a round so that polling does not interleave with
    the app's other writes. :meth:`stop` ends the thread at the next wait.
    """

    def __init__(
        self,
        ledger: Ledger,
        models: Sequence[Model],
        interval: float,
        *,
        lock: AbstractContextManager[object] | None = None,
        fetcher: Fetcher = fetch,
    ) -> None:
        if interval <= 0:
            raise InputError(f"poll interval must be positive, got {interval:g} s")
        self.ledger = ledger
        self.models = list(models)
        self.interval = interval
        self._lock: AbstractContextManager[object] = lock if lock is not None else nullcontext()
        self._fetcher = fetcher
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="scenarist-news-poll", daemon=True)

    @property
    def running(self) -> bool:
        """Whether the polling thread is alive."""
        return self._thread.is_alive()

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def poll_once(self) -> list[PollReport]:
        """One round over every registered feed; feeds that failed are logged."""
        with self._lock:
            reports = poll_feeds(self.ledger, self.models, fetcher=self._fetcher)
        for r in reports:
            if r.error is not None:
                log.warning("polling feed %s (%s) failed: %s", r.feed.name, r.feed.url, r.error)
            elif r.added is not None and (r.added.stored or r.added.problems):
                log.info("feed %s: %d new items, %d proposals", r.feed.name, r.added.stored, len(r.added.proposals))
        return reports

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.poll_once()
            except Exception:  # a background thread: log whatever went wrong and try again next time
                log.exception("polling the news feeds failed; trying again in %g s", self.interval)
            self._stop.wait(self.interval)
