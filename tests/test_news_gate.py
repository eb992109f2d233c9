"""The semantic gate reaches the news service: ``add_source`` and the proposals it stores."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray

from scenarist.evidence import Ledger, open_ledger
from scenarist.model import load_model
from scenarist.model.schema import Model, SignpostMatch
from scenarist.news.service import add_source

BUNDLED = load_model("us-russia-2025")


class _CloseToEverything:
    """A semantic stand-in (the embed extra is not installed for the tests) that finds every passage close."""

    name = "everything"

    def prepare(self, texts: Sequence[str]) -> None:
        return None

    def similarity(self, passages: Sequence[str], signposts: Sequence[str]) -> NDArray[np.float64]:
        return np.ones((len(passages), len(signposts)))


def _model() -> Model:
    """The bundled model with one signpost whose ``require`` hint the item below never meets."""
    match = SignpostMatch(require=["sanctions package"])
    signposts = [s.model_copy(update={"match": match}) if s.id == "new_us_sanctions" else s for s in BUNDLED.signposts]
    return BUNDLED.model_copy(update={"signposts": signposts})


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[Ledger]:
    with open_ledger(tmp_path / "ledger.sqlite") as opened:
        yield opened


def _items(tmp_path: Path, name: str, day: int) -> Path:
    path = tmp_path / name
    item = {
        "title": f"Treasury designates Russian banks and state companies over the war (March {day})",
        "summary": f"On March {day} the Treasury added Russian banks and state companies to its list.",
        "url": f"https://wire.example/{name}",
        "published": str(dt.date(2026, 3, day)),
        "source": "Wire",
    }
    path.write_text(json.dumps(item) + "\n", encoding="utf-8")
    return path


def test_the_gate_given_to_the_service_opens_a_vetoed_report(tmp_path: Path, ledger: Ledger) -> None:
    model = _model()
    plain = add_source(ledger, str(_items(tmp_path, "a.jsonl", 2)), [model], threshold=0.0)
    assert plain.stored == 1
    assert "new_us_sanctions" not in {p.signpost_id for p in plain.proposals}  # vetoed by the require hint

    gated = add_source(ledger, str(_items(tmp_path, "b.jsonl", 3)), [model], threshold=0.0, gate=_CloseToEverything())
    assert gated.stored == 1
    chosen = [p for p in gated.proposals if p.signpost_id == "new_us_sanctions"]
    assert chosen, [p.signpost_id for p in gated.proposals]
    assert chosen[0].method.endswith("everything gate")
