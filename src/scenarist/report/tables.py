"""Terminal renderings (Rich renderables) of engine results. Nothing here prints."""

from __future__ import annotations

from collections.abc import Sequence

from rich.table import Table
from rich.text import Text

from scenarist.engines.bayes import Posterior, Timeline, WatchItem
from scenarist.engines.cib import Scenario, ScenarioBalance, ScenarioSet
from scenarist.engines.ensembles import EnsembleResult
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


def probability_table(model: Model, p: ProbabilityResult, posterior: Posterior | None = None) -> Table:
    """Named-scenario probabilities given the system settles, with intervals, before and after evidence."""
    names = {s.id: s.name for s in model.scenarios}
    claims = {s.id: s.likelihood_claim or "" for s in model.scenarios}
    table = Table(title="Named-scenario probabilities (given the system settles)", title_justify="left")
    for col in ("named scenario", "the source says", "before evidence (90 % interval)", "now"):
        table.add_column(col, overflow="fold")
    for n in p.settled_named():
        now = f"{posterior.named.get(n.id, 0.0):.1%}" if posterior is not None else "—"
        table.add_row(
            names.get(n.id, n.id),
            claims.get(n.id, ""),
            f"{n.probability:.1%} [{n.interval[0]:.1%}, {n.interval[1]:.1%}]",
            now,
        )
    active = len(posterior.observations) if posterior is not None else 0
    table.caption = (
        f"{p.method}: {p.draws:,} draws, seed {p.seed}, spreads by confidence {dict(p.spreads)}, "
        f"default confidence {p.default_confidence}, starts {p.starts}. {p.cycle_share:.1%} of draws end in a "
        f"cycle and are left out. 'Now': Bayes' rule over {active} active piece(s) of evidence. "
        "Named scenarios may overlap."
    )
    return table


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
    """Named-scenario probabilities after each dated piece of evidence."""
    table = Table(title="Timeline", title_justify="left")
    table.add_column("date")
    table.add_column("evidence")
    for s in model.scenarios:
        table.add_column(s.id, justify="right")
    for step in timeline.steps:
        o = step.observation
        what = "prior" if o is None else f"#{o.evidence_id} {o.signpost} {'observed' if o.observed else 'not observed'}"
        table.add_row(str(step.date or ""), what, *(f"{step.named.get(s.id, 0):.1%}" for s in model.scenarios))
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
