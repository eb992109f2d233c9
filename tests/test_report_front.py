"""The report's front page, family sections and appendix, in HTML and Markdown, against the standing they show."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from report_fixture import Built, build, first_date
from scenarist.model.families import NONE_OF_THESE
from scenarist.report.brief import bottom_line, pct
from scenarist.report.figures import classical_mds
from scenarist.report.markdown import render_markdown


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Built]:
    yield build(tmp_path_factory.mktemp("report"))


def _section(html: str, section_id: str) -> str:
    start = html.index(f'id="{section_id}"')
    end = html.find("<section", start)
    return html[start : end if end > 0 else len(html)]


def test_front_page_comes_before_the_appendix_and_every_section_is_present(built: Built) -> None:
    html = built.html
    order = ["bottom-line", "signposts", "questions", "family-partnership", "family-moderate_chill",
             "family-friendship_out_of_spite", "landscape", "timeline", "forecasts", "judgments", "appendix",
             "consistent"]  # fmt: skip
    positions = [html.index(f'id="{s}"') for s in order]
    assert positions == sorted(positions)


def test_bottom_line_names_the_leader_with_its_interval_and_none_of_these(built: Built) -> None:
    now = built.standing.now
    families = [s for s in now.families if s.id != NONE_OF_THESE]
    leader = max(families, key=lambda s: s.probability)
    lines = bottom_line(built.inputs.brief, built.inputs.model)  # type: ignore[arg-type]
    name = next(s.name for s in built.inputs.model.scenarios if s.id == leader.id)
    assert lines[0].startswith(f"{name} leads at {pct(leader.probability)}")
    assert f"{pct(leader.interval[0])}–{pct(leader.interval[1])}" in lines[0]
    assert any(pct(now.none_of_these) in s and "None of the named" in s for s in lines)
    front = _section(built.html, "bottom-line")
    assert lines[0] in front


def test_the_latest_update_and_its_source_are_named(built: Built) -> None:
    brief = built.inputs.brief
    assert brief is not None and brief.move is not None
    assert brief.move.date.isoformat() == "2025-07-02"
    assert [e.source for e in brief.move.evidence] == ["Official statement"]
    assert "Official statement" in bottom_line(brief, built.inputs.model)[1]
    timeline = _section(built.html, "timeline")
    assert 'href="https://example.org/a"' in timeline and "Press conference transcript" in timeline
    assert first_date().isoformat() in timeline


def test_signpost_outcomes_are_posteriors_that_sum_to_one(built: Built) -> None:
    brief = built.inputs.brief
    assert brief is not None and len(brief.outlooks) == 3
    watched = [w.signpost for w in built.standing.watch[:3]]
    assert [o.signpost for o in brief.outlooks] == watched
    for o in brief.outlooks:
        assert sum(o.if_observed.values()) == pytest.approx(1.0)
        assert sum(o.if_not.values()) == pytest.approx(1.0)
        # The current share is the mixture of the two outcomes (law of total probability), reliability 1.
        for f in o.if_observed:
            mix = o.probability_observed * o.if_observed[f] + (1 - o.probability_observed) * o.if_not[f]
            assert mix == pytest.approx(built.standing.now.probability(f), abs=1e-9)


def test_open_questions_carry_the_model_answer(built: Built) -> None:
    brief = built.inputs.brief
    assert brief is not None
    ids = {q.id for q in brief.questions}
    assert "us_drops_mediation" in ids
    q = next(q for q in brief.questions if q.id == "us_drops_mediation")
    assert q.model_answer is not None and 0 < q.model_answer < 1
    assert q.text in _section(built.html, "questions")


def test_each_family_section_has_its_description_members_diagram_and_history(built: Built) -> None:
    model = built.inputs.model
    brief = built.inputs.brief
    assert brief is not None
    for family in (s for s in model.scenarios if s.kind == "family"):
        section = _section(built.html, f"family-{family.id}")
        assert family.description is not None and family.description.split()[0] in section
        members = brief.members[family.id]
        if not members:
            continue
        assert f"{family.name}: most probable" in section
        probs = [m.probability for m in members]
        assert probs == sorted(probs, reverse=True)
        top = members[0]
        for j in top.holding:  # each holding judgment joins two variants of the member and supports it
            assert j.impact > 0
            assert j.source.split(".")[1] == top.variants[j.source.split(".")[0]]
            assert j.target.split(".")[1] == top.variants[j.target.split(".")[0]]
        if top.holding:
            assert top.holding[0].rationale is not None and top.holding[0].rationale in section
        assert section.count("<svg") >= 2  # the impact diagram and the probability history


def test_judgments_at_the_default_confidence_are_not_blank(built: Built) -> None:
    section = built.html[built.html.index('id="judgments"') : built.html.index('id="appendix"')]
    default = built.inputs.model.default_confidence
    if any(j.confidence is None for j in built.inputs.model.judgments):
        assert f"{default} (default)" in section
    assert not re.search(r'<td class="num"></td>', section)


def test_markdown_front_page_matches_the_html(built: Built) -> None:
    brief = built.inputs.brief
    assert brief is not None
    md = render_markdown(built.inputs.model, brief)
    assert md.startswith("# ")
    for line in bottom_line(brief, built.inputs.model):
        assert line in md
    assert "| family | now | 90 % interval |" in md
    for family in built.inputs.model.scenarios:
        if family.kind == "family":
            assert f"### {family.name} — {pct(brief.now.probability(family.id))} now" in md
    assert "[Press conference transcript](https://example.org/a)" in md
    assert "<" not in md.replace("<br>", "")


def test_classical_mds_recovers_distances_of_points_in_a_plane() -> None:
    rng = np.random.default_rng(3)
    points = rng.normal(size=(12, 2))
    d = np.linalg.norm(points[:, None, :] - points[None, :, :], axis=2)
    xy = classical_mds(d)
    d2 = np.linalg.norm(xy[:, None, :] - xy[None, :, :], axis=2)
    assert np.allclose(d, d2, atol=1e-8)


def test_the_report_is_self_contained(built: Built, tmp_path: Path) -> None:
    html = built.html
    assert "<script" not in html and "<link" not in html and "url(http" not in html
    assert "@media print" in html
