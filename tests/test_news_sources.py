"""Reading news sources: feeds (RSS, Atom), JSON Lines and CSV files, folders of saved articles; and the matcher."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from news_support import rss
from scenarist.model import load_model
from scenarist.model.schema import Model, SignpostMatch
from scenarist.news import NewsError
from scenarist.news.match import DEFAULT_THRESHOLD, ItemText, match_items
from scenarist.news.sources import MAX_ITEM_CHARS, parse_feed, read_file
from scenarist.news.text import passages, text_key, tokenize

MODEL = load_model("us-russia-2025")

ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Atom Desk</title><id>urn:desk</id>
<updated>2026-02-09T10:00:00Z</updated>
<entry><title>Washington and Brussels agree tariff truce</title><id>urn:desk:1</id>
<link href="https://desk.example/1"/><updated>2026-02-09T10:00:00Z</updated>
<summary type="html">&lt;p&gt;The United States and the &lt;b&gt;EU&lt;/b&gt; announced a deal.&lt;/p&gt;
</summary></entry>
</feed>"""


def test_rss_items_carry_title_text_link_guid_and_date() -> None:
    batch = parse_feed(rss(), where="mem", reliability=0.7)
    assert batch.source == "Example Wire" and not batch.problems
    first = batch.items[0]
    assert first.title.startswith("Treasury imposes") and first.url == "https://news.example/sanctions"
    assert first.guid == "https://news.example/sanctions" and first.published == dt.date(2025, 10, 22)
    assert first.reliability == 0.7 and first.source == "Example Wire"


def test_atom_summary_markup_is_stripped() -> None:
    [item] = parse_feed(ATOM, where="mem", source="Desk").items
    assert item.text == "The United States and the EU announced a deal." and item.source == "Desk"
    assert item.published == dt.date(2026, 2, 9) and item.guid == "urn:desk:1"


def test_a_document_that_is_not_a_feed_is_refused() -> None:
    with pytest.raises(NewsError, match="mem: not a"):
        parse_feed(b"plain words, no feed", where="mem")


def test_an_oversized_or_untitled_entry_is_left_out_with_a_message() -> None:
    huge = "word " * (MAX_ITEM_CHARS // 4)
    batch = parse_feed(
        rss(
            [
                ("Big", huge, "https://x.example/big", "Wed, 22 Oct 2025 10:00:00 GMT"),
                ("", "no title", "https://x.example/none", "Wed, 22 Oct 2025 10:00:00 GMT"),
                ("Fine", "ok", "https://x.example/ok", "Wed, 22 Oct 2025 10:00:00 GMT"),
            ]
        ),
        where="f",
    )
    assert [i.title for i in batch.items] == ["Fine"]
    assert any("entry 1: text: longer than" in p for p in batch.problems)
    assert any("entry 2: title: missing" in p for p in batch.problems)


def test_jsonl_and_csv_records(tmp_path: Path) -> None:
    rows = [
        {"title": "A", "summary": "first", "url": "https://x.example/a", "published": "2026-01-02", "source": "S"},
        {"title": "B", "text": "second"},
    ]
    jl = tmp_path / "items.jsonl"
    jl.write_text("\n".join(json.dumps(r) for r in rows) + "\n\n", encoding="utf-8")
    items = read_file(jl).items
    assert [(i.title, i.text, i.source, i.published) for i in items] == [
        ("A", "first", "S", dt.date(2026, 1, 2)),
        ("B", "second", "items", None),
    ]
    csv_file = tmp_path / "items.csv"
    csv_file.write_text("Title,Summary,URL,Published\nC,third,https://x.example/c,2026-03-04\n", encoding="utf-8")
    [c] = read_file(csv_file, source="Desk").items
    assert (c.title, c.url, c.source, c.published) == ("C", "https://x.example/c", "Desk", dt.date(2026, 3, 4))


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"title": "A"}\n{"title": "B", "published": "soon"}\n', r"items.jsonl:2: published: 'soon' is not a date"),
        ('{"summary": "no title"}\n', r"items.jsonl:1: title: missing"),
        ("{not json\n", r"items.jsonl:1: not valid JSON"),
        ("[1, 2]\n", r"items.jsonl:1: expected a JSON object"),
    ],
)
def test_bad_records_name_file_line_and_field(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "items.jsonl"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(NewsError, match=message):
        read_file(path)


def test_a_folder_of_saved_html_and_text(tmp_path: Path) -> None:
    para = "The Pentagon said it will withdraw a brigade of about 4,000 soldiers from Romania without replacement. "
    (tmp_path / "a.html").write_text(
        "<html><head><title>Pentagon to withdraw brigade from Romania</title>"
        '<meta property="article:published_time" content="2025-10-29"></head><body>'
        "<nav>Home | World | Sport</nav><article><h1>Pentagon to withdraw brigade from Romania</h1>"
        f"<p>{para * 3}</p><p>{para}</p></article><footer>Copyright</footer></body></html>",
        encoding="utf-8",
    )
    (tmp_path / "b.txt").write_text("Embassies back to normal\nBoth governments agreed.\n", encoding="utf-8")
    (tmp_path / "ignored.bin").write_bytes(b"\x00\x01")
    batch = read_file(tmp_path, source="Saved")
    html_item, txt_item = batch.items
    assert html_item.title == "Pentagon to withdraw brigade from Romania"
    assert (
        "withdraw a brigade" in html_item.text and "Copyright" not in html_item.text and "Sport" not in html_item.text
    )
    assert html_item.published == dt.date(2025, 10, 29)
    assert (txt_item.title, txt_item.text, txt_item.source) == (
        "Embassies back to normal",
        "Both governments agreed.",
        "Saved",
    )


def test_unknown_paths_and_kinds_are_refused(tmp_path: Path) -> None:
    with pytest.raises(NewsError, match="no such file"):
        read_file(tmp_path / "missing.jsonl")
    odd = tmp_path / "x.pdf"
    odd.write_bytes(b"%PDF")
    with pytest.raises(NewsError, match="unknown kind"):
        read_file(odd)


# ------------------------------------------------------------------ text and matching


def test_text_helpers() -> None:
    assert tokenize("U.S. sanctions") == tokenize("US sanction") == ["usa", "sanction"]
    assert "usa" not in tokenize("he told us")
    assert passages("Title", "The U.S. Treasury acted. Then more.") == [
        "Title",
        "Title. The U.S. Treasury acted.",
        "The U.S. Treasury acted.",
        "Then more.",
    ]
    assert text_key("Hello,  World!", "x") == text_key("hello world", "X.") != text_key("hello", "world x y")


def test_the_matcher_names_the_signpost_and_keeps_the_best_passage() -> None:
    items = [
        ItemText(
            "Brent posts a monthly average below $60",
            "The November average for Brent crude was $59.60.",
            dt.date(2025, 12, 1),
        ),
        ItemText("Local football club wins the cup", "The home side won 2-1 after extra time.", dt.date(2026, 1, 1)),
    ]
    result = match_items(MODEL, items)
    top = result.top(0)
    assert top is not None and top.signpost_id == "brent_below_60" and 0.5 <= top.score < 1
    assert "Brent" in top.passage and result.top(1) is None
    assert result.method == "bm25" and result.threshold == DEFAULT_THRESHOLD
    assert json.loads(json.dumps(result.to_dict()))["candidates"][0]["signpost"] == "brent_below_60"


def _with_match(match: SignpostMatch | None) -> Model:
    signposts = [s.model_copy(update={"match": match}) if s.id == "new_us_sanctions" else s for s in MODEL.signposts]
    return MODEL.model_copy(update={"signposts": signposts})


def test_hints_and_hedges_change_the_outcome() -> None:
    # no country opens the headline as its subject (which would keep Britain away without hints)
    item = ItemText("New sanctions package on Russia over the war announced in Britain", "", dt.date(2026, 1, 1))
    plain_model = _with_match(None)
    assert (top := match_items(plain_model, [item]).top(0)) is not None and top.signpost_id == "new_us_sanctions"
    hinted = _with_match(SignpostMatch(exclude=["Britain"]))
    after = match_items(hinted, [item]).top(0)
    assert after is None or after.signpost_id != "new_us_sanctions"
    required = _with_match(SignpostMatch(require=["Treasury", "State Department"]))
    treasury = ItemText("Treasury announces new sanctions package on Russia over the war", "", dt.date(2026, 1, 1))
    r = match_items(required, [item, treasury])
    assert r.top(0) is None or r.top(0).signpost_id != "new_us_sanctions"  # type: ignore[union-attr]
    assert (kept := r.top(1)) is not None and kept.signpost_id == "new_us_sanctions"
    hedged = ItemText("Senate debates new US sanctions package on Russia over the war", "", dt.date(2026, 1, 1))
    plain = ItemText("Treasury announces new US sanctions package on Russia over the war", "", dt.date(2026, 1, 1))
    r = match_items(plain_model, [hedged, plain], threshold=0.0)
    assert r.top(0) is not None and r.top(1) is not None and r.top(0).score < r.top(1).score  # type: ignore[union-attr]


def test_items_outside_the_model_window_get_no_candidate() -> None:
    text = "The monthly average price of Brent crude fell below 60 dollars in April."
    assert match_items(MODEL, [ItemText("Brent monthly average below $60", text, dt.date(2026, 5, 1))]).top(0)
    assert match_items(MODEL, [ItemText("Brent monthly average below $60", text, dt.date(2030, 5, 1))]).top(0) is None


def test_the_headline_frames_every_passage() -> None:
    """A veto or a hedge in the headline holds for the item's other sentences too."""
    lead = "The measures target Rosneft, Lukoil and a dozen Russian banks over the war in Ukraine."
    model = _with_match(SignpostMatch(exclude=["Britain"]))
    ours = ItemText("Treasury announces new sanctions package", lead, dt.date(2026, 1, 1))
    theirs = ItemText("Britain announces new sanctions package", lead, dt.date(2026, 1, 1))
    r = match_items(model, [ours, theirs], threshold=0.0)
    assert (top := r.top(0)) is not None and top.signpost_id == "new_us_sanctions"
    assert all(c.signpost_id != "new_us_sanctions" for c in r.candidates if c.item == 1)
    plain = _with_match(None)
    hedged = ItemText("Washington weighs new sanctions package", lead, dt.date(2026, 1, 1))
    r = match_items(plain, [ours, hedged], threshold=0.0)
    best = {c.item: c.score for c in r.candidates if c.signpost_id == "new_us_sanctions"}
    assert best[1] < 0.75 * best[0]  # every passage of the hedged item counts for half


def test_actors_are_a_second_required_group() -> None:
    item = ItemText("New sanctions package announced on Russia over the war", "", dt.date(2026, 1, 1))
    by_us = ItemText("Treasury: new sanctions package announced on Russia over the war", "", dt.date(2026, 1, 1))
    model = _with_match(SignpostMatch(actors=["Treasury", "State Department"]))
    r = match_items(model, [item, by_us], threshold=0.3)
    assert all(c.signpost_id != "new_us_sanctions" for c in r.candidates if c.item == 0)
    assert (top := r.top(1)) is not None and top.signpost_id == "new_us_sanctions"


def test_two_signposts_of_one_descriptor_scoring_alike_are_not_proposed() -> None:
    """When the words do not separate two signposts of one descriptor, neither is proposed."""
    item = ItemText("Trump blames Putin for the failure of the peace talks", "", dt.date(2026, 1, 1))
    assert (top := match_items(MODEL, [item]).top(0)) is not None and top.signpost_id == "washington_blames_moscow"
    moscow = next(s for s in MODEL.signposts if s.id == "washington_blames_moscow")
    twin = {"name": moscow.name, "observation": moscow.observation, "match": moscow.match}
    signposts = [s.model_copy(update=twin) if s.id == "washington_blames_kyiv" else s for s in MODEL.signposts]
    r = match_items(MODEL.model_copy(update={"signposts": signposts}), [item], threshold=0.0)
    assert not [c for c in r.candidates if c.signpost_id.startswith("washington_blames")]
