"""Issue 13: 2,400 seeded fuzz cases over every reader (YAML, JSON, .scw, .sl, matrix CSV, evidence CSV).

Each case must end in a result or a project error (ScenaristError), within its time limit;
memory stays bounded. The same cases, and more, run from ``bench/fuzz.py`` (100,000 recorded).
"""

from __future__ import annotations

import resource
from collections import Counter
from pathlib import Path

import pytest

from fuzzing import KINDS, run_case

BLOCKS = 12
PER_BLOCK = 200
_seen: Counter[tuple[str, bool]] = Counter()


@pytest.mark.parametrize("block", range(BLOCKS))
def test_fuzz_block(block: int, tmp_path: Path) -> None:
    for seed in range(block * PER_BLOCK, (block + 1) * PER_BLOCK):
        outcome = run_case(seed, tmp_path, limit=20.0)
        _seen[(outcome.kind, outcome.accepted)] += 1
        assert outcome.accepted or outcome.error, f"case {seed}: a refusal without a message"


def test_fuzzing_reached_both_outcomes_of_every_reader() -> None:
    if sum(_seen.values()) < BLOCKS * PER_BLOCK:
        pytest.fail("the fuzz blocks did not all run before this check (run the whole module)")
    for kind in KINDS:
        assert _seen[(kind, True)] > 0, f"no mutated {kind} input was accepted"
        assert _seen[(kind, False)] > 0, f"no mutated {kind} input was refused"


def test_memory_stayed_bounded() -> None:
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    assert peak_kib < 3 * 1024 * 1024, f"peak resident memory {peak_kib / 1024:.0f} MiB"
