"""The matcher's general rules: hint phrases word for word, stems kept apart, negation, modality, roles."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from scenarist.model import load_model
from scenarist.model.schema import Model, SignpostMatch
from scenarist.news.match import HEDGE_FACTOR, ItemText, MatchResult, SignpostIndex, match_items
from scenarist.news.text import analyse, tokenize, words

if TYPE_CHECKING:
    from numpy.typing import NDArray

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
    # without targets (in the hints or the name) the roles are not checked: the actor may stand anywhere
    roles_off = _with_match("new_us_sanctions", SignpostMatch(actors=["U.S."]))
    r = match_items(roles_off, [ItemText(theirs, "", DAY)], threshold=0.3)
    assert _score(r, 0, "new_us_sanctions") == 0.0  # the name's "sanctions package on Russia" names a target
    signposts = [
        s.model_copy(update={"name": "New U.S. sanctions package"}) if s.id == "new_us_sanctions" else s
        for s in roles_off.signposts
    ]
    unnamed = roles_off.model_copy(update={"signposts": signposts})
    r = match_items(unnamed, [ItemText(theirs, "", DAY)], threshold=0.3)
    assert _score(r, 0, "new_us_sanctions") > 0.3


def test_the_thesaurus_folds_words_of_one_meaning_for_hints_not_for_ranking() -> None:
    assert words("levy") == words("duties") == words("tariff")
    assert words("kicks in") == words("takes effect")
    assert words("détente") == words("thaw") == words("truce")
    assert tokenize("levy") != tokenize("tariff")  # ranking keeps the words as written
    # a hint written with one word finds an item that uses another
    model = _with_match("us_ends_mediation", SignpostMatch(require=["mediator"]))
    title = "Washington quits its go-between role in Russia-Ukraine peace talks"
    lead = "The Secretary of State said the United States ends its role as go-between for Russia and Ukraine."
    r = match_items(model, [ItemText(title, lead, DAY)], threshold=0.3)
    assert _score(r, 0, "us_ends_mediation") > 0.3


def test_no_longer_is_the_step_not_a_negation() -> None:
    model = _with_match("us_ends_mediation", SignpostMatch(require=["broker"]))
    title = "U.S. will no longer broker talks between Russia and Ukraine, Rubio announces"
    denied = "U.S. will not broker talks between Russia and Ukraine, Rubio announces"
    r = match_items(model, [ItemText(title, "", DAY), ItemText(denied, "", DAY)], threshold=0.3)
    assert _score(r, 0, "us_ends_mediation") > 0.3
    assert _score(r, 1, "us_ends_mediation") == 0.0


def test_a_country_the_signpost_does_not_name_does_not_take_its_step() -> None:
    ours = "United States ends its mediation between Russia and Ukraine"
    theirs = "Turkey ends its mediation between Russia and Ukraine"
    lead = "It said it would no longer broker talks between the two sides."
    assert _top(MODEL, ours, lead) == "us_ends_mediation"
    assert _top(MODEL, theirs, lead) is None
    # a European government may pay for U.S. arms for Ukraine: the signpost names European governments
    lead = "Berlin will pay for the air-defence systems that the State Department approved for sale to Ukraine."
    assert _top(MODEL, "Germany pays for U.S. Patriot batteries headed to Kyiv", lead) == "eu_buys_us_arms_for_kyiv"


def test_a_target_that_opens_the_headline_acts() -> None:
    """'Russia imposes sanctions on U.S. lawmakers' is Russia acting, even when the lead names U.S.
    firms outside an 'on ...' phrase."""
    lead = "The measures target three U.S. arms makers and a dozen members of Congress, Moscow said."
    assert _top(MODEL, "Russia imposes sanctions on U.S. lawmakers", lead) is None
    # in a passive the subject is the one acted on
    lead = "The Treasury designated Russian banks over the war."
    assert _top(MODEL, "Moscow hit by new sanctions from U.S. Treasury over the war", lead) == "new_us_sanctions"
    ours = "U.S. imposes sanctions on Russian lawmakers"
    assert _top(MODEL, ours, "The measures target three Russian arms makers over the war, Treasury said.") == (
        "new_us_sanctions"
    )


def test_a_country_the_signpost_does_not_name_is_not_its_object() -> None:
    lead = "The Treasury designated the companies for supplying Russia's war effort."
    assert _top(MODEL, "U.S. sanctions Russian suppliers of drone parts", lead) == "new_us_sanctions"
    assert _top(MODEL, "U.S. sanctions Chinese suppliers of drone parts", lead) is None


def test_continuations_narrower_steps_and_unconfirmed_claims_are_hedges() -> None:
    plain = _with_match("embassies_normalised", None)
    titles = [
        "Russia and U.S. agree to lift caps on embassy staff",
        "Russia says U.S. agreed to lift caps on embassy staff; Washington silent",
        "Russia and U.S. agree to lift caps on embassy staff only",
    ]
    r = match_items(plain, [ItemText(t, "", DAY) for t in titles], threshold=0.0)
    taken = _score(r, 0, "embassies_normalised")
    assert taken > 0
    for i in (1, 2):
        assert _score(r, i, "embassies_normalised") <= taken * (HEDGE_FACTOR + 0.1)
    counted = dt.date(2026, 12, 10)
    won, kept = (
        "Democrats win House majority in certified results",
        "Republicans keep House majority in certified results",
    )
    r = match_items(MODEL, [ItemText(won, "", counted), ItemText(kept, "", counted)])
    assert [c.signpost_id for c in r.candidates if c.item == 0][:1] == ["democrats_win_house"]
    assert r.top(1) is None
    mediation = _with_match("us_ends_mediation", None)
    kept = "Rubio: U.S. will continue brokering Russia-Ukraine talks despite setbacks"
    ended = "Rubio: U.S. ends brokering Russia-Ukraine talks after setbacks"
    r = match_items(mediation, [ItemText(kept, "", DAY), ItemText(ended, "", DAY)], threshold=0.0)
    assert _score(r, 0, "us_ends_mediation") <= _score(r, 1, "us_ends_mediation") * (HEDGE_FACTOR + 0.1)


class _WordCosine:
    """A plain semantic stand-in for the embedding model: cosine of word-count vectors."""

    name = "words"

    def prepare(self, texts: Sequence[str]) -> None:
        return None

    def similarity(self, passages: Sequence[str], signposts: Sequence[str]) -> NDArray[np.float64]:
        vocab = {w: i for i, w in enumerate(sorted({w for t in [*passages, *signposts] for w in tokenize(t)}))}

        def vector(text: str) -> NDArray[np.float64]:
            v = np.zeros(len(vocab))
            for w in tokenize(text):
                v[vocab[w]] += 1.0
            norm = float(np.linalg.norm(v))
            return v / norm if norm else v

        return np.stack([vector(p) for p in passages]) @ np.stack([vector(s) for s in signposts]).T


def test_a_semantic_gate_meets_the_require_hint_and_nothing_else() -> None:
    """With a gate, a passage close in meaning to the signpost passes its ``require`` hint without the
    phrases; exclusions and hedges still hold, and without the gate the hint vetoes it."""
    model = _with_match("new_us_sanctions", SignpostMatch(require=["sanctions package"], exclude=["Britain"]))
    titles = [
        "Treasury designates Russian banks and state companies over the war",
        "Treasury designates Russian banks and state companies over the war, says Britain",
        "Treasury may designate Russian banks and state companies over the war",
    ]
    items = [ItemText(t, "", DAY) for t in titles]
    lexical = match_items(model, items, threshold=0.0)
    assert _score(lexical, 0, "new_us_sanctions") == 0.0  # no "sanctions package": vetoed
    index = SignpostIndex(model, gate=_WordCosine(), gate_at=0.1)
    gated = match_items(model, items, threshold=0.0, index=index)
    assert index.method == "bm25, words gate"
    passed = _score(gated, 0, "new_us_sanctions")
    assert passed > 0.3
    assert _score(gated, 1, "new_us_sanctions") == 0.0  # the exclusion still holds
    assert 0 < _score(gated, 2, "new_us_sanctions") <= passed * (HEDGE_FACTOR + 0.1)  # and the hedge
    strict = SignpostIndex(model, gate=_WordCosine(), gate_at=0.99)  # nothing is that close
    assert _score(match_items(model, items, threshold=0.0, index=strict), 0, "new_us_sanctions") == 0.0


def test_a_narrower_step_named_anywhere_hedges_the_whole_item() -> None:
    plain = _with_match("us_china_tariff_hike", None)
    title = "U.S. raises tariffs on Chinese goods as order takes effect"
    leads = [
        "The higher rate applies to all imports from China.",
        "The measure applies only to one sector, solar panels.",
        "Officials said the duties are limited to steel.",
        "It is a steel-only step, officials said.",
    ]
    r = match_items(plain, [ItemText(title, lead, DAY) for lead in leads], threshold=0.0)
    taken = _score(r, 0, "us_china_tariff_hike")
    assert taken > 0
    for i in (1, 2, 3):
        assert _score(r, i, "us_china_tariff_hike") <= taken * (HEDGE_FACTOR + 0.1)


def test_technical_matters_and_provisions_are_narrower_steps() -> None:
    counted = _with_match("embassies_normalised", None)
    title = "U.S. and Russia reach accord for their embassies"
    leads = ["Caps on embassy staff are lifted.", "It is a technical agreement on visas; caps on staff remain."]
    r = match_items(counted, [ItemText(title, lead, DAY) for lead in leads], threshold=0.0)
    assert _score(r, 1, "embassies_normalised") <= _score(r, 0, "embassies_normalised") * (HEDGE_FACTOR + 0.1)
    voted = _with_match("congress_passes_russia_sanctions", None)
    title = "House passes bill with new sanctions on Russia"
    leads = [
        "The bill imposes new sanctions on Russian banks.",
        "The defence bill includes several provisions on Russia.",
    ]
    r = match_items(voted, [ItemText(title, lead, DAY) for lead in leads], threshold=0.0)
    first = _score(r, 0, "congress_passes_russia_sanctions")
    assert first > 0
    assert _score(r, 1, "congress_passes_russia_sanctions") <= first * (HEDGE_FACTOR + 0.1)


def test_a_pause_with_the_next_round_set_is_not_an_end_unless_negated() -> None:
    title = "United States ends its mediation between Russia and Ukraine"
    ended = "It said it would no longer broker talks; no new round of talks has been held since."
    paused = "The next round is already set for June in Istanbul."
    assert _top(MODEL, title, ended) == "us_ends_mediation"
    assert _top(MODEL, title, paused) is None


def test_a_step_not_taken_yet_is_not_reported() -> None:
    plain = _with_match("eu_buys_us_arms_for_kyiv", None)
    title = "European allies pay for U.S. arms for Ukraine under new fund"
    leads = ["The first package, worth 500 million dollars, is financed.", "No package has been financed yet."]
    r = match_items(plain, [ItemText(title, lead, DAY) for lead in leads], threshold=0.0)
    first = _score(r, 0, "eu_buys_us_arms_for_kyiv")
    assert first > 0
    assert _score(r, 1, "eu_buys_us_arms_for_kyiv") <= first * (HEDGE_FACTOR + 0.1)


def test_holds_the_is_a_continuation_but_not_holding_responsible() -> None:
    counted = dt.date(2026, 12, 10)
    plain = _with_match("democrats_win_house", None)
    titles = ["Democrats take the House, certified results show", "Democrats hold the House, certified results show"]
    r = match_items(plain, [ItemText(t, "", counted) for t in titles], threshold=0.0)
    taken = _score(r, 0, "democrats_win_house")
    assert taken > 0
    assert _score(r, 1, "democrats_win_house") <= taken * (HEDGE_FACTOR + 0.1)
    lead = "President Trump said Russia bears the main responsibility for the failure of the talks."
    assert _top(MODEL, "Trump holds the Kremlin responsible for collapse of talks", lead) == "washington_blames_moscow"
    lead = "The accord names Russia as custodian of the enriched uranium, the State Department said."
    assert _top(MODEL, "Iran and U.S. sign nuclear accord; Russia to hold enriched uranium", lead) == (
        "russia_in_iran_deal"
    )


def test_a_legislature_stands_for_its_country() -> None:
    lead = "Lawmakers passed the bill imposing new sanctions on Russia by 300 votes."
    assert _top(MODEL, "House passes bill imposing new sanctions on Russia", lead) == "congress_passes_russia_sanctions"
    assert _top(MODEL, "Rada passes bill imposing new sanctions on Russia", lead) is None
    lead = "Lawmakers passed the bill imposing counter-sanctions on U.S. officials by 400 votes."
    assert _top(MODEL, "Duma passes bill imposing counter-sanctions on U.S.", lead) is None


def test_the_country_a_signposts_name_aims_at_does_not_take_its_step() -> None:
    """'A Russia sanctions bill': Russia is the target, so 'Kremlin approves counter-sanctions' is not it; the
    noun compound 'Russia sanctions bill' opening a headline is no subject."""
    lead = "The lawmakers voted for retaliatory measures against U.S. officials."
    assert _top(MODEL, "Kremlin approves bill imposing counter-sanctions on U.S.", lead) is None
    lead = "The lower chamber passed the bill 280 to 140, sending it to the Senate."
    assert _top(MODEL, "Russia sanctions bill clears the House", lead) == "congress_passes_russia_sanctions"


def test_a_joint_step_needs_the_parties_the_signpost_names() -> None:
    ours = "The agreement names Russia as custodian of Iran's enriched uranium."
    theirs = "The agreement does not involve Russia, U.S. officials said."
    title = "U.S. and Iran sign nuclear agreement"
    assert _top(MODEL, title, ours) == "russia_in_iran_deal"
    assert _top(MODEL, title, theirs) is None
