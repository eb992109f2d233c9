"""Signposts and evidence: hand-computed Bayes updates, information gain, the watch list and the timeline."""

from __future__ import annotations

import datetime as dt
import math
from functools import cache

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from scenarist.engines.bayes import (
    Distribution,
    Observation,
    information_gain,
    posterior,
    report_likelihood,
    timeline,
    watch_list,
)
from scenarist.errors import EngineError
from scenarist.model import compile_model, parse_model
from scenarist.model.compile import CompiledModel, CompiledSignpost

MODEL = """
scenarist: 1
id: bayes-test
title: Two descriptors with signposts
descriptors:
  - id: A
    name: A
    variants:
      - {id: a0, name: A0}
      - {id: a1, name: A1}
  - id: B
    name: B
    variants:
      - {id: b0, name: B0}
      - {id: b1, name: B1}
      - {id: b2, name: B2}
scenarios:
  - {id: calm, name: Calm, variants: {A: a0}}
  - {id: storm, name: Storm, core: {A: a1, B: b1}}
  - {id: high_b, name: High B, kind: lens, core: {B: b2}}
signposts:
  - {id: s_a, name: SA, observation: seen A, descriptor: A, likelihoods: {a0: 0.8, a1: 0.1}}
  - {id: s_b, name: SB, observation: seen B, descriptor: B, likelihoods: {b0: 0.3, b1: 0.6}}
  - {id: flat, name: Flat, observation: uninformative, descriptor: B, likelihoods: {b0: 0.35}, default_likelihood: 0.35}
  - {id: sym, name: Symmetric, observation: symmetric, descriptor: A, likelihoods: {a0: 0.8, a1: 0.2}}
  - {id: never, name: Never, observation: impossible for b0, descriptor: B, likelihoods: {b0: 0.0, b1: 1.0, b2: 1.0}}
  - {id: sure_a0, name: Sure, observation: only under a0, descriptor: A, likelihoods: {a0: 1.0, a1: 0.0}}
"""

ROWS = np.array([[0, 0], [1, 1], [1, 2]], dtype=np.int64)
"""The prior's attractors: (a0, b0), (a1, b1), (a1, b2)."""
PRIOR = Distribution(ROWS, np.array([0.5, 0.3, 0.2]))


@cache
def compiled() -> CompiledModel:
    return compile_model(parse_model(MODEL))


@pytest.fixture
def model() -> CompiledModel:
    return compiled()


def signpost(model: CompiledModel, sid: str) -> CompiledSignpost:
    return next(s for s in model.signposts if s.id == sid)


def named_entropy(model: CompiledModel, dist: Distribution) -> float:
    """Entropy (bits) of the distribution of 'which named scenarios hold' (the profile)."""
    profiles: dict[tuple[str, ...], float] = {}
    for row, p in zip(dist.indices, dist.probabilities):
        key = model.named_of(row)
        profiles[key] = profiles.get(key, 0.0) + float(p)
    return -sum(p * math.log2(p) for p in profiles.values() if p > 0)


# ---------------------------------------------------------------- hand-computed update


def test_hand_computed_update_with_two_unreliable_reports(model: CompiledModel) -> None:
    # Report 1: s_a observed, reliability 0.9.  P(yes|v) = 0.9·L(v) + 0.1/2
    #   a0: 0.9·0.8 + 0.05 = 0.77      a1: 0.9·0.1 + 0.05 = 0.14
    # Report 2: s_b NOT observed, reliability 0.7.  P(yes|v) = 0.7·L(v) + 0.3/2; P(no|v) = 1 − that
    #   b0: 0.7·0.3 + 0.15 = 0.36 → 0.64    b1: 0.7·0.6 + 0.15 = 0.57 → 0.43
    #   b2: (default 0.5) 0.7·0.5 + 0.15 = 0.50 → 0.50
    # Unnormalised: (a0,b0) 0.5·0.77·0.64 = 0.2464
    #               (a1,b1) 0.3·0.14·0.43 = 0.01806
    #               (a1,b2) 0.2·0.14·0.50 = 0.014
    # Total 0.27846.
    total = 0.2464 + 0.01806 + 0.014
    expected = [0.2464 / total, 0.01806 / total, 0.014 / total]
    obs = [Observation("s_a", True, 0.9), Observation("s_b", False, 0.7)]
    post = posterior(model, PRIOR, obs)
    np.testing.assert_allclose(post.distribution.probabilities, expected, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(post.distribution.indices, ROWS)
    assert post.named["calm"] == pytest.approx(0.2464 / total, abs=1e-12)
    assert post.named["storm"] == pytest.approx(0.01806 / total, abs=1e-12)
    assert post.named["none_of_these"] == pytest.approx(0.014 / total, abs=1e-12)
    assert sum(post.named.values()) == pytest.approx(1.0, abs=1e-12)
    assert post.lenses["high_b"] == pytest.approx(0.014 / total, abs=1e-12)
    assert post.observations == tuple(obs)
    record = post.to_dict()
    assert record["method"] == "bayes-signposts"
    assert [o["reliability"] for o in record["observations"]] == [0.9, 0.7]


def test_report_likelihood_formula(model: CompiledModel) -> None:
    sb = signpost(model, "s_b")
    np.testing.assert_allclose(report_likelihood(sb, True, 0.7), [0.36, 0.57, 0.5], rtol=0, atol=1e-15)
    np.testing.assert_allclose(report_likelihood(sb, False, 0.7), [0.64, 0.43, 0.5], rtol=0, atol=1e-15)
    np.testing.assert_array_equal(report_likelihood(sb, True, 0.0), [0.5, 0.5, 0.5])
    for bad in (-0.1, 1.5):
        with pytest.raises(EngineError):
            report_likelihood(sb, True, bad)


def test_reliability_zero_leaves_the_prior_unchanged(model: CompiledModel) -> None:
    for sid in ("s_a", "s_b", "never", "sure_a0"):
        for observed in (True, False):
            post = posterior(model, PRIOR, [Observation(sid, observed, 0.0)])
            np.testing.assert_allclose(post.distribution.probabilities, PRIOR.probabilities, rtol=0, atol=1e-15)


def test_observed_then_not_observed(model: CompiledModel) -> None:
    yes = posterior(model, PRIOR, [Observation("s_a", True)])
    no = posterior(model, PRIOR, [Observation("s_a", False)])
    # Observing a signpost more likely under a0 raises P(calm); not observing it lowers it.
    assert yes.named["calm"] > PRIOR.probabilities[0] > no.named["calm"]
    # P(yes) = 0.5·0.8 + 0.5·0.1 = 0.45; the prior is the P(report)-weighted mean of the two posteriors.
    p_yes = 0.45
    mixed = p_yes * yes.distribution.probabilities + (1 - p_yes) * no.distribution.probabilities
    np.testing.assert_allclose(mixed, PRIOR.probabilities, rtol=0, atol=1e-12)
    # Both reports together weight a0 by 0.8·0.2 and a1 by 0.1·0.9: 0.5·0.16 = 0.08 vs 0.5·0.09 = 0.045.
    both = posterior(model, PRIOR, [Observation("s_a", True), Observation("s_a", False)])
    assert both.named["calm"] == pytest.approx(0.08 / 0.125, abs=1e-12)
    # With symmetric likelihoods (0.8 / 0.2) "observed" and "not observed" cancel exactly: back to the prior.
    sym = posterior(model, PRIOR, [Observation("sym", True, 0.6), Observation("sym", False, 0.6)])
    np.testing.assert_allclose(sym.distribution.probabilities, PRIOR.probabilities, rtol=0, atol=1e-12)


def test_impossible_evidence_raises(model: CompiledModel) -> None:
    only_b0 = Distribution(np.array([[0, 0], [1, 0]], dtype=np.int64), np.array([0.4, 0.6]))
    with pytest.raises(EngineError):
        posterior(model, only_b0, [Observation("never", True)])
    with pytest.raises(EngineError):
        posterior(model, PRIOR, [Observation("sure_a0", True), Observation("sure_a0", False)])
    # Certain evidence that is possible rules the others out.
    post = posterior(model, PRIOR, [Observation("sure_a0", True)])
    np.testing.assert_array_equal(post.distribution.probabilities, [1.0, 0.0, 0.0])


def test_unknown_signpost_raises(model: CompiledModel) -> None:
    with pytest.raises(EngineError, match="nowhere"):
        posterior(model, PRIOR, [Observation("nowhere", True)])
    with pytest.raises(EngineError):
        timeline(model, PRIOR, [Observation("nowhere", True, date=dt.date(2025, 1, 1))])


def test_empty_prior_raises() -> None:
    with pytest.raises(EngineError):
        Distribution.from_counts(np.zeros((0, 2), dtype=np.int64), np.zeros(0))
    with pytest.raises(EngineError):
        Distribution.from_counts(ROWS, np.zeros(3))


# ---------------------------------------------------------------- Hypothesis: normalisation and information gain

ALL_ROWS = np.array([[a, b] for a in range(2) for b in range(3)], dtype=np.int64)
SIGNPOSTS = ("s_a", "s_b", "flat", "sym", "never", "sure_a0")


@st.composite
def priors(draw: st.DrawFn) -> Distribution:
    weights = draw(st.lists(st.floats(0.0, 1.0), min_size=6, max_size=6).filter(lambda w: sum(w) > 1e-3))
    return Distribution.from_counts(ALL_ROWS, np.array(weights))


observations = st.builds(
    Observation,
    signpost=st.sampled_from(("s_a", "s_b", "flat", "sym")),
    observed=st.booleans(),
    reliability=st.floats(0.0, 0.99),
)


@settings(max_examples=150, deadline=None)
@given(prior=priors(), obs=st.lists(observations, max_size=5))
def test_posterior_sums_to_one(prior: Distribution, obs: list[Observation]) -> None:
    model = compiled()
    post = posterior(model, prior, obs)
    assert float(post.distribution.probabilities.sum()) == pytest.approx(1.0, abs=1e-12)
    assert (post.distribution.probabilities >= 0).all()


@settings(max_examples=150, deadline=None)
@given(prior=priors(), sid=st.sampled_from(SIGNPOSTS))
def test_information_gain_is_between_zero_and_the_profile_entropy(prior: Distribution, sid: str) -> None:
    model = compiled()
    gain = information_gain(model, prior, signpost(model, sid))
    assert gain >= 0.0
    assert gain <= named_entropy(model, prior) + 1e-12


@settings(max_examples=150, deadline=None)
@given(prior=priors(), level=st.floats(0.0, 1.0))
@example(prior=Distribution(ROWS, np.array([0.7, 0.2, 0.1])), level=0.5)  # gave 2.2e-16
def test_information_gain_is_exactly_zero_for_equal_likelihoods(prior: Distribution, level: float) -> None:
    model = compiled()
    flat = CompiledSignpost("flat", 1, np.full(3, level))
    assert information_gain(model, prior, flat) == 0.0


def test_information_gain_hand_values(model: CompiledModel) -> None:
    assert information_gain(model, PRIOR, signpost(model, "flat")) == 0.0
    # sure_a0 reveals A exactly; A decides calm vs not-calm but not storm vs none among the a1 rows:
    # families: (a0,b0) calm 0.5, (a1,b1) storm 0.3, (a1,b2) none of these 0.2 (the lens high_b takes no part)
    # H = −(0.5 log 0.5 + 0.3 log 0.3 + 0.2 log 0.2); after the signpost, only the a1 half is uncertain:
    # H(0.6, 0.4) with weight 0.5.
    h = -(0.5 * np.log2(0.5) + 0.3 * np.log2(0.3) + 0.2 * np.log2(0.2))
    h_rest = -(0.6 * np.log2(0.6) + 0.4 * np.log2(0.4))
    gain = information_gain(model, PRIOR, signpost(model, "sure_a0"))
    assert gain == pytest.approx(h - 0.5 * h_rest, abs=1e-12)
    assert named_entropy(model, PRIOR) == pytest.approx(h, abs=1e-12)


# ---------------------------------------------------------------- watch list and timeline


def test_watch_list_is_sorted_and_excludes(model: CompiledModel) -> None:
    items = watch_list(model, PRIOR)
    assert {w.signpost for w in items} == set(SIGNPOSTS)
    gains = [w.information_gain for w in items]
    assert gains == sorted(gains, reverse=True)
    assert items[-1].signpost == "flat" and items[-1].information_gain == 0.0
    by_id = {w.signpost: w for w in items}
    assert by_id["s_a"].probability_observed == pytest.approx(0.5 * 0.8 + 0.5 * 0.1, abs=1e-12)
    assert by_id["s_b"].information_gain == pytest.approx(information_gain(model, PRIOR, signpost(model, "s_b")))
    rest = watch_list(model, PRIOR, exclude=["s_a", "never"])
    assert [w.signpost for w in rest] == [w.signpost for w in items if w.signpost not in ("s_a", "never")]
    assert items[0].to_dict()["information_gain_bits"] == items[0].information_gain


def test_timeline_is_in_date_order_and_ends_at_the_posterior(model: CompiledModel) -> None:
    obs = [
        Observation("s_b", False, 0.7, date=dt.date(2025, 3, 1), evidence_id=3),
        Observation("s_a", True, 0.9, date=dt.date(2025, 1, 15), evidence_id=1),
        Observation("sym", True, 0.5, date=dt.date(2025, 2, 1), evidence_id=2),
        Observation("s_a", False, 0.4, date=dt.date(2025, 2, 1), evidence_id=4),
    ]
    line = timeline(model, PRIOR, obs)
    assert len(line.steps) == len(obs) + 1
    first = line.steps[0]
    assert first.date is None and first.observation is None
    assert first.named == pytest.approx({"calm": 0.5, "storm": 0.3, "none_of_these": 0.2}, abs=1e-12)
    assert first.lenses == pytest.approx({"high_b": 0.2}, abs=1e-12)
    dates = [s.date for s in line.steps[1:] if s.date is not None]
    assert (
        dates
        == sorted(dates)
        == [
            dt.date(2025, 1, 15),
            dt.date(2025, 2, 1),
            dt.date(2025, 2, 1),
            dt.date(2025, 3, 1),
        ]
    )
    assert [s.observation.evidence_id for s in line.steps[1:] if s.observation] == [1, 2, 4, 3]
    final = posterior(model, PRIOR, obs).named
    assert line.steps[-1].named == pytest.approx(final, abs=1e-12)
    # every step is the posterior on the observations up to it
    ordered = [s.observation for s in line.steps[1:] if s.observation]
    for k, step in enumerate(line.steps[1:], start=1):
        assert step.named == pytest.approx(posterior(model, PRIOR, ordered[:k]).named, abs=1e-12)
    record = line.to_dict()
    assert record["steps"][0]["date"] is None
    assert record["steps"][1]["date"] == "2025-01-15"
