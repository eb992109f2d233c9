"""Compile a validated model into the arrays the engines work on."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from scenarist.errors import EngineError
from scenarist.model.families import FamilyTable
from scenarist.model.schema import Assignment, Judgment, Model, Signpost

__all__ = ["CompiledModel", "CompiledSignpost", "Indices", "compile_members", "compile_model", "matrix_from_judgments"]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
Indices = Sequence[int] | npt.NDArray[np.int64]
"""0-based variant indices, one per descriptor."""


@dataclass(frozen=True, eq=False)
class CompiledSignpost:
    """A signpost as arrays: ``likelihood[i]`` = P(observed | descriptor takes variant i)."""

    id: str
    descriptor: int
    likelihood: FloatArray


@dataclass(frozen=True, eq=False)
class CompiledModel:
    """A model as arrays, indexed in model order.

    ``matrix[r, c]`` is the impact of source variant ``r`` on target variant ``c`` (flat
    variant indices; descriptor ``d`` owns ``offsets[d]:offsets[d+1]``). ``named`` holds one
    boolean mask over flat variants per named scenario: a scenario falls into it when each
    of its variants is allowed by the mask.
    """

    id: str
    title: str
    descriptor_ids: tuple[str, ...]
    variant_ids: tuple[tuple[str, ...], ...]
    counts: IntArray
    offsets: IntArray
    matrix: IntArray
    confidence: IntArray
    named_ids: tuple[str, ...] = ()
    named_masks: BoolArray = field(default_factory=lambda: np.zeros((0, 0), dtype=bool))
    self_impacts: bool = False
    priors: tuple[FloatArray | None, ...] = ()
    default_confidence: int = 3
    signposts: tuple[CompiledSignpost, ...] = ()
    families: FamilyTable | None = None
    revision: str = ""

    @property
    def lens_ids(self) -> tuple[str, ...]:
        return self.families.lens_ids if self.families is not None else ()

    @property
    def n_descriptors(self) -> int:
        return len(self.descriptor_ids)

    @property
    def n_variants(self) -> int:
        return int(self.offsets[-1])

    @property
    def scenario_space(self) -> int:
        """Number of complete scenarios (exact Python int; may exceed int64)."""
        size = 1
        for c in self.counts.tolist():
            size *= int(c)
        return size

    def descriptor_of(self) -> IntArray:
        """For each flat variant, the index of its descriptor."""
        return np.repeat(np.arange(self.n_descriptors, dtype=np.int64), self.counts)

    def variants_of(self, indices: Indices) -> dict[str, str]:
        """Map 0-based variant indices (one per descriptor) to ``{descriptor_id: variant_id}``."""
        return {d: self.variant_ids[k][int(i)] for k, (d, i) in enumerate(zip(self.descriptor_ids, indices))}

    def indices_of(self, assignment: Mapping[str, str]) -> tuple[int, ...]:
        """Map a complete ``{descriptor_id: variant_id}`` assignment to 0-based indices."""
        missing = [d for d in self.descriptor_ids if d not in assignment]
        unknown = [d for d in assignment if d not in self.descriptor_ids]
        if missing or unknown:
            raise EngineError(
                "a scenario needs exactly one variant per descriptor"
                + (f"; missing: {', '.join(missing)}" if missing else "")
                + (f"; unknown descriptor: {', '.join(unknown)}" if unknown else "")
            )
        out = []
        for k, d in enumerate(self.descriptor_ids):
            v = assignment[d]
            if v not in self.variant_ids[k]:
                raise EngineError(
                    f"descriptor {d!r} has no variant {v!r}; expected one of {', '.join(self.variant_ids[k])}"
                )
            out.append(self.variant_ids[k].index(v))
        return tuple(out)

    def flat_indices(self, rows: IntArray) -> IntArray:
        """Each row of 0-based variant indices as one mixed-radix number (last descriptor fastest)."""
        flat = np.zeros(len(rows), dtype=np.int64)
        for k in range(self.n_descriptors):
            flat = flat * int(self.counts[k]) + rows[:, k]
        return flat

    def unflat(self, flat: int) -> tuple[int, ...]:
        """The 0-based variant indices of a mixed-radix scenario number (inverse of :meth:`flat_indices`)."""
        out = []
        for c in reversed(self.counts.tolist()):
            out.append(int(flat % c))
            flat //= c
        return tuple(reversed(out))

    def named_of(self, indices: Indices) -> tuple[str, ...]:
        """The family a complete scenario belongs to, as a one-element tuple (empty: none of these)."""
        if not self.named_ids or self.families is None:
            return ()
        k = int(self.families.family_index(np.asarray(indices, dtype=np.int64)[None, :])[0])
        return () if k < 0 else (self.named_ids[k],)

    def family_index(self, rows: IntArray) -> IntArray:
        """For each row of variant indices, its family's position in ``named_ids`` (-1: none of these)."""
        if self.families is None:
            return np.full(len(rows), -1, dtype=np.int64)
        return self.families.family_index(rows)

    def lenses_of(self, indices: Indices) -> tuple[str, ...]:
        """The lenses that hold in a complete scenario."""
        if self.families is None or not self.families.lens_ids:
            return ()
        held = self.families.lens_matrix(np.asarray(indices, dtype=np.int64)[None, :])[:, 0].tolist()
        return tuple(n for n, hit in zip(self.families.lens_ids, held) if hit)


def _flat_index(model: Model) -> dict[str, int]:
    index: dict[str, int] = {}
    for d in model.descriptors:
        for v in d.variants:
            index[f"{d.id}.{v.id}"] = len(index)
    return index


def matrix_from_judgments(model: Model, judgments: Sequence[Judgment]) -> tuple[IntArray, IntArray]:
    """The impact matrix and the confidence matrix (0 = not stated) of a judgment list.

    The model must be valid (see :func:`scenarist.model.validate.validate_model`).
    Repeated judgments for one pair add up.
    """
    index = _flat_index(model)
    size = len(index)
    matrix = np.zeros((size, size), dtype=np.int64)
    confidence = np.zeros((size, size), dtype=np.int64)
    for j in judgments:
        r, c = index[j.source], index[j.target]
        matrix[r, c] += j.impact
        if j.confidence is not None:
            confidence[r, c] = j.confidence
    return matrix, confidence


def compile_model(model: Model) -> CompiledModel:
    """Compile a valid model (primary judgment set) into a :class:`CompiledModel`."""
    counts = np.array([len(d.variants) for d in model.descriptors], dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    matrix, confidence = matrix_from_judgments(model, model.judgments)
    desc_pos = {d.id: k for k, d in enumerate(model.descriptors)}
    families = _family_table(model, offsets, desc_pos)
    masks = families.core.copy()
    priors = tuple(_prior(d.prior, [v.id for v in d.variants]) for d in model.descriptors)
    signposts = tuple(
        CompiledSignpost(
            s.id,
            desc_pos[s.descriptor],
            np.array(
                [
                    s.likelihoods.get(v.id, s.default_likelihood)
                    for v in model.descriptors[desc_pos[s.descriptor]].variants
                ],
                dtype=np.float64,
            ),
        )
        for s in model.signposts
    )
    block = np.repeat(np.arange(len(counts)), counts)
    self_impacts = bool(np.any(matrix[block[:, None] == block[None, :]]))
    for arr in (counts, offsets, matrix, confidence, masks):
        arr.setflags(write=False)
    return CompiledModel(
        id=model.id,
        title=model.title,
        descriptor_ids=tuple(d.id for d in model.descriptors),
        variant_ids=tuple(tuple(v.id for v in d.variants) for d in model.descriptors),
        counts=counts,
        offsets=offsets,
        matrix=matrix,
        confidence=confidence,
        named_ids=families.family_ids,
        named_masks=masks,
        self_impacts=self_impacts,
        priors=priors,
        default_confidence=model.default_confidence,
        signposts=signposts,
        families=families,
        revision=model_revision(model),
    )


def model_revision(model: Model) -> str:
    """A short content hash of the model (its canonical JSON): the revision derived figures record."""
    import hashlib
    import json

    text = json.dumps(model.model_dump(mode="json", by_alias=True), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def _assignment_masks(
    assignments: list[Assignment], model: Model, offsets: IntArray, desc_pos: Mapping[str, int]
) -> tuple[BoolArray, BoolArray]:
    """(allowed variants, constrained descriptors) for each partial assignment."""
    allowed = np.ones((len(assignments), int(offsets[-1])), dtype=bool)
    constrained = np.zeros((len(assignments), len(model.descriptors)), dtype=bool)
    for s, assignment in enumerate(assignments):
        for d_id, wanted_ids in assignment.items():
            k = desc_pos[d_id]
            constrained[s, k] = True
            wanted = {wanted_ids} if isinstance(wanted_ids, str) else set(wanted_ids)
            for i, v in enumerate(model.descriptors[k].variants):
                allowed[s, offsets[k] + i] = v.id in wanted
    return allowed, constrained


def _family_table(model: Model, offsets: IntArray, desc_pos: Mapping[str, int]) -> FamilyTable:
    fams = [s for s in model.scenarios if s.kind == "family"]
    lenses = [s for s in model.scenarios if s.kind == "lens"]
    core, core_desc = _assignment_masks([f.core for f in fams], model, offsets, desc_pos)
    typical, typical_desc = _assignment_masks([f.typical for f in fams], model, offsets, desc_pos)
    lens, _ = _assignment_masks([s.core for s in lenses], model, offsets, desc_pos)
    for arr in (core, core_desc, typical, typical_desc, lens):
        arr.setflags(write=False)
    return FamilyTable(
        offsets=offsets,
        family_ids=tuple(f.id for f in fams),
        core=core,
        core_desc=core_desc,
        typical=typical,
        typical_desc=typical_desc,
        lens_ids=tuple(s.id for s in lenses),
        lenses=lens,
        max_distance=model.families.max_distance,
    )


def _signpost(signpost: Signpost, k: int, model: Model) -> CompiledSignpost:
    variants = model.descriptors[k].variants
    values = [signpost.likelihoods.get(v.id, signpost.default_likelihood) for v in variants]
    return CompiledSignpost(signpost.id, k, np.array(values, dtype=np.float64))


def _prior(prior: Mapping[str, float] | None, variant_ids: Sequence[str]) -> FloatArray | None:
    if prior is None:
        return None
    weights = np.array([prior.get(v, 0.0) for v in variant_ids], dtype=np.float64)
    normalised: FloatArray = weights / weights.sum()
    return normalised


def compile_members(model: Model) -> dict[str, CompiledModel]:
    """One compiled model per judgment set (ensemble member), keyed by the set's id."""
    from dataclasses import replace

    base = compile_model(model)
    members = {}
    for js in model.judgment_sets:
        matrix, confidence = matrix_from_judgments(model, js.judgments)
        matrix.setflags(write=False)
        confidence.setflags(write=False)
        members[js.id] = replace(base, matrix=matrix, confidence=confidence)
    return members
