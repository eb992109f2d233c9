"""The settings of the analyses, in one table: the CLI options, the web configuration and the docs read it.

Every client of :mod:`scenarist.service` takes its defaults from here, so the command line, the
web app and the report give one answer for one model, ledger, draw count and seed.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from scenarist.engines.solver_names import SolverName
from scenarist.errors import InputError

__all__ = ["DEFAULTS", "SETTINGS", "AnalysisSettings", "Setting", "SolverName"]


@dataclass(frozen=True)
class Setting:
    """One setting: its name, default, bounds and the help text every client shows."""

    name: str
    default: int
    minimum: int
    maximum: int
    help: str

    def check(self, value: int) -> int:
        """``value`` when it lies within the bounds; InputError naming the setting otherwise."""
        if isinstance(value, bool) or not isinstance(value, int) or not self.minimum <= value <= self.maximum:
            raise InputError(f"{self.name} must be an integer from {self.minimum:,} to {self.maximum:,}, got {value!r}")
        return value


DRAWS = Setting("draws", 10_000, 1, 10_000_000, "Monte Carlo draws of the judgments (probabilities).")
SEED = Setting("seed", 0, 0, 2**32 - 1, "Random seed of the draws.")
ASSUMPTION_DRAWS = Setting(
    "assumption_draws", 1_000, 1, 1_000_000, "Draws per shifted judgment when ranking the key assumptions."
)
WATCH_LIMIT = Setting("watch_limit", 5, 1, 1_000, "Signposts shown in the watch list of the summary views.")

SETTINGS: dict[str, Setting] = {s.name: s for s in (DRAWS, SEED, ASSUMPTION_DRAWS, WATCH_LIMIT)}
"""Every setting by name, in the order the docs list them."""


@dataclass(frozen=True)
class AnalysisSettings:
    """The values in force for one analysis; the defaults are those of :data:`SETTINGS`."""

    draws: int = DRAWS.default
    seed: int = SEED.default
    assumption_draws: int = ASSUMPTION_DRAWS.default
    watch_limit: int = WATCH_LIMIT.default

    def __post_init__(self) -> None:
        for f in fields(self):
            SETTINGS[f.name].check(getattr(self, f.name))

    def to_dict(self) -> dict[str, int]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


DEFAULTS = AnalysisSettings()
"""The default settings (what every client uses unless told otherwise)."""
