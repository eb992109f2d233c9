"""Small statistics shared by the sampling engines."""

from __future__ import annotations

import math

__all__ = ["Z_90", "Z_95", "wilson_interval"]

Z_95 = 1.959963984540054
"""z for two-sided 95 % intervals."""
Z_90 = 1.6448536269514722
"""z for two-sided 90 % intervals."""


def wilson_interval(successes: float, trials: float, z: float = Z_95) -> tuple[float, float]:
    """The Wilson score interval for a binomial proportion (95 % by default); (0, 1) without trials.

    Counts may be fractional (an effective number of draws of a reweighted sample).
    """
    if trials <= 0:
        return (0.0, 1.0)
    p = successes / trials
    denom = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denom
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denom
    low = 0.0 if successes <= 0 else max(0.0, centre - half)
    high = 1.0 if successes >= trials else min(1.0, centre + half)
    return (low, high)
