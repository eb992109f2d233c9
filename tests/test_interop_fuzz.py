"""Fuzzing the ScenarioWizard and CSV readers with mutated real files.

Whatever the damage (lines deleted, duplicated or swapped, bytes flipped, characters
inserted, the file truncated), a reader either returns a valid result or raises a
:class:`ScenaristError`; a project it accepts is written back and read again unchanged.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scenarist.errors import ModelError, ScenaristError
from scenarist.model.matrix_csv import format_matrix_csv, parse_matrix_csv
from scenarist.model.schema import Model
from scenarist.model.scw import format_scw, parse_scw, parse_scw_bytes
from scenarist.model.solutions import SolutionList, format_sl, parse_sl
from scenarist.model.validate import validate_model

SW = Path(__file__).parent / "data" / "scenariowizard"
SCW = {p.name: p.read_bytes() for p in sorted(SW.glob("*.scw"))}
SL = {p.name: p.read_bytes() for p in sorted(SW.glob("*.sl"))}
CSV = {
    "global.csv": format_matrix_csv(parse_scw_bytes(SCW["CIB_global.scw"])).encode(),
    "nested.csv": format_matrix_csv(parse_scw_bytes(SCW["CIB_nested.scw"])).encode(),
}
FUZZ = settings(
    max_examples=3000,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

Mutation = Callable[[bytes], bytes]
_position = st.integers(min_value=0, max_value=10**6)


def _lines(data: bytes) -> list[bytes]:
    return data.splitlines(keepends=True) or [b""]


def _delete(i: int) -> Mutation:
    def apply(data: bytes) -> bytes:
        lines = _lines(data)
        del lines[i % len(lines)]
        return b"".join(lines)

    return apply


def _duplicate(i: int) -> Mutation:
    def apply(data: bytes) -> bytes:
        lines = _lines(data)
        k = i % len(lines)
        return b"".join(lines[: k + 1] + lines[k:])

    return apply


def _swap(i: int, j: int) -> Mutation:
    def apply(data: bytes) -> bytes:
        lines = _lines(data)
        a, b = i % len(lines), j % len(lines)
        lines[a], lines[b] = lines[b], lines[a]
        return b"".join(lines)

    return apply


def _flip(i: int, bit: int) -> Mutation:
    def apply(data: bytes) -> bytes:
        if not data:
            return data
        k = i % len(data)
        return data[:k] + bytes([data[k] ^ (1 << bit)]) + data[k + 1 :]

    return apply


def _insert(i: int, chunk: bytes) -> Mutation:
    def apply(data: bytes) -> bytes:
        k = i % (len(data) + 1)
        return data[:k] + chunk + data[k:]

    return apply


def _truncate(i: int) -> Mutation:
    return lambda data: data[: i % (len(data) + 1)]


_chunks = st.one_of(
    st.binary(min_size=1, max_size=6),
    st.text(min_size=1, max_size=6).map(lambda t: t.encode("utf-8")),
    st.sampled_from([b"#", b"\n", b"\r\n", b"&", b" -", b",", b'"', b"-", b"9", b"\n#\n", b" 0 ,", b"\x00"]),
)
MUTATIONS = st.one_of(
    st.builds(_delete, _position),
    st.builds(_duplicate, _position),
    st.builds(_swap, _position, _position),
    st.builds(_flip, _position, st.integers(0, 7)),
    st.builds(_insert, _position, _chunks),
    st.builds(_truncate, _position),
)


def _mutate(data: bytes, mutations: list[Mutation], crlf: bool) -> bytes:
    if crlf:
        data = data.replace(b"\n", b"\r\n")
    for mutation in mutations:
        data = mutation(data)
    return data


def _check_error(exc: ScenaristError, file: str) -> None:
    assert isinstance(exc, ModelError)
    assert exc.location.file == file
    assert str(exc)


def _scw_round_trip(model: Model) -> None:
    assert validate_model(model) is model
    text = format_scw(model)
    again = parse_scw(text, file="fuzz.scw")
    meta = {k: v for k, v in model.meta["scw"].items() if k != "encoding"}
    assert again == model.model_copy(update={"meta": {"scw": meta}})
    assert format_scw(again) == text


@FUZZ
@given(
    name=st.sampled_from(sorted(SCW)),
    mutations=st.lists(MUTATIONS, min_size=1, max_size=4),
    crlf=st.booleans(),
)
def test_mutated_projects_raise_only_scenarist_errors(name: str, mutations: list[Mutation], crlf: bool) -> None:
    data = _mutate(SCW[name], mutations, crlf)
    try:
        model = parse_scw_bytes(data, file="fuzz.scw")
    except ScenaristError as exc:
        _check_error(exc, "fuzz.scw")
        return
    _scw_round_trip(model)


@settings(FUZZ, max_examples=1000)
@given(
    name=st.sampled_from(sorted(SL)),
    mutations=st.lists(MUTATIONS, min_size=1, max_size=3),
    crlf=st.booleans(),
)
def test_mutated_solution_lists_raise_only_scenarist_errors(name: str, mutations: list[Mutation], crlf: bool) -> None:
    data = _mutate(SL[name], mutations, crlf)
    try:
        solutions = parse_sl(data.decode("latin-1"), file="fuzz.sl")
    except ScenaristError as exc:
        _check_error(exc, "fuzz.sl")
        return
    assert isinstance(solutions, SolutionList)
    again = parse_sl(format_sl(solutions))
    assert len(again.solutions) == len(solutions.solutions)
    for got, want in zip(again.solutions, solutions.solutions):
        # weights are printed with single precision (7 significant digits), as ScenarioWizard does
        assert math.isclose(got.weight, want.weight, rel_tol=1e-6)
        assert replace(got, weight=want.weight) == want


@settings(FUZZ, max_examples=1000)
@given(
    name=st.sampled_from(sorted(CSV)),
    mutations=st.lists(MUTATIONS, min_size=1, max_size=3),
    crlf=st.booleans(),
)
def test_mutated_matrix_csv_raises_only_scenarist_errors(name: str, mutations: list[Mutation], crlf: bool) -> None:
    data = _mutate(CSV[name], mutations, crlf)
    try:
        model = parse_matrix_csv(data.decode("latin-1"), file="fuzz.csv")
    except ScenaristError as exc:
        _check_error(exc, "fuzz.csv")
        return
    assert validate_model(model) is model
    again = parse_matrix_csv(format_matrix_csv(model), file="fuzz.csv")
    assert [d.id for d in again.descriptors] == [d.id for d in model.descriptors]
    assert again.judgments == model.judgments
