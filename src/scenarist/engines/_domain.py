"""The search domain: which variants each descriptor may take, and which descriptors are checked."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from scenarist.model.compile import CompiledModel

__all__ = ["Domain", "domain_of"]


@dataclass(frozen=True)
class Domain:
    """Which variants each descriptor may take in a search, and which descriptors are checked."""

    allowed: tuple[tuple[int, ...], ...]
    checked: tuple[bool, ...]

    @property
    def size(self) -> int:
        size = 1
        for a in self.allowed:
            size *= len(a)
        return size

    @property
    def fixed_positions(self) -> dict[int, int]:
        """Descriptor index → forced variant index, for the descriptors held by an intervention."""
        return {k: a[0] for k, a in enumerate(self.allowed) if not self.checked[k]}


def domain_of(model: CompiledModel, fixed: Mapping[str, str] | None = None) -> Domain:
    """The search domain: every variant free, except descriptors fixed to one variant."""
    fixed = dict(fixed or {})
    forced = model.indices_of({**model.variants_of([0] * model.n_descriptors), **fixed}) if fixed else ()
    allowed: list[tuple[int, ...]] = []
    checked: list[bool] = []
    for k, d in enumerate(model.descriptor_ids):
        if d in fixed:
            allowed.append((forced[k],))
            checked.append(False)
        else:
            allowed.append(tuple(range(int(model.counts[k]))))
            checked.append(True)
    return Domain(tuple(allowed), tuple(checked))
