"""The report's front page as Markdown, for pasting into a brief (``scenarist run --format md``)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from scenarist.engines.scoring import ScoreReport
from scenarist.model.families import NONE_OF_THESE
from scenarist.model.schema import Model, NamedScenario
from scenarist.report.brief import Brief, FamilyMember, bottom_line, family_names, pct
from scenarist.report.tables import variant_names

__all__ = ["render_markdown"]


def _cell(text: object) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def _table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return [*lines, ""]


def _shares(shares: Mapping[str, float], names: Mapping[str, str]) -> str:
    return ", ".join(f"{names.get(k, k)} {pct(v)}" for k, v in shares.items()) or "impossible under the model"


def _front(model: Model, brief: Brief) -> list[str]:
    names = family_names(model)
    claims = {s.id: s.likelihood_claim or "" for s in model.scenarios}
    lines = ["## The bottom line", "", *(f"{s}" for s in bottom_line(brief, model)), ""]
    rows: list[tuple[str, ...]] = [
        (names.get(s.id, s.id), pct(s.probability), f"{pct(s.interval[0])}–{pct(s.interval[1])}",
         pct(b.probability), claims.get(s.id, ""))
        for s, b in zip(brief.now.families, brief.before.families)
    ]  # fmt: skip
    lines += _table(["family", "now", "90 % interval", "before evidence", "the source says"], rows)
    signposts = {s.id: s.name for s in model.signposts}
    if brief.outlooks:
        lines += ["## Signposts worth watching", ""]
        rows = [
            (signposts.get(o.signpost, o.signpost), pct(o.probability_observed), _shares(o.if_observed, names),
             _shares(o.if_not, names))
            for o in brief.outlooks
        ]  # fmt: skip
        lines += _table(["signpost", "chance it is seen", "if seen", "if reported not to happen"], rows)
    if brief.questions:
        lines += ["## Open forecast questions", ""]
        rows = [
            (q.text, q.close_date.isoformat(), "—" if q.model_answer is None else pct(q.model_answer))
            for q in brief.questions
        ]
        lines += _table(["question", "closes", "model's answer now"], rows)
    return lines


def _family(model: Model, family: NamedScenario, brief: Brief, members: Sequence[FamilyMember]) -> list[str]:
    variants = variant_names(model)
    ref = {f"{d}.{v}": name for (d, v), name in variants.items()}
    lines = [f"### {family.name} — {pct(brief.now.probability(family.id))} now", ""]
    if family.description:
        lines += [" ".join(family.description.split()), ""]
    if members:
        rows = [(f"{family.name}: {m.label}", pct(m.probability)) for m in members]
        lines += _table(["member scenario", "probability now"], rows)
        holding = [
            (f"{ref.get(j.source, j.source)} → {ref.get(j.target, j.target)}", f"{j.impact:+d}", j.rationale or "",
             ", ".join(j.sources))
            for j in members[0].holding
        ]  # fmt: skip
        if holding:
            lines += ["What holds its most probable member together:", ""]
            lines += _table(["judgment", "impact", "rationale", "citation"], holding)
    return lines


def _evidence(model: Model, brief: Brief) -> list[str]:
    if not brief.evidence:
        return []
    signposts = {s.id: s.name for s in model.signposts}
    rows = [
        (e.date.isoformat(), signposts.get(e.signpost, e.signpost),
         ("observed" if e.observed else "not observed") + (" (retracted)" if e.retracted else ""),
         f"[{_cell(e.source)}]({e.url})" if e.url else e.source)
        for e in brief.evidence
    ]  # fmt: skip
    return ["## Evidence", "", *_table(["date", "signpost", "report", "source"], rows)]


def _scores(scores: ScoreReport | None) -> list[str]:
    if scores is None or not scores.scores:
        return []
    rows = [(q.question, q.outcome, f"{q.final_probability:.2f}", f"{q.brier:.3f}") for q in scores.scores]
    return ["## Resolved forecasts", "", *_table(["question", "outcome", "final p", "Brier"], rows)]


def render_markdown(model: Model, brief: Brief, *, scores: ScoreReport | None = None) -> str:
    """The front page, one section per family, the evidence and the scores as one Markdown document."""
    lines = [f"# {model.title}", ""]
    if brief.as_of is not None:
        lines += [f"*Evidence to {brief.as_of.isoformat()}.*", ""]
    lines += _front(model, brief)
    lines += ["## The families", ""]
    for family in (s for s in model.scenarios if s.kind == "family"):
        lines += _family(model, family, brief, brief.members.get(family.id, ()))
    none = brief.members.get(NONE_OF_THESE, ())
    if none:
        lines += [f"### None of these — {pct(brief.now.none_of_these)} now", ""]
        lines += _table(
            ["most probable end state", "probability now"], [(_plain(model, m), pct(m.probability)) for m in none[:3]]
        )
    lines += _evidence(model, brief) + _scores(scores)
    return "\n".join(lines).rstrip() + "\n"


def _plain(model: Model, member: FamilyMember) -> str:
    names = variant_names(model)
    return "; ".join(names[(d.id, member.variants[d.id])] for d in model.descriptors)
