"""The matcher's general rules: hint phrases word for word, stems kept apart, negation, modality, roles."""

from __future__ import annotations

import datetime as dt

from scenarist.model import load_model
from scenarist.model.schema import Model, SignpostMatch
from scenarist.news.match import HEDGE_FACTOR, ItemText, MatchResult, match_items
from scenarist.news.text import analyse, tokenize, words

MODEL = load_model("us-russia-2025")
DAY = dt.date(2026, 3, 2)


def _with_match(signpost_id: str, match: SignpostMatch | None) -> Model:
    signposts = [s.model_copy(update={"match": match}) if s.id == signpost_id else s for s in MODEL.signposts]
    return MODEL.model_copy(update={"signposts": signposts})


def _score(result: MatchResult, item: int, signpost_id: str) -> float:
    return max((c.score for c in result.candidates if c.item == item and c.signpost_id == signpost_id), default=0.0)


def _top(model: Model, title: str, text: str = "") -> str | None:
    top = match_items(model, [ItemText(title, text, DAY)]).top(0)
    return top.signpost_id if top else None


def test_words_keep_stopwords_that_tokens_drop() -> None:
    every, content = analyse("The Secretary of State calls on Moscow")
    assert every == words("The Secretary of State calls on Moscow")
    assert content == tokenize("The Secretary of State calls on Moscow")
    assert "of" in every and "on" in every and "of" not in content and "on" not in content


def test_hint_phrases_match_word_for_word_with_their_stopwords() -> None:
    """'on the table' is a hedge-like exclusion; a 'table' elsewhere in the passage is not it."""
    model = _with_match("new_us_sanctions", SignpostMatch(exclude=["on the table"]))
    tabled = "Treasury announces new sanctions package on Russia over the war, more steps on the table"
    listed = "Treasury announces new sanctions package on Russia over the war, a table of targets attached"
    r = match_items(model, [ItemText(tabled, "", DAY), ItemText(listed, "", DAY)], threshold=0.3)
    assert _score(r, 0, "new_us_sanctions") == 0.0
    assert _score(r, 1, "new_us_sanctions") > 0.3


def test_a_senator_is_not_the_senate() -> None:
    assert tokenize("Senator") == tokenize("senators") != tokenize("Senate")
    # the bundled hints exclude the Senate from Treasury sanctions (a bill is not a designation);
    # a senator welcoming the Treasury's step does not make it one
    assert tokenize("Senate") == tokenize("Senate's")[:1]
    item = "Treasury sanctions Russian banks over the war; Senator welcomes the step"
    assert _top(MODEL, item) == "new_us_sanctions"
    assert _top(MODEL, "Treasury sanctions Russian banks over the war; Senate welcomes the step") is None


def test_a_negated_required_phrase_does_not_count() -> None:
    model = _with_match("new_us_sanctions", SignpostMatch(require=["sanctions package"]))
    done = "Treasury announces sanctions package on Russian banks over the war"
    denied = "Treasury announces no sanctions package on Russian banks over the war"
    far = "No surprise as Treasury announces sanctions package on Russian banks over the war"
    r = match_items(model, [ItemText(t, "", DAY) for t in (done, denied, far)], threshold=0.3)
    assert _score(r, 0, "new_us_sanctions") > 0.3
    assert _score(r, 1, "new_us_sanctions") == 0.0
    assert _score(r, 2, "new_us_sanctions") > 0.3  # the negation is too far away to reach the phrase


def test_plans_and_studies_are_not_steps_taken() -> None:
    plain = _with_match("us_troop_cut_europe", None)
    titles = [
        "Pentagon withdraws brigade from Europe, cutting troops",
        "Pentagon studies withdrawing brigade from Europe, cutting troops",
        "Pentagon plans to withdraw brigade from Europe, cutting troops",
        "Pentagon puts withdrawal of brigade from Europe on hold, cutting troops",
    ]
    r = match_items(plain, [ItemText(t, "", DAY) for t in titles], threshold=0.0)
    taken = _score(r, 0, "us_troop_cut_europe")
    assert taken > 0
    for i in (1, 2, 3):
        assert _score(r, i, "us_troop_cut_europe") <= taken * (HEDGE_FACTOR + 0.1)


def test_a_speaker_who_is_not_an_actor_does_not_count() -> None:
    """Washington blaming Moscow needs Washington to speak; Kyiv saying the same is another signpost's news."""
    lead = "The President of Ukraine said the Kremlin bears sole responsibility for the failed talks."
    assert _top(MODEL, "Zelensky: the Kremlin alone is to blame for the failed talks", lead) is None
    assert _top(MODEL, "Macron blames the Kremlin alone for the failed talks", lead) is None
    lead = "The President said the Kremlin bears sole responsibility for the failed talks."
    ours = "Trump: the Kremlin alone is to blame for the failed talks"
    assert _top(MODEL, ours, lead) == "washington_blames_moscow"


def test_a_target_that_speaks_is_not_the_one_blamed() -> None:
    lead = "Putin's spokesman said President Trump bears the blame for the failure of the talks."
    assert _top(MODEL, "Kremlin blames Trump for the failure of the peace talks", lead) != "washington_blames_moscow"
    lead = "The President said Putin bears the blame for the failure of the talks."
    assert _top(MODEL, "Trump blames Kremlin for the failure of the peace talks", lead) == "washington_blames_moscow"


def test_the_agent_of_a_passive_is_the_one_acting() -> None:
    ours = "Russian banks sanctioned by the U.S. Treasury over the war"
    theirs = "U.S. firms sanctioned by Russia over the war"
    assert _top(MODEL, ours) == "new_us_sanctions"
    assert _top(MODEL, theirs) != "new_us_sanctions"


def test_an_actor_named_as_the_object_does_not_act() -> None:
    ours = "U.S. imposes new sanctions on Russian defence firms over the war"
    theirs = "Russia imposes new sanctions on U.S. defence firms over the war"
    assert _top(MODEL, ours) == "new_us_sanctions"
    assert _top(MODEL, theirs) != "new_us_sanctions"
    # without targets the roles are not checked: the actor may stand anywhere
    roles_off = _with_match("new_us_sanctions", SignpostMatch(actors=["U.S."]))
    r = match_items(roles_off, [ItemText(theirs, "", DAY)], threshold=0.3)
    assert _score(r, 0, "new_us_sanctions") > 0.3
