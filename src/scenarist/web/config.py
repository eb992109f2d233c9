"""Settings of the web app that are not part of :func:`scenarist.web.create_app`'s main arguments."""

from __future__ import annotations

from dataclasses import dataclass

from scenarist.limits import MAX_REQUEST_BYTES
from scenarist.service import SETTINGS, AnalysisSettings

__all__ = ["Settings"]


@dataclass(frozen=True)
class Settings:
    """Tuning of the web app.

    ``draws``: Monte Carlo draws of the cached probabilities; ``assumption_draws``: draws per
    shifted judgment in the key assumptions; ``seed``: their random seed. ``max_body_bytes``
    caps every request body (larger ones get 413). ``session_max_age`` (seconds) bounds a
    login. ``warm`` computes each model's expensive results in the background at start-up.
    ``max_failures`` failed token attempts within ``failure_window`` seconds block a client
    (429) until the window has passed. ``poll_news`` (seconds), when set, polls the registered news
    feeds in a background thread at that interval, the first time at start-up. ``ledger_poll``: how
    often (seconds) the app looks for writes made by other clients of the ledger (its own writes
    show at once).
    """

    draws: int = SETTINGS["draws"].default
    assumption_draws: int = SETTINGS["assumption_draws"].default
    seed: int = SETTINGS["seed"].default
    max_body_bytes: int = MAX_REQUEST_BYTES
    session_max_age: int = 12 * 3600
    warm: bool = False
    max_failures: int = 10
    failure_window: float = 60.0
    poll_news: float | None = None
    ledger_poll: float = 1.0

    @property
    def analysis(self) -> AnalysisSettings:
        """The analysis settings in force (the same defaults as the command line)."""
        return AnalysisSettings(draws=self.draws, seed=self.seed, assumption_draws=self.assumption_draws)
