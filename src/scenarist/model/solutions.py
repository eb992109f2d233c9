"""Read and write ScenarioWizard ``.sl`` solution lists.

A solution list reads::

    $ ScenarioWizard 3.0
    Solution set
     4
    (an empty line)
    " 2 3 2",4,0,0,15,""

with one line per scenario: the 1-based variant number of each descriptor, the volume
weight (printed as a single-precision number, so ``1.677722E+07`` at and above 10^7), the
consistency value, a fourth integer (0 in every known file), the total impact score and a
quoted text. Indices are 0-based in :class:`Solution`.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from os import PathLike

from scenarist.errors import Location, ModelError
from scenarist.model.build import decode_text, read_bytes, split_lines, write_text

__all__ = ["Solution", "SolutionList", "format_sl", "parse_sl", "read_sl", "write_sl"]

DEFAULT_HEADER = "$ ScenarioWizard 3.0"
DEFAULT_TITLE = "Solution set"

_LINE = re.compile(
    r'"(?P<indices>[^"]*)",(?P<weight>[^,]*),(?P<cv>[^,]*),(?P<field4>[^,]*),(?P<tis>[^,]*),"(?P<text>.*)"'
)
_INT = re.compile(r"[+-]?[0-9]{1,15}")
_FLOAT = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([Ee][+-]?[0-9]+)?")


@dataclass(frozen=True)
class Solution:
    """One scenario of a solution list; ``indices`` are 0-based variant positions per descriptor."""

    indices: tuple[int, ...]
    weight: float
    consistency_value: int
    field4: int
    total_impact_score: int
    text: str = ""


@dataclass(frozen=True)
class SolutionList:
    """A ScenarioWizard solution list; ``header`` is its first line, ``title`` its second."""

    solutions: tuple[Solution, ...]
    header: str = DEFAULT_HEADER
    title: str = DEFAULT_TITLE
    newline: str = "\r\n"


def _error(file: str, index: int, message: str, column: int = 1, path: tuple[str | int, ...] = ()) -> ModelError:
    return ModelError(message, Location(file, index + 1, column, path))


def _field_int(text: str, file: str, index: int, column: int, path: tuple[str | int, ...]) -> int:
    if not _INT.fullmatch(text.strip()):
        raise _error(file, index, f"expected an integer, found {text!r}", column, path)
    return int(text.strip())


def _weight(text: str, file: str, index: int, column: int, path: tuple[str | int, ...]) -> float:
    value = float(text.strip()) if _FLOAT.fullmatch(text.strip()) else math.nan
    if not math.isfinite(value):
        raise _error(file, index, f"expected a number as volume weight, found {text!r}", column, path)
    return value


def _indices(text: str, file: str, index: int, column: int, path: tuple[str | int, ...]) -> tuple[int, ...]:
    tokens = text.split()
    if not tokens or not all(t.isascii() and t.isdigit() and len(t) < 10 and int(t) >= 1 for t in tokens):
        raise _error(file, index, f"expected 1-based variant numbers such as ' 2 3 1', found {text!r}", column, path)
    return tuple(int(t) - 1 for t in tokens)


def _solution(line: str, file: str, index: int, k: int) -> Solution:
    match = _LINE.fullmatch(line)
    if match is None:
        raise _error(
            file, index, f'expected a line such as \'" 2 3 2",4,0,0,15,""\', found {line[:60]!r}', 1, ("solutions", k)
        )

    def col(name: str) -> int:
        return match.start(name) + 1

    return Solution(
        indices=_indices(match["indices"], file, index, col("indices"), ("solutions", k, "indices")),
        weight=_weight(match["weight"], file, index, col("weight"), ("solutions", k, "weight")),
        consistency_value=_field_int(match["cv"], file, index, col("cv"), ("solutions", k, "consistency_value")),
        field4=_field_int(match["field4"], file, index, col("field4"), ("solutions", k, "field4")),
        total_impact_score=_field_int(match["tis"], file, index, col("tis"), ("solutions", k, "total_impact_score")),
        text=match["text"],
    )


def _preamble(lines: list[str], file: str) -> int:
    """Check the four opening lines; returns the announced number of solutions."""
    if not lines[0].startswith("$ ScenarioWizard"):
        raise _error(file, 0, f"not a ScenarioWizard solution list: found {lines[0][:40]!r}", 1, ("header",))
    if len(lines) < 4:
        raise _error(file, len(lines), "the file ends before the solutions (header, title, count, empty line)")
    if not _INT.fullmatch(lines[2].strip()) or int(lines[2].strip()) < 0:
        raise _error(file, 2, f"expected the number of solutions, found {lines[2]!r}", 1, ("solutions",))
    if lines[3].strip():
        raise _error(file, 3, f"expected an empty line, found {lines[3][:40]!r}")
    return int(lines[2].strip())


def parse_sl(text: str, *, file: str = "<sl>") -> SolutionList:
    """Parse a solution list; every problem is a located :class:`ModelError`."""
    lines, newline, _ = split_lines(text)
    count = _preamble(lines, file)
    while len(lines) > 4 + count and not lines[-1].strip():
        lines.pop()
    if len(lines) != 4 + count:
        found = len(lines) - 4
        raise _error(file, min(len(lines), 4 + count), f"the list announces {count} solutions but holds {found}")
    solutions = tuple(_solution(line, file, 4 + k, k) for k, line in enumerate(lines[4:]))
    sizes = {len(s.indices) for s in solutions}
    if len(sizes) > 1:
        first = len(solutions[0].indices)
        k = next(k for k, s in enumerate(solutions) if len(s.indices) != first)
        raise _error(file, 4 + k, f"scenario has {len(solutions[k].indices)} descriptors; the first has {first}")
    return SolutionList(solutions=solutions, header=lines[0], title=lines[1], newline=newline)


def read_sl(path: str | PathLike[str]) -> SolutionList:
    """Read a ScenarioWizard ``.sl`` solution list."""
    text, _ = decode_text(read_bytes(path), str(path))
    return parse_sl(text, file=str(path))


def format_weight(weight: float) -> str:
    """A weight as ScenarioWizard prints its single-precision counter: 7 significant digits."""
    return f"{weight:.7G}"


def _format_solution(s: Solution) -> str:
    scenario = "".join(f" {i + 1}" for i in s.indices)
    fields = [format_weight(s.weight), str(s.consistency_value), str(s.field4), str(s.total_impact_score)]
    return f'"{scenario}",{",".join(fields)},"{s.text}"'


def format_sl(solution_list: SolutionList) -> str:
    """The text of a solution list."""
    nl = solution_list.newline if solution_list.newline in ("\n", "\r\n", "\r") else "\r\n"
    head = [solution_list.header, solution_list.title, f" {len(solution_list.solutions)} ", ""]
    return nl.join(head + [_format_solution(s) for s in solution_list.solutions]) + nl


def write_sl(solution_list: SolutionList, path: str | PathLike[str]) -> None:
    """Write a solution list file."""
    write_text(path, format_sl(solution_list), "cp1252")
