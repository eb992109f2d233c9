"""Every limit Scenarist enforces, in one table, and the checks that apply them.

Each limit exists so that no input can crash the program, hang it or exhaust the machine:
inputs beyond a limit are refused with a one-line error naming the limit, never truncated
silently. ``docs/limits.md`` lists the same table (a test keeps the two in step).

Arithmetic safety: impacts lie within ±``MAX_IMPACT`` (2^31 − 1) and a model has at most
``MAX_DESCRIPTORS`` descriptors, so an impact balance (a sum of at most one impact per
descriptor) stays below 2^39 in magnitude, a total impact score (one balance per descriptor)
below 2^47, and a difference of two balances below 2^40: every 64-bit integer sum in the
kernels keeps a margin of more than 2^15 before overflow.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from scenarist.errors import LimitError

__all__ = [
    "LIMITS",
    "Limit",
    "MAX_ALIAS_VALUES",
    "MAX_ASSUMPTION_DRAWS",
    "MAX_CSV_FIELD_CHARS",
    "MAX_DESCRIPTORS",
    "MAX_DRAWS",
    "MAX_EXACT_SPACE",
    "MAX_EXHAUSTIVE_SPACE",
    "MAX_FILE_BYTES",
    "MAX_ID",
    "MAX_IMPACT",
    "MAX_NESTING",
    "MAX_NODES",
    "MAX_REQUEST_BYTES",
    "MAX_SEED",
    "MAX_STARTS",
    "MAX_TOLERANCE",
    "MAX_VARIANTS",
    "MAX_VARIANTS_PER_DESCRIPTOR",
    "check_count",
    "check_options",
    "check_exhaustive",
    "check_output_file",
    "check_output_folder",
    "check_search_space",
    "check_seed",
    "check_tolerance",
    "describe_cost",
]

MAX_FILE_BYTES: Final = 64 * 1024 * 1024
MAX_NESTING: Final = 64
MAX_NODES: Final = 1_000_000
MAX_ALIAS_VALUES: Final = 100_000
MAX_CSV_FIELD_CHARS: Final = 100_000
MAX_IMPACT: Final = 2**31 - 1
MAX_DESCRIPTORS: Final = 256
MAX_VARIANTS_PER_DESCRIPTOR: Final = 64
MAX_VARIANTS: Final = 2048
MAX_EXACT_SPACE: Final = 2**62 - 1
MAX_EXHAUSTIVE_SPACE: Final = 10**11
MAX_DRAWS: Final = 10_000_000
MAX_ASSUMPTION_DRAWS: Final = 100_000
MAX_STARTS: Final = 10**10
MAX_SEED: Final = 2**63 - 1
MAX_TOLERANCE: Final = 2**40
MAX_REQUEST_BYTES: Final = 64 * 1024
MAX_ID: Final = 2**63 - 1


@dataclass(frozen=True)
class Limit:
    """One enforced limit: its name, value and what it bounds."""

    name: str
    value: int
    what: str


LIMITS: Final = (
    Limit("MAX_FILE_BYTES", MAX_FILE_BYTES, "size of a model file (YAML, JSON, .scw, .csv, .sl) in bytes"),
    Limit("MAX_NESTING", MAX_NESTING, "nesting depth of lists and mappings in a YAML/JSON model"),
    Limit("MAX_NODES", MAX_NODES, "values in a YAML/JSON model after aliases are expanded"),
    Limit("MAX_ALIAS_VALUES", MAX_ALIAS_VALUES, "values of a YAML model reached again through aliases"),
    Limit("MAX_CSV_FIELD_CHARS", MAX_CSV_FIELD_CHARS, "characters in one field of an evidence CSV file"),
    Limit("MAX_IMPACT", MAX_IMPACT, "absolute value of one impact (judgment), in every format"),
    Limit("MAX_DESCRIPTORS", MAX_DESCRIPTORS, "descriptors in a model"),
    Limit("MAX_VARIANTS_PER_DESCRIPTOR", MAX_VARIANTS_PER_DESCRIPTOR, "variants of one descriptor"),
    Limit("MAX_VARIANTS", MAX_VARIANTS, "variants of all descriptors together"),
    Limit("MAX_EXACT_SPACE", MAX_EXACT_SPACE, "scenarios in a space searched exactly (pruned search)"),
    Limit("MAX_EXHAUSTIVE_SPACE", MAX_EXHAUSTIVE_SPACE, "scenarios enumerated one by one (exhaustive, exact weights)"),
    Limit("MAX_DRAWS", MAX_DRAWS, "Monte Carlo draws of judgments (--draws, serve --draws)"),
    Limit("MAX_ASSUMPTION_DRAWS", MAX_ASSUMPTION_DRAWS, "draws per shifted judgment (serve --assumption-draws)"),
    Limit("MAX_STARTS", MAX_STARTS, "Monte Carlo start scenarios of the volume weights (--starts)"),
    Limit("MAX_SEED", MAX_SEED, "random seed (0 or more)"),
    Limit("MAX_TOLERANCE", MAX_TOLERANCE, "inconsistency tolerance (0 or more)"),
    Limit("MAX_REQUEST_BYTES", MAX_REQUEST_BYTES, "body of one web request in bytes (413 beyond)"),
    Limit("MAX_ID", MAX_ID, "id of stored evidence, a question or a forecast"),
)
"""The table, in the order ``docs/limits.md`` shows it."""


def check_count(option: str, value: int, limit: int, *, minimum: int = 1) -> int:
    """``value`` when ``minimum <= value <= limit``; otherwise a :class:`LimitError` naming ``option``."""
    if not minimum <= value <= limit:
        raise LimitError(f"{option} must lie between {minimum:,} and {limit:,}, got {value:,}")
    return value


def check_seed(option: str, value: int) -> int:
    """A seed: 0 ≤ ``value`` ≤ 2^63 − 1."""
    return check_count(option, value, MAX_SEED, minimum=0)


def check_tolerance(option: str, value: int) -> int:
    """An inconsistency tolerance: 0 ≤ ``value`` ≤ 2^40 (beyond, every scenario qualifies anyway)."""
    return check_count(option, value, MAX_TOLERANCE, minimum=0)


def _magnitude(space: int) -> str:
    return f"{space:,}" if space < 10**9 else f"about 10^{math.log10(space):.1f}"


def describe_cost(space: int, method: str) -> str:
    """One line saying what a search of ``space`` scenarios by ``method`` will cost."""
    if method == "exhaustive":
        return f"{_magnitude(space)} scenarios to evaluate one by one"
    return f"exact pruned search over {_magnitude(space)} scenarios (time depends on the judgments)"


def check_search_space(space: int, what: str = "the scenario space") -> int:
    """Refuse a space an exact search cannot handle: more than ``MAX_EXACT_SPACE`` scenarios."""
    if space > MAX_EXACT_SPACE:
        raise LimitError(
            f"{what} has {_magnitude(space)} scenarios, more than an exact search can cover "
            f"(limit 2^62); use the sampling method (scenarios --method multistart, which may miss some), "
            "fix descriptors with --fix, or reduce the model"
        )
    return space


def check_exhaustive(space: int, what: str = "the scenario space") -> int:
    """Refuse enumerating more than ``MAX_EXHAUSTIVE_SPACE`` scenarios one by one."""
    if space > MAX_EXHAUSTIVE_SPACE:
        raise LimitError(
            f"{what} has {_magnitude(space)} scenarios, more than can be enumerated one by one "
            f"(limit {MAX_EXHAUSTIVE_SPACE:.0e}); use a Monte Carlo sample instead"
        )
    return space


def check_output_file(path: Path) -> Path:
    """A file that can be written: its folder exists and it is not itself a folder."""
    if path.is_dir():
        raise LimitError(f"cannot write {path}: it is a folder; name a file")
    parent = path.parent
    if not parent.is_dir():
        what = "is not a folder" if parent.exists() else "does not exist"
        raise LimitError(f"cannot write {path}: the folder {parent} {what}")
    return path


def check_output_folder(path: Path) -> Path:
    """A folder that exists or can be created: no part of the path is a file."""
    for part in (path, *path.parents):
        if part.exists():
            if not part.is_dir():
                raise LimitError(f"cannot write into {path}: {part} is a file, not a folder")
            break
    return path


_COUNTS: Final = {
    # parameter name: (option as the user writes it, smallest, largest)
    "draws": ("--draws", 1, MAX_DRAWS),
    "assumption_draws": ("--assumption-draws", 1, MAX_ASSUMPTION_DRAWS),
    "starts": ("--starts", 1, MAX_STARTS),
    "seed": ("--seed", 0, MAX_SEED),
    "tolerance": ("--tolerance", 0, MAX_TOLERANCE),
    "evidence_id": ("EVIDENCE_ID", 1, MAX_ID),
    "port": ("--port", 1, 65535),
}


def check_options(params: dict[str, object]) -> None:
    """Check a command's options by parameter name (counts, seeds, output paths) before it runs.

    One table for every command: ``draws``, ``assumption_draws``, ``starts``, ``seed``,
    ``tolerance``, ``evidence_id`` and ``port`` must lie within their limits; ``output`` must
    be a writable file path and ``out_dir`` a folder path. Raises :class:`LimitError`.
    """
    for name, value in params.items():
        if name in _COUNTS and isinstance(value, int) and not isinstance(value, bool):
            option, low, high = _COUNTS[name]
            check_count(option, value, high, minimum=low)
        elif name == "output" and isinstance(value, Path):
            check_output_file(value)
        elif name == "out_dir" and isinstance(value, Path):
            check_output_folder(value)
