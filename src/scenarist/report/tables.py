"""Terminal renderings (Rich renderables) of engine results. Nothing here prints."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from rich.table import Table
from rich.text import Text

from scenarist.model.families import NONE_OF_THESE

if TYPE_CHECKING:
    from scenarist.engines.accounting import Accounting, Share
    from scenarist.engines.bayes import Posterior, Timeline, WatchItem
    from scenarist.engines.cib import Scenario, ScenarioBalance, ScenarioSet
    from scenarist.engines.ensembles import EnsembleResult
    from scenarist.engines.scoring import ScoreReport
    from scenarist.engines.sensitivity import SensitivityResult
    from scenarist.engines.succession import SuccessionPath
    from scenarist.engines.uncertainty import ProbabilityResult
    from scenarist.engines.weights import VolumeWeights
    from scenarist.model.schema import Model

__all__ = [
    "assumptions_table",
    "probability_table",
    "timeline_table",
    "watch_table",
    "ensemble_table",
    "succession_table",
    "weights_table",
    "tableau",
    "scenario_rows",
    "named_counts_table",
    "balance_table",
    "variant_names",
    "evidence_table",
    "forecast_table",
    "scores_tables",
    "StandingView",
    "diff_tables",
]


def variant_names(model: Model) -> dict[tuple[str, str], str]:
    """(descriptor id, variant id) → variant name, for readable tables."""
    return {(d.id, v.id): v.name for d in model.descriptors for v in d.variants}


def _named_label(model: Model, scenario: Scenario) -> str:
    names = {s.id: s.name for s in model.scenarios}
    return "; ".join(names.get(n, n) for n in scenario.named) or "—"


def tableau(model: Model, scenarios: Sequence[Scenario], *, title: str, width: int = 100) -> list[Table]:
    """ScenarioWizard-style tableau: one column per scenario, one row per descriptor (variant ids).

    Split into several tables so that each fits ``width`` characters.
    """
    cell = max([len(v.id) for d in model.descriptors for v in d.variants] + [9])
    first = max(len(d.id) for d in model.descriptors) + 4
    per_table = max(1, (width - first) // (cell + 3))
    tables = []
    for start in range(0, len(scenarios), per_table):
        chunk = scenarios[start : start + per_table]
        table = Table(title=f"{title} ({start + 1}–{start + len(chunk)} of {len(scenarios)})", title_justify="left")
        table.add_column("descriptor", style="bold", no_wrap=True)
        for i, s in enumerate(chunk, start + 1):
            table.add_column(f"#{i}\nTIS {s.total_impact_score}", no_wrap=True)
        for d in model.descriptors:
            table.add_row(d.id, *(s.variants[d.id] for s in chunk))
        table.add_row(
            Text("named", style="italic"),
            *(Text(",\n".join(s.named) or "—", style="cyan") for s in chunk),
        )
        tables.append(table)
    return tables


def scenario_rows(model: Model, scenarios: Sequence[Scenario], *, title: str, limit: int = 30) -> Table:
    """One row per scenario: its variants compactly, IC, CV, TIS and named scenarios."""
    table = Table(title=title, title_justify="left")
    for col in ("#", "IC", "CV", "TIS", "named", "variants"):
        table.add_column(col, overflow="fold")
    for i, s in enumerate(scenarios[:limit], 1):
        variants = " ".join(f"{d}={v}" for d, v in s.variants.items())
        table.add_row(
            str(i),
            str(s.inconsistency),
            str(s.consistency_value),
            str(s.total_impact_score),
            _named_label(model, s),
            variants,
        )
    if len(scenarios) > limit:
        table.caption = f"first {limit} of {len(scenarios)}"
    return table


def named_counts_table(model: Model, result: ScenarioSet, weights: VolumeWeights | None = None) -> Table:
    """Per named scenario: consistent and near-consistent counts and, if given, the basin share."""
    exact = result.named_counts(max_inconsistency=0)
    loose = result.named_counts(max_inconsistency=result.tolerance)
    shares = weights.named_shares(result.named_ids) if weights is not None else None
    table = Table(title="Named scenarios", title_justify="left")
    table.add_column("named scenario")
    table.add_column("the source says")
    table.add_column("consistent", justify="right")
    table.add_column(f"IC ≤ {result.tolerance}", justify="right")
    if shares is not None:
        table.add_column("basin share", justify="right")
    for s in model.scenarios:
        if s.kind != "family":
            continue
        extra = [f"{shares[s.id]:.1%}"] if shares is not None else []
        table.add_row(s.name, s.likelihood_claim or "", str(exact[s.id]), str(loose[s.id]), *extra)
    extra = [f"{shares['']:.1%}"] if shares is not None else []
    table.add_row(Text("none of these", style="italic"), "", str(exact[""]), str(loose[""]), *extra)
    table.caption = "Every scenario belongs to one family or to none of these (see the family rule)."
    return table


def balance_table(model: Model, balance: ScenarioBalance) -> Table:
    """Each descriptor's impact scores in one scenario; the chosen variant and any inconsistency marked."""
    names = variant_names(model)
    table = Table(
        title=(
            f"Impact balance (IC {balance.scenario.inconsistency}, CV {balance.scenario.consistency_value}, "
            f"TIS {balance.scenario.total_impact_score})"
        ),
        title_justify="left",
    )
    table.add_column("descriptor", style="bold")
    table.add_column("chosen variant")
    table.add_column("scores (chosen in brackets)")
    table.add_column("status")
    for d in balance.descriptors:
        scores = "  ".join(
            f"[{names[(d.descriptor, v)]}: {s:+d}]" if v == d.chosen else f"{names[(d.descriptor, v)]}: {s:+d}"
            for v, s in d.scores.items()
        )
        status = (
            Text("consistent", style="green")
            if d.inconsistency == 0
            else Text(f"inconsistent by {d.inconsistency}; best: {', '.join(d.best)}", style="bold red")
        )
        table.add_row(d.descriptor, names[(d.descriptor, d.chosen)], scores, status)
    return table


def succession_table(model: Model, path: SuccessionPath) -> Table:
    """The states of a succession path, one column per step; changed variants highlighted."""
    table = Table(title=f"{path.rule.capitalize()} succession", title_justify="left")
    table.add_column("descriptor", style="bold", no_wrap=True)
    for i in range(len(path.path)):
        table.add_column("start" if i == 0 else f"step {i}", no_wrap=True)
    for k, d in enumerate(model.descriptors):
        cells = []
        for i, state in enumerate(path.path):
            text = d.variants[state[k]].id
            changed = i > 0 and state[k] != path.path[i - 1][k]
            cells.append(Text(text, style="bold yellow") if changed else Text(text))
        table.add_row(d.id, *cells)
    return table


def weights_table(model: Model, result: VolumeWeights) -> Table:
    """Attractors by volume weight, with their shares (and intervals for Monte Carlo)."""
    names = {s.id: s.name for s in model.scenarios}
    table = Table(title=f"Attractors of global succession ({result.method})", title_justify="left")
    for col in ("#", "weight", "share", "named", "variants"):
        table.add_column(col, overflow="fold")
    for i, a in enumerate(result.attractors, 1):
        share = f"{a.share:.2%}"
        if a.interval is not None:
            share += f" [{a.interval[0]:.2%}, {a.interval[1]:.2%}]"
        table.add_row(
            str(i),
            f"{a.weight:,}",
            share,
            "; ".join(names.get(n, n) for n in a.named) or "—",
            " ".join(f"{d}={v}" for d, v in a.variants.items()),
        )
    return table


def ensemble_table(model: Model, result: EnsembleResult, *, limit: int = 40) -> Table:
    """Scenarios consistent in any member or in the mean, most agreed first."""
    table = Table(title="Ensemble agreement", title_justify="left")
    for col in ("#", "members", "in mean", "named", "variants"):
        table.add_column(col, overflow="fold")
    for i, row in enumerate(result.scenarios[:limit], 1):
        table.add_row(
            str(i),
            f"{len(row.members)}/{len(result.member_ids)}",
            "yes" if row.in_mean else "no",
            ", ".join(row.scenario.named) or "—",
            " ".join(f"{d}={v}" for d, v in row.scenario.variants.items()),
        )
    return table


class StandingView(Protocol):
    """What the tables read of a model's standing (``scenarist.service.Standing`` provides it)."""

    @property
    def probabilities(self) -> ProbabilityResult: ...
    @property
    def before(self) -> Accounting: ...
    @property
    def now(self) -> Accounting: ...
    @property
    def today(self) -> Accounting | None: ...
    @property
    def from_today(self) -> ProbabilityResult | None: ...
    @property
    def posterior(self) -> Posterior: ...
    @property
    def current_date(self) -> dt.date | None: ...
    @property
    def as_of(self) -> dt.date | None: ...


def _pct_interval(share: Share | None) -> str:
    if share is None:
        return "—"
    return f"{share.probability:.1%} [{share.interval[0]:.1%}, {share.interval[1]:.1%}]"


def _family_label(model: Model, share_id: str) -> str:
    if share_id == NONE_OF_THESE:
        return "none of these"
    return next((s.name for s in model.scenarios if s.id == share_id), share_id)


def probability_table(model: Model, standing: StandingView) -> Table:
    """Families and *none of these* (summing to 100 %), before and after the evidence; lenses below, apart."""
    claims = {s.id: s.likelihood_claim or "" for s in model.scenarios}
    today = standing.today
    table = Table(title="Scenario families (given the system settles; they sum to 100 %)", title_justify="left")
    columns = ["family", "the source says", "before evidence", f"now{_as_of(standing)}"]
    if today is not None:
        columns.append(f"from today ({standing.current_date})")
    for col in columns:
        table.add_column(col, overflow="fold")
    now = {s.id: s for s in standing.now.families}
    later = {s.id: s for s in today.families} if today is not None else {}
    for share in standing.before.families:
        row: list[Text | str] = [
            Text(_family_label(model, share.id), style="italic" if share.id == NONE_OF_THESE else ""),
            claims.get(share.id, ""),
            _pct_interval(share),
            _pct_interval(now.get(share.id)),
        ]
        if today is not None:
            row.append(_pct_interval(later.get(share.id)))
        table.add_row(*row)
    if standing.before.lenses:
        table.add_section()
        lens_now = {s.id: s for s in standing.now.lenses}
        lens_later = {s.id: s for s in today.lenses} if today is not None else {}
        for share in standing.before.lenses:
            row = [
                Text(f"{_family_label(model, share.id)} (lens)"),
                claims.get(share.id, ""),
                _pct_interval(share),
                _pct_interval(lens_now.get(share.id)),
            ]
            if today is not None:
                row.append(_pct_interval(lens_later.get(share.id)))
            table.add_row(*row)
    p = standing.probabilities
    active = len(standing.posterior.observations)
    table.caption = (
        f"Before evidence: {p.method}, {p.draws:,} draws, seed {p.seed}, starts {p.starts}; "
        f"{p.cycle_share:.1%} of draws end in a cycle and are left out. Now: {standing.posterior.method} over "
        f"{active} observation(s). Families by {standing.before.method}; lenses overlap the families and are not "
        "part of the 100 %. 90 % intervals on the Monte Carlo error."
        + (f" From today: {today.method} of {standing.from_today.method}." if today and standing.from_today else "")
    )
    return table


def _as_of(standing: StandingView) -> str:
    return f" (as of {standing.as_of})" if standing.as_of is not None else ""


def watch_table(model: Model, watch: Sequence[WatchItem], *, limit: int = 50) -> Table:
    """Unobserved signposts ranked by expected information gain."""
    by_id = {s.id: s for s in model.signposts}
    table = Table(title="Watch list (unobserved signposts, most informative first)", title_justify="left")
    for col in ("#", "signpost", "bears on", "P(observed)", "info gain (bits)"):
        table.add_column(col, overflow="fold")
    for i, w in enumerate(watch[:limit], 1):
        s = by_id[w.signpost]
        table.add_row(
            str(i), f"{s.name} ({s.id})", s.descriptor, f"{w.probability_observed:.0%}", f"{w.information_gain:.3f}"
        )
    return table


def timeline_table(model: Model, timeline: Timeline) -> Table:
    """Family probabilities (and none of these) after each dated report; lenses in the last columns."""
    families = [sc for sc in model.scenarios if sc.kind == "family"]
    lenses = [sc for sc in model.scenarios if sc.kind == "lens"]
    table = Table(title="Timeline (given the system settles)", title_justify="left")
    table.add_column("date")
    table.add_column("evidence")
    for sc in families:
        table.add_column(sc.id, justify="right")
    if families:
        table.add_column("none of these", justify="right", style="italic")
    for sc in lenses:
        table.add_column(f"{sc.id} (lens)", justify="right")
    for step in timeline.steps:
        o = step.observation
        what = "prior" if o is None else f"#{o.evidence_id} {o.signpost} {'observed' if o.observed else 'not observed'}"
        cells = [f"{step.named.get(sc.id, 0):.1%}" for sc in families]
        if families:
            cells.append(f"{step.named.get(NONE_OF_THESE, 0):.1%}")
        cells += [f"{step.lenses.get(sc.id, 0):.1%}" for sc in lenses]
        table.add_row(str(step.date or ""), what, *cells)
    return table


def assumptions_table(model: Model, result: SensitivityResult, *, limit: int = 10) -> Table:
    """The judgments that move the named-scenario probabilities most."""
    table = Table(title=f"Key assumptions (top {limit}, {result.method})", title_justify="left")
    for col in ("#", "judgment", "impact", "influence", "largest change"):
        table.add_column(col, overflow="fold")
    for i, j in enumerate(result.top(limit), 1):
        changes = {**{f"{k} (−1)": v for k, v in j.minus.items()}, **{f"{k} (+1)": v for k, v in j.plus.items()}}
        label, value = max(changes.items(), key=lambda kv: abs(kv[1])) if changes else ("—", 0.0)
        table.add_row(
            str(i),
            f"{j.source} → {j.target}",
            f"{j.impact:+d}",
            f"{100 * j.influence:.1f} pp",
            f"{label}: {100 * value:+.1f} pp",
        )
    return table


class EvidenceRow(Protocol):
    """What the evidence table reads of a stored report."""

    @property
    def id(self) -> int: ...
    @property
    def date(self) -> dt.date: ...
    @property
    def model_id(self) -> str: ...
    @property
    def signpost_id(self) -> str: ...
    @property
    def observed(self) -> bool: ...
    @property
    def reliability(self) -> float: ...
    @property
    def source(self) -> str: ...
    @property
    def retracted(self) -> bool: ...
    @property
    def retracted_at(self) -> dt.datetime | None: ...


def evidence_table(rows: Sequence[EvidenceRow], *, unused: Sequence[int] = ()) -> Table:
    """The evidence on record: active, retracted (with when) and unused (its signpost left the model)."""
    table = Table(title="Evidence", title_justify="left")
    for col in ("id", "date", "model", "signpost", "observed", "reliability", "source", "status"):
        table.add_column(col, overflow="fold")
    for r in rows:
        if r.retracted:
            status = f"retracted {r.retracted_at:%Y-%m-%d}" if r.retracted_at else "retracted"
        else:
            status = "unused (signpost not in the model)" if r.id in unused else "active"
        table.add_row(
            str(r.id), str(r.date), r.model_id, r.signpost_id, "yes" if r.observed else "no",
            f"{r.reliability:.2f}", r.source, status,
        )  # fmt: skip
    return table


class QuestionRow(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def text(self) -> str: ...
    @property
    def close_date(self) -> dt.date: ...
    @property
    def event_kind(self) -> str: ...
    @property
    def event_ref(self) -> str | None: ...
    @property
    def outcome(self) -> str | None: ...
    @property
    def resolved_on(self) -> dt.date | None: ...


class ForecastRow(Protocol):
    @property
    def probability(self) -> float: ...
    @property
    def date(self) -> dt.date: ...
    @property
    def origin(self) -> str: ...


def forecast_table(
    questions: Sequence[QuestionRow],
    history: Mapping[str, Sequence[ForecastRow]],
    *,
    own_signpost: dict[str, str] | None = None,
) -> Table:
    """Questions with their standing forecast (dated by the evidence that moved it) and outcome."""
    table = Table(title="Forecast questions", title_justify="left")
    for col in ("id", "question", "closes", "event", "standing", "outcome"):
        table.add_column(col, overflow="fold")
    for q in questions:
        latest = history[q.id][-1] if history.get(q.id) else None
        event = q.event_ref or q.event_kind
        if own_signpost and q.id in own_signpost:
            event += f" (resolves with signpost {own_signpost[q.id]}; not moved by it)"
        table.add_row(
            q.id, q.text, str(q.close_date), event,
            f"{latest.probability:.1%} ({latest.origin}, as of {latest.date})" if latest else "—",
            f"{q.outcome} ({q.resolved_on})" if q.outcome else "open",
        )  # fmt: skip
    return table


def scores_tables(report: ScoreReport) -> tuple[Table, Table]:
    """The scores of resolved questions and the calibration table."""
    table = Table(title="Scores of resolved questions", title_justify="left")
    for col in ("question", "outcome", "final p", "Brier", "log", "time-avg Brier", "days"):
        table.add_column(col)
    for s in report.scores:
        table.add_row(
            s.question, s.outcome, f"{s.final_probability:.2f}", f"{s.brier:.3f}", f"{s.log_score:.3f}",
            f"{s.time_averaged_brier:.3f}", str(s.days),
        )  # fmt: skip
    table.caption = (
        f"{len(report.scores)} scored, {report.annulled} annulled and {report.unscored} without a forecast "
        "before resolution (not scored)."
    )
    cal = Table(title="Calibration (final forecasts)", title_justify="left")
    for col in ("bin", "questions", "mean forecast", "observed"):
        cal.add_column(col)
    for b in report.calibration:
        cal.add_row(f"{b.low:.1f}–{b.high:.1f}", str(b.count), f"{b.mean_forecast:.2f}", f"{b.observed_frequency:.2f}")
    return table, cal


class DiffView(Protocol):
    """What the diff tables read (``scenarist.service.diff.ModelDiff`` provides it)."""

    @property
    def judgments(self) -> Sequence[Any]: ...
    @property
    def consistent_only_old(self) -> Sequence[Mapping[str, str]]: ...
    @property
    def consistent_only_new(self) -> Sequence[Mapping[str, str]]: ...
    @property
    def consistent_both(self) -> int: ...
    @property
    def families_old(self) -> Mapping[str, float]: ...
    @property
    def families_new(self) -> Mapping[str, float]: ...
    @property
    def descriptors_added(self) -> Sequence[str]: ...
    @property
    def descriptors_removed(self) -> Sequence[str]: ...
    @property
    def signposts_removed(self) -> Sequence[str]: ...


def diff_tables(diff: DiffView) -> list[Table]:
    """Judgments changed, consistent scenarios gained and lost, family probabilities old and new."""
    tables = []
    judged = Table(title=f"Judgments changed ({len(diff.judgments)})", title_justify="left")
    for col in ("from", "to", "old", "new"):
        judged.add_column(col)
    for j in diff.judgments:
        judged.add_row(j.source, j.target, f"{j.old:+d}", f"{j.new:+d}")
    if diff.descriptors_added or diff.descriptors_removed or diff.signposts_removed:
        judged.caption = (
            f"descriptors added: {', '.join(diff.descriptors_added) or 'none'}; removed: "
            f"{', '.join(diff.descriptors_removed) or 'none'}; signposts removed (their evidence stays on record, "
            f"unused): {', '.join(diff.signposts_removed) or 'none'}"
        )
    tables.append(judged)
    sets = Table(title=f"Consistent scenarios ({diff.consistent_both} in both)", title_justify="left")
    sets.add_column("status")
    sets.add_column("variants", overflow="fold")
    for label, group in (("lost", diff.consistent_only_old), ("gained", diff.consistent_only_new)):
        for sc in group:
            sets.add_row(label, " ".join(f"{d}={v}" for d, v in sc.items()))
    tables.append(sets)
    fams = Table(title="Families (given the system settles)", title_justify="left")
    for col in ("family", "old", "new", "change"):
        fams.add_column(col, justify="right" if col != "family" else "left")
    for key in dict.fromkeys([*diff.families_old, *diff.families_new]):
        o, n = diff.families_old.get(key), diff.families_new.get(key)
        change = f"{100 * (n - o):+.1f} pp" if o is not None and n is not None else "—"
        fams.add_row(key, "—" if o is None else f"{o:.1%}", "—" if n is None else f"{n:.1%}", change)
    tables.append(fams)
    return tables
