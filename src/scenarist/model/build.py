"""Build a model from names and a dense impact matrix (for importers), and the matrix back.

Importers of matrix-shaped formats (ScenarioWizard ``.scw``, matrix CSV) describe a model
as descriptor and variant names plus a square matrix whose rows are source variants and
whose columns are target variants, in model order. :func:`model_from_matrix` turns that
into a :class:`~scenarist.model.schema.Model`, deriving identifier-safe ids from the names
(the original names stay in ``name`` / ``short``). The text helpers at the end (line
splitting, decoding, reading and writing files) are shared by those importers and turn
every problem into a located :class:`~scenarist.errors.ModelError`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from os import PathLike
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from pydantic import ValidationError

from scenarist import limits
from scenarist.errors import Location, ModelError
from scenarist.model.compile import matrix_from_judgments
from scenarist.model.files import read_bytes
from scenarist.model.schema import Descriptor, Judgment, Model, Variant

__all__ = [
    "MAX_ID_LENGTH",
    "MAX_IMPACT",
    "DescriptorSpec",
    "decode_text",
    "matrix_of",
    "model_from_matrix",
    "read_bytes",
    "safe_id",
    "split_lines",
    "write_text",
]

MAX_ID_LENGTH = 64
MAX_IMPACT = limits.MAX_IMPACT
"""Largest impact magnitude accepted (the matrices of ScenarioWizard files are small integers)."""
DescriptorSpec = tuple[str, str | None, Sequence[tuple[str, str | None]]]
"""``(name, short, [(variant_name, variant_short), ...])``; shorts may be None or blank."""

_NOT_ID = re.compile(r"[^A-Za-z0-9_-]+")


def _slug(text: str | None) -> str:
    """An identifier-safe form of ``text``, or '' when nothing usable is left."""
    if not text:
        return ""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = "_".join(_NOT_ID.sub(" ", ascii_text).split())
    if not slug:
        return ""
    if not (slug[0].isalpha() or slug[0] == "_"):
        slug = "_" + slug
    return slug[:MAX_ID_LENGTH]


def safe_id(name: str, taken: set[str], fallback: str, *, short: str | None = None) -> str:
    """An id matching ``^[A-Za-z_][A-Za-z0-9_-]*$`` (at most 64 characters), unique within ``taken``.

    It is derived from ``short`` when that is non-blank, else from ``name``, else from
    ``fallback``; a clash gets a ``_2``, ``_3``, ... suffix. The id is added to ``taken``.
    """
    base = _slug(short) or _slug(name) or _slug(fallback) or "_"
    candidate, n = base, 2
    while candidate in taken:
        suffix = f"_{n}"
        candidate = base[: MAX_ID_LENGTH - len(suffix)] + suffix
        n += 1
    taken.add(candidate)
    return candidate


def _clean(text: str | None) -> str | None:
    return text.strip() or None if text is not None else None


def _descriptors(specs: Sequence[DescriptorSpec], descriptions: Sequence[str | None] | None) -> list[Descriptor]:
    taken: set[str] = set()
    out = []
    for i, (name, short, variants) in enumerate(specs):
        v_taken: set[str] = set()
        built = [
            Variant(id=safe_id(v_name, v_taken, f"v{k + 1}", short=v_short), name=v_name, short=_clean(v_short))
            for k, (v_name, v_short) in enumerate(variants)
        ]
        description = _clean(descriptions[i]) if descriptions is not None and i < len(descriptions) else None
        out.append(
            Descriptor(
                id=safe_id(name, taken, f"d{i + 1}", short=short),
                name=name,
                short=_clean(short),
                description=description,
                variants=built,
            )
        )
    return out


def _as_matrix(matrix: Any, size: int) -> npt.NDArray[np.int64]:
    try:
        grid = np.asarray(matrix)
    except (ValueError, TypeError) as exc:
        raise ModelError(f"the matrix is not a rectangular array: {exc}", Location(path=("matrix",))) from None
    if grid.shape != (size, size):
        raise ModelError(
            f"the matrix has shape {grid.shape}; expected ({size}, {size}) for {size} variants",
            Location(path=("matrix",)),
        )
    if grid.dtype.kind == "f" and np.all(np.isfinite(grid)) and np.all(grid == np.round(grid)):
        grid = grid.astype(np.int64)
    if grid.dtype.kind not in "iu":
        raise ModelError("the matrix must hold integer impacts", Location(path=("matrix",)))
    if grid.size and (int(grid.max()) > MAX_IMPACT or int(grid.min()) < -MAX_IMPACT):
        raise ModelError(f"impacts must lie within ±{MAX_IMPACT}", Location(path=("matrix",)))
    return grid.astype(np.int64)


def model_from_matrix(
    *,
    id: str,
    title: str,
    descriptors: Sequence[DescriptorSpec],
    matrix: Any,
    rationales: Mapping[tuple[int, int], str] | None = None,
    meta: dict[str, Any] | None = None,
    allow_self_impacts: bool | None = None,
    description: str | None = None,
    descriptions: Sequence[str | None] | None = None,
) -> Model:
    """A model from descriptor names and a square integer matrix (rows = source variant).

    Zero entries are omitted from the judgments. ``rationales`` maps a descriptor index
    pair ``(source, target)`` to a text given to every judgment of that block;
    ``descriptions`` gives each descriptor's description. Unless ``allow_self_impacts`` is
    given, it is set when a diagonal block holds a non-zero entry.
    """
    built = _descriptors(descriptors, descriptions)
    refs = [f"{d.id}.{v.id}" for d in built for v in d.variants]
    owner = [i for i, d in enumerate(built) for _ in d.variants]
    grid = _as_matrix(matrix, len(refs))
    judgments, self_impacts = [], False
    for r, c in zip(*np.nonzero(grid)):
        block = (owner[r], owner[c])
        self_impacts = self_impacts or block[0] == block[1]
        text = _clean((rationales or {}).get(block))
        judgments.append(
            Judgment.model_validate({"from": refs[r], "to": refs[c], "impact": int(grid[r, c]), "rationale": text})
        )
    flag = self_impacts if allow_self_impacts is None else allow_self_impacts
    try:
        return Model(
            scenarist=1,
            id=id,
            title=title,
            description=_clean(description),
            descriptors=built,
            judgments=judgments,
            allow_self_impacts=flag,
            meta=dict(meta or {}),
        )
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        path = tuple(p for p in first["loc"] if isinstance(p, (str, int)))
        raise ModelError(first["msg"], Location(path=path)) from None


def matrix_of(model: Model) -> npt.NDArray[np.int64]:
    """The V×V int64 impact matrix of the model's primary judgments (rows = source variant).

    Raises :class:`ModelError` for a judgment naming an unknown variant; repeated
    judgments for one pair add up.
    """
    known = {f"{d.id}.{v.id}" for d in model.descriptors for v in d.variants}
    for k, j in enumerate(model.judgments):
        for field, ref in (("from", j.source), ("to", j.target)):
            if ref not in known:
                raise ModelError(f"unknown variant {ref!r}", Location(path=("judgments", k, field)))
        if abs(j.impact) > MAX_IMPACT:
            raise ModelError(f"impact {j.impact} is out of range", Location(path=("judgments", k, "impact")))
    matrix, _ = matrix_from_judgments(model, model.judgments)
    return matrix


_LINE_BREAK = re.compile(r"\r\n|\n|\r")


def split_lines(text: str) -> tuple[list[str], str, bool]:
    """Split text at CRLF, LF or CR: the lines, the first line break, and whether the text ends with one."""
    text = text.removeprefix("\ufeff")
    lines = _LINE_BREAK.split(text)
    first = _LINE_BREAK.search(text)
    final_newline = len(lines) > 1 and lines[-1] == ""
    if final_newline:
        lines.pop()
    return lines, first.group() if first else "\n", final_newline


def decode_text(data: bytes, file: str) -> tuple[str, str]:
    """Decode file bytes as UTF-8 (with or without BOM), else Windows-1252; returns (text, encoding)."""
    encodings = ("utf-8-sig", "cp1252") if data.startswith(b"\xef\xbb\xbf") else ("utf-8", "cp1252")
    for encoding in encodings:
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError as exc:
            error = exc
    start = error.start
    line = data.count(b"\n", 0, start) + 1
    column = start - (data.rfind(b"\n", 0, start) + 1) + 1
    raise ModelError(
        f"byte 0x{data[start]:02X} cannot be decoded as UTF-8 or Windows-1252 text", Location(file, line, column)
    )


def write_text(path: str | PathLike[str], text: str, encoding: str) -> None:
    """Write text without newline translation, in ``encoding`` or, if it cannot hold the text, UTF-8."""
    try:
        data = text.encode(encoding)
    except (UnicodeEncodeError, LookupError):
        data = text.encode("utf-8")
    try:
        Path(path).write_bytes(data)
    except OSError as exc:
        raise ModelError(f"cannot write the file: {exc.strerror or exc}", Location(str(path))) from None
