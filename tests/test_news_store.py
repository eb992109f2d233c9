"""The news tables on SQLite and PostgreSQL: dedup, proposals once, decisions kept, accept records evidence."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from news_support import ledger_location
from scenarist.errors import ConflictError, InputError
from scenarist.evidence import EvidenceInput, LedgerError, NewsStore, open_ledger
from scenarist.evidence.ledger import Ledger
from scenarist.evidence.news_store import NewsItemInput, ProposalInput
from scenarist.news.service import accept, decide, evidence_source, propose
from scenarist.news.text import text_key
from scenarist.service import Loaded, load

LOADED = load("us-russia-2025")
MODEL = LOADED.model


def _item(title: str, text: str = "", **values: object) -> NewsItemInput:
    return NewsItemInput(
        source=str(values.pop("source", "Wire")), title=title, text=text, text_key=text_key(title, text), **values
    )  # type: ignore[arg-type]


SANCTIONS = _item(
    "Treasury imposes sweeping sanctions on Rosneft and Lukoil",
    "The U.S. Treasury announced a new package of sanctions on Russian oil companies in response to the war.",
    url="https://wire.example/a",
    published=dt.date(2025, 10, 22),
    reliability=0.8,
)


@pytest.fixture(params=["sqlite", "postgresql"])
def ledger(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Ledger]:
    with ledger_location(request.param, tmp_path) as url, open_ledger(url) as opened:
        yield opened


def test_items_are_deduplicated_by_url_entry_id_and_normalised_text(ledger: Ledger) -> None:
    store = NewsStore(ledger)
    first = _item("Embassies reopen", "Both sides agreed.", url="https://x.example/1", guid="g1")
    stored, skipped = store.add_items([first])
    assert len(stored) == 1 and skipped == 0 and stored[0].fetched_at.tzinfo is not None
    same_url = _item("Another title", "other text", url="https://x.example/1")
    same_guid = _item("Third title", "more", guid="g1")
    same_text = _item("EMBASSIES   reopen!", "both sides agreed")
    fresh = _item("Arctic project announced", "Joint venture.", url="https://x.example/2")
    stored, skipped = store.add_items([same_url, same_guid, same_text, fresh])
    assert [s.title for s in stored] == ["Arctic project announced"] and skipped == 3
    assert [i.title for i in store.list_items()] == ["Embassies reopen", "Arctic project announced"]


def test_a_bad_item_stores_nothing(ledger: Ledger) -> None:
    store = NewsStore(ledger)
    with pytest.raises(LedgerError, match="reliability"):
        store.add_items([_item("fine"), _item("bad", reliability=1.5)])
    assert store.list_items() == []


def test_feeds_register_once_and_keep_their_validators(ledger: Ledger) -> None:
    from scenarist.evidence.news_store import FeedPoll

    store = NewsStore(ledger)
    feed = store.add_feed("https://wire.example/rss", "Wire", 0.7)
    with pytest.raises(LedgerError, match="already registered"):
        store.add_feed("https://wire.example/rss", "Again")
    polled = store.record_poll(feed.id, FeedPoll('"abc"', "Wed, 22 Oct 2025 12:00:00 GMT", None))
    assert polled.etag == '"abc"' and polled.polled_at is not None and polled.last_error is None
    failed = store.record_poll(feed.id, FeedPoll(None, None, "timed out"))
    assert failed.etag == '"abc"' and failed.last_error == "timed out"


def test_proposal_flow_accept_reject_defer(ledger: Ledger) -> None:
    store = NewsStore(ledger)
    items, _ = store.add_items([SANCTIONS])
    made = propose(ledger, [MODEL], items)
    assert made and made[0].signpost_id == "new_us_sanctions" and made[0].status == "open"
    assert "Treasury" in made[0].passage
    assert propose(ledger, [MODEL], items) == []  # once per item, model and signpost

    done = accept(ledger, LOADED, made[0].id)
    assert done.status == "accepted" and done.evidence_id is not None
    [ev] = ledger.list_evidence(MODEL.id)
    assert ev.id == done.evidence_id and ev.signpost_id == "new_us_sanctions" and ev.observed
    assert ev.source == evidence_source(items[0]) == "Wire: " + SANCTIONS.title
    assert ev.url == SANCTIONS.url and ev.date == dt.date(2025, 10, 22) and ev.reliability == 0.8
    with pytest.raises(ConflictError, match="already accepted"):
        accept(ledger, LOADED, made[0].id)
    assert propose(ledger, [MODEL], items) == []  # decided: not proposed again

    other, _ = store.add_items(
        [
            _item(
                "US and EU strike deal capping tariffs at 15%",
                "Washington and the EU announced an agreement that caps tariffs on goods.",
                published=dt.date(2025, 7, 27),
            )
        ]
    )
    [p] = [p for p in propose(ledger, [MODEL], other) if p.signpost_id == "us_eu_trade_deal"]
    assert decide(ledger, p.id, "deferred").status == "deferred"
    assert [x.id for x in store.list_proposals(MODEL.id, ("deferred",))] == [p.id]
    assert decide(ledger, p.id, "rejected", "not a truce").status == "rejected"
    with pytest.raises(LedgerError, match="already rejected"):
        decide(ledger, p.id, "deferred")
    assert store.list_proposals(MODEL.id) == []
    assert len(ledger.list_evidence(MODEL.id)) == 1


def test_a_signpost_already_observed_from_that_source_is_not_proposed(ledger: Ledger) -> None:
    ledger.add_evidence(EvidenceInput(MODEL.id, "new_us_sanctions", True, dt.date(2025, 10, 1), "Wire: earlier report"))
    items, _ = NewsStore(ledger).add_items([SANCTIONS])
    assert all(p.signpost_id != "new_us_sanctions" for p in propose(ledger, [MODEL], items))
    other, _ = NewsStore(ledger).add_items(
        [
            _item(
                SANCTIONS.title + " (second outlet)", SANCTIONS.text, source="Other Desk", published=SANCTIONS.published
            )
        ]
    )
    assert any(p.signpost_id == "new_us_sanctions" for p in propose(ledger, [MODEL], other))


def test_items_outside_the_window_are_not_proposed(ledger: Ledger) -> None:
    late = _item(SANCTIONS.title, SANCTIONS.text, published=dt.date(2031, 1, 5))
    items, _ = NewsStore(ledger).add_items([late])
    assert propose(ledger, [MODEL], items) == []


def load_other() -> Loaded:
    other = MODEL.model_copy(update={"id": "other"})
    return Loaded(other, LOADED.compiled)


def test_decisions_are_checked(ledger: Ledger) -> None:
    store = NewsStore(ledger)
    with pytest.raises(LedgerError, match="no proposal"):
        store.decide(99, "rejected")
    items, _ = store.add_items([SANCTIONS])
    [p, *_] = store.add_proposals([ProposalInput(items[0].id, MODEL.id, "new_us_sanctions", 0.9, "x", "bm25")])
    with pytest.raises(LedgerError, match="names its evidence"):
        store.decide(p.id, "accepted")
    with pytest.raises(InputError, match="rejected or deferred"):
        decide(ledger, p.id, "accepted")
    with pytest.raises(InputError, match="not 'other'"):
        accept(ledger, load_other(), p.id)
