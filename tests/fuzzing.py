"""A seeded mutator over real inputs, and one fuzz case: read, compile, search, import.

Seeds: the bundled model (YAML and JSON), a reference ScenarioWizard project (.scw, its
.sl solution list and its matrix CSV) and an evidence CSV. A case takes one seed, applies
one to three mutations chosen by a seeded generator (line edits, bit flips, hostile tokens
such as aliases, deep brackets, control characters and huge numbers, truncation), writes
the result to a file and runs it through the same path a command would. The only
acceptable failure is the project's own :class:`~scenarist.errors.ScenaristError`; a case
must also finish within its time limit.
"""

from __future__ import annotations

import json
import random
import signal
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from scenarist.engines.cib import find_scenarios
from scenarist.errors import ScenaristError
from scenarist.evidence.csvio import read_evidence_rows
from scenarist.model import compile_model, load_model
from scenarist.model.load import resolve_model_path
from scenarist.model.solutions import parse_sl

SW = Path(__file__).parent / "data" / "scenariowizard"
SEARCH_LIMIT = 50_000
"""Mutated models with at most this many scenarios are also searched."""

TOKENS = (
    b"&a ", b"*a", b"<<: *a", b"[" * 200, b"{" * 200, b"]", b"}", b"\x00", b"\x01", b"\x1b[2J", b"\xe2\x80\xa8",
    b"\xef\xbb\xbf", b"\xff\xfe", b"9" * 40, b"-" + b"9" * 5000, b"1e309", b".inf", b"-.nan", b"~", b"null",
    b"!!python/object:os.system", b"!!binary AAAA", b"'", b'"', b"\t", b"\r", b"\n- ", b": ", b",", b";", b"#",
    b"2025-W01-1", b"99999999999999999999", b"-9223372036854775809", b"4611686018427387904", b"javascript:x",
)  # fmt: skip


def _compact(value: object) -> object:
    """The bundled model without its long texts (faster to parse; the structure is kept)."""
    if isinstance(value, dict):
        return {k: _compact(v) for k, v in value.items() if k not in ("description", "rationale", "sources")}
    if isinstance(value, list):
        return [_compact(v) for v in value]
    return value


def _bundled_text(descriptors: int = 5) -> bytes:
    """The bundled model cut to its first descriptors, with what refers to them only."""
    data: dict[str, Any] = _compact(yaml.safe_load(resolve_model_path(None).read_bytes()))  # type: ignore[assignment]
    data["descriptors"] = data["descriptors"][:descriptors]
    keep = {d["id"] for d in data["descriptors"]}
    data["judgments"] = [j for j in data["judgments"] if {j["from"].split(".")[0], j["to"].split(".")[0]} <= keep]
    data["scenarios"] = [s for s in data.get("scenarios", []) if set(s.get("core", {})) <= keep]
    for scenario in data["scenarios"]:
        scenario.pop("typical", None)
    data["signposts"] = [s for s in data.get("signposts", []) if s["descriptor"] in keep]
    for key in ("forecasts", "judgment_sets", "families", "lenses"):
        data.pop(key, None)
    return yaml.safe_dump(data, sort_keys=False, width=200, default_flow_style=None).encode()


def _seeds() -> dict[str, tuple[str, bytes]]:
    bundled = _bundled_text()
    as_json = json.dumps(yaml.safe_load(bundled), default=str).encode()
    evidence = (
        b"signpost,observed,date,source,url,reliability,note\n"
        b'washington_blames_moscow,yes,2025-05-01,Reuters,https://example.org/a,0.9,"two\nlines"\n'
        b"washington_blames_moscow,no,2025-06-01,AP,,,\n"
    )
    return {
        "yaml": (".yaml", bundled),
        "json": (".json", as_json),
        "scw": (".scw", (SW / "CIB_global.scw").read_bytes()),
        "sl": (".sl", (SW / "CIB_global.sl").read_bytes()),
        "csv": (".csv", _matrix_csv()),
        "evidence": (".csv", evidence),
    }


def _matrix_csv() -> bytes:
    from scenarist.model.matrix_csv import format_matrix_csv
    from scenarist.model.scw import read_scw

    return format_matrix_csv(read_scw(SW / "CIB_global.scw")).encode()


SEEDS = _seeds()
KINDS = tuple(SEEDS)


def _lines(data: bytes) -> list[bytes]:
    return data.splitlines(keepends=True) or [b""]


def mutate(data: bytes, rng: random.Random) -> bytes:
    """One random mutation of ``data``."""
    lines = _lines(data)
    k = rng.randrange(len(lines))
    choice = rng.randrange(8)
    if choice == 0:
        del lines[k]
    elif choice == 1:
        lines.insert(k, lines[rng.randrange(len(lines))] * rng.choice((1, 2, 50)))
    elif choice == 2:
        j = rng.randrange(len(lines))
        lines[k], lines[j] = lines[j], lines[k]
    elif choice == 3 and data:
        i = rng.randrange(len(data))
        return data[:i] + bytes([data[i] ^ (1 << rng.randrange(8))]) + data[i + 1 :]
    elif choice == 4:
        i = rng.randrange(len(data) + 1)
        return data[:i] + rng.choice(TOKENS) + data[i:]
    elif choice == 5:
        return data[: rng.randrange(len(data) + 1)]
    elif choice == 6:  # a number replaced by an extreme one
        line = lines[k]
        digits = [i for i, c in enumerate(line) if 48 <= c <= 57]
        if digits:
            i = rng.choice(digits)
            lines[k] = line[:i] + rng.choice((b"2147483648", b"9" * 25, b"-9223372036854775808", b"0")) + line[i + 1 :]
    else:
        lines[k] = rng.choice(TOKENS) + lines[k]
    return b"".join(lines)


@dataclass(frozen=True)
class Outcome:
    """What one case did: ``accepted`` (read without error) or the project error's first line."""

    kind: str
    accepted: bool
    error: str
    seconds: float


class CaseTimeout(Exception):
    """A fuzz case ran past its time limit (a hang)."""


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise :class:`CaseTimeout` inside the block after ``seconds`` (main thread only)."""

    def expired(_signum: int, _frame: object) -> None:
        raise CaseTimeout(f"the case ran longer than {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _exercise(kind: str, path: Path) -> None:
    if kind == "evidence":
        for _ in read_evidence_rows(path, "us-russia-2025"):
            pass
        return
    if kind == "sl":
        parse_sl(path.read_bytes().decode("utf-8", errors="replace"))
        return
    compiled = compile_model(load_model(path))
    if compiled.scenario_space <= SEARCH_LIMIT:
        find_scenarios(compiled, tolerance=1)


def run_case(seed: int, folder: Path, *, limit: float = 20.0) -> Outcome:
    """Fuzz case number ``seed``: mutate a seed input, write it into ``folder`` and read it.

    Returns the outcome; any exception other than a ScenaristError (or a hang, as
    :class:`CaseTimeout`) propagates, with the seed in its notes.
    """
    rng = random.Random(seed)
    kind = KINDS[seed % len(KINDS)]
    suffix, data = SEEDS[kind]
    for _ in range(rng.randint(1, 3)):
        data = mutate(data, rng)
    path = folder / f"case{suffix}"
    path.write_bytes(data)
    started = time.monotonic()
    try:
        with time_limit(limit):
            _exercise(kind, path)
    except ScenaristError as exc:
        return Outcome(kind, False, str(exc).splitlines()[0][:200], time.monotonic() - started)
    except BaseException as exc:
        exc.add_note(f"fuzz case {seed} ({kind}); input kept in {path}")
        raise
    return Outcome(kind, True, "", time.monotonic() - started)


Runner = Callable[[int, Path], Outcome]
