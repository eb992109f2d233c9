"""The bundled model's own promises: disjoint family cores, no judgment backwards in time,
signpost windows inside the model window, and questions linked to the signposts that settle them."""

from __future__ import annotations

import pytest

from scenarist.model import compile_model
from scenarist.model.load import bundled_models, load_model
from scenarist.model.schema import Model

BUNDLED = "us-russia-2025"


@pytest.fixture(scope="module")
def model() -> Model:
    return load_model(BUNDLED)


def _allowed(value: str | list[str]) -> set[str]:
    return {value} if isinstance(value, str) else set(value)


def test_the_bundled_model_is_listed_and_compiles(model: Model) -> None:
    assert BUNDLED in bundled_models()
    assert compile_model(model).n_descriptors == len(model.descriptors)


def test_family_cores_are_small_and_no_scenario_matches_two(model: Model) -> None:
    families = [s for s in model.scenarios if s.kind == "family"]
    assert families and all(len(f.core) <= 3 for f in families)
    for i, a in enumerate(families):
        for b in families[i + 1 :]:
            shared = set(a.core) & set(b.core)
            # two cores can both hold only if they agree somewhere on every shared descriptor
            assert any(not (_allowed(a.core[d]) & _allowed(b.core[d])) for d in shared), (a.id, b.id)


def test_lenses_stay_out_of_the_partition(model: Model) -> None:
    compiled = compile_model(model)
    lenses = {s.id for s in model.scenarios if s.kind == "lens"}
    assert lenses and not lenses & set(compiled.named_ids)


def test_no_judgment_runs_backwards_in_time(model: Model) -> None:
    as_of = {d.id: d.as_of for d in model.descriptors}
    assert any(as_of.values()), "the model dates at least one descriptor"
    for j in model.judgments:
        source, target = as_of[j.source.split(".")[0]], as_of[j.target.split(".")[0]]
        if source is not None:
            # an undated descriptor stands for decisions taken throughout the window, most before a dated result
            assert target is not None and target >= source, (j.source, j.target)


def test_signpost_windows_lie_inside_the_model_window(model: Model) -> None:
    assert model.start is not None and model.horizon is not None
    for s in model.signposts:
        if s.window is None:
            continue
        start = s.window.start or model.start
        end = s.window.end or model.horizon
        assert model.start <= start < end <= model.horizon, s.id


def test_questions_name_the_signposts_that_settle_them(model: Model) -> None:
    signposts = {s.id: s for s in model.signposts}
    linked = {q.id: q.signpost for q in model.forecasts if q.signpost is not None}
    assert linked == {
        "democrats_regain_congress": "democrats_win_house",
        "us_drops_mediation": "us_ends_mediation",
        "new_sanctions_package": "new_us_sanctions",
        "eu_may_buy_us_arms": "eu_buys_us_arms_for_kyiv",
        "embassies_restored": "embassies_normalised",
    }
    for q in model.forecasts:
        if q.signpost is None or q.event is None:
            continue
        sp = signposts[q.signpost]
        assert sp.descriptor == q.event.descriptor, q.id
        # the question's window closes no earlier than the signpost's, so the signpost's event can settle it
        end = sp.window.end if sp.window and sp.window.end else model.horizon
        assert end is not None and end <= q.close_date, q.id


def test_the_window_opens_on_the_article_date_and_holds_every_question(model: Model) -> None:
    article = next(src for src in model.sources if src.id == "article")
    assert model.start == article.date and model.horizon is not None
    for q in model.forecasts:
        assert model.start < q.close_date <= model.horizon, q.id
