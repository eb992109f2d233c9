"""News commands: read sources, register and poll feeds, review the proposed evidence."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated, Any

import typer

from scenarist import service
from scenarist.cli._app import ViewFormat, app, err, guarded, out
from scenarist.errors import ModelError

if TYPE_CHECKING:
    from scenarist.model import Model
    from scenarist.news.match import Reranker
    from scenarist.news.service import AddReport, Proposal, Status

__all__ = ["news_app"]

news_app = typer.Typer(
    help="Track the news: read feeds and files, propose items as signpost evidence, accept or reject them.",
    no_args_is_help=True,
)
feeds_app = typer.Typer(help="Register and list the feeds that `news poll` reads.", no_args_is_help=True)
news_app.add_typer(feeds_app, name="feeds")
app.add_typer(news_app, name="news")

DbOpt = Annotated[
    str | None,
    typer.Option("--db", envvar="SCENARIST_DB", help="Ledger: SQLite path or database URL (default: user data dir)."),
]
ModelsOpt = Annotated[
    list[str] | None,
    typer.Option("--model", help="Model whose signposts the items are matched to (repeatable; default: bundled)."),
]
ThresholdOpt = Annotated[
    float | None,
    typer.Option("--threshold", help="Lowest score proposed (0..1; default: the matcher's own threshold)."),
]
EmbedOpt = Annotated[bool, typer.Option("--embed", help="Re-rank with the offline embedding model (embed extra).")]
EmbedGateOpt = Annotated[
    bool,
    typer.Option(
        "--embed-gate",
        help="Let a passage close in meaning to a signpost meet its required words (embed extra; scores stay lexical).",
    ),
]
EmbedPathOpt = Annotated[
    str | None, typer.Option("--embed-model", help="Directory of a local sentence-transformers model to use instead.")
]
ReliabilityOpt = Annotated[float, typer.Option("--reliability", help="Trust in the source, 0..1.")]


def _models(refs: list[str] | None) -> list[Model]:
    return [service.load(r).model for r in refs] if refs else [service.load(None).model]


def _threshold(value: float | None) -> float:
    from scenarist.news.match import DEFAULT_THRESHOLD

    return DEFAULT_THRESHOLD if value is None else value


def _semantic(embed: bool, gate: bool, path: str | None) -> tuple[Reranker | None, Reranker | None]:
    """The re-ranker and the gate asked for; one embedding model serves both (``--embed-model`` alone re-ranks)."""
    rerank = embed or (path is not None and not gate)
    if not rerank and not gate:
        return None, None
    from scenarist.news.embed import MiniLMReranker

    model = MiniLMReranker(path)
    return (model if rerank else None), (model if gate else None)


def _report(r: AddReport) -> None:
    for problem in r.problems:
        err.print(f"warning: {problem}", markup=False)
    out.print(
        f"{r.source}: {r.stored} new item(s), {r.skipped} already stored, {len(r.proposals)} proposal(s)",
        markup=False,
    )


@news_app.command("add")
@guarded
def news_add(
    sources: Annotated[list[str], typer.Argument(help="Feed URL or file, .jsonl/.csv file of items, or a folder.")],
    model: ModelsOpt = None,
    source: Annotated[str | None, typer.Option("--source", help="Publisher name (default: from the source).")] = None,
    reliability: ReliabilityOpt = 1.0,
    threshold: ThresholdOpt = None,
    embed: EmbedOpt = False,
    embed_gate: EmbedGateOpt = False,
    embed_model: EmbedPathOpt = None,
    db: DbOpt = None,
) -> None:
    """Read items into the ledger (duplicates skipped) and propose them as evidence for the models' signposts."""
    from scenarist.news import service as news

    models = _models(model)
    reranker, gate = _semantic(embed, embed_gate, embed_model)
    with service.open_ledger(db) as ledger:
        for ref in sources:
            added = news.add_source(
                ledger, ref, models, source=source, reliability=reliability, threshold=_threshold(threshold),
                reranker=reranker, gate=gate,
            )  # fmt: skip
            _report(added)


@feeds_app.command("add")
@guarded
def feeds_add(
    url: Annotated[str, typer.Argument(help="Feed URL (or path of a feed file).")],
    name: Annotated[str, typer.Option("--name", help="Publisher name shown with its items.")],
    reliability: ReliabilityOpt = 1.0,
    db: DbOpt = None,
) -> None:
    """Register a feed to be read by `scenarist news poll`."""
    from scenarist.news import service as news

    with service.open_ledger(db) as ledger:
        feed = news.register_feed(ledger, url, name, reliability)
    out.print(f"feed #{feed.id} registered: {feed.name} <{feed.url}>", markup=False)


@feeds_app.command("list")
@guarded
def feeds_list(db: DbOpt = None, fmt: Annotated[ViewFormat, typer.Option("--format")] = ViewFormat.table) -> None:
    """The registered feeds and how their last poll went."""
    from rich.table import Table

    from scenarist.news import service as news

    with service.open_ledger(db) as ledger:
        feeds = news.feeds(ledger)
    if fmt is ViewFormat.json:
        sys.stdout.write(json.dumps({"feeds": [f.to_dict() for f in feeds]}, indent=2) + "\n")
        return
    table = Table(title="Feeds", title_justify="left")
    for col in ("id", "name", "reliability", "url", "last poll", "error"):
        table.add_column(col, overflow="fold")
    for f in feeds:
        polled = f"{f.polled_at:%Y-%m-%d %H:%M}" if f.polled_at else "never"
        table.add_row(str(f.id), f.name, f"{f.reliability:.2f}", f.url, polled, f.last_error or "")
    out.print(table)


@contextmanager
def _bar(label: str) -> Iterator[Any]:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    columns = (TextColumn(label), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, console=err, transient=True) as bar:
        task = bar.add_task(label, total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update


@news_app.command("poll")
@guarded
def news_poll(
    model: ModelsOpt = None,
    threshold: ThresholdOpt = None,
    embed: EmbedOpt = False,
    embed_gate: EmbedGateOpt = False,
    embed_model: EmbedPathOpt = None,
    db: DbOpt = None,
) -> None:
    """Fetch every registered feed once (conditional requests) and propose the new items."""
    from scenarist.news import service as news

    models = _models(model)
    reranker, gate = _semantic(embed, embed_gate, embed_model)
    with service.open_ledger(db) as ledger, _bar("polling feeds") as progress:
        reports = news.poll_feeds(
            ledger, models, threshold=_threshold(threshold), reranker=reranker, gate=gate, progress=progress
        )
    failed = 0
    for r in reports:
        if r.error is not None:
            failed += 1
            err.print(f"error: {r.feed.name}: {r.error}", markup=False)
        elif r.not_modified:
            out.print(f"{r.feed.name}: not modified since the last poll", markup=False)
        elif r.added is not None:
            _report(r.added)
    if not reports:
        err.print("no feeds registered; add one with: scenarist news feeds add URL --name NAME", markup=False)
    if failed:
        raise typer.Exit(1)


def _proposal_row(p: Proposal) -> dict[str, Any]:
    doc = p.to_dict()
    doc["item"] = p.item.to_dict()
    return doc


@news_app.command("proposals")
@guarded
def news_proposals(
    model_id: Annotated[str | None, typer.Argument(help="Only proposals for this model id.")] = None,
    include_all: Annotated[bool, typer.Option("--all", help="Include accepted, rejected and deferred ones.")] = False,
    deferred: Annotated[bool, typer.Option("--deferred", help="Deferred proposals only.")] = False,
    db: DbOpt = None,
    fmt: Annotated[ViewFormat, typer.Option("--format")] = ViewFormat.table,
) -> None:
    """Proposed evidence awaiting review: score, signpost, passage, date and source."""
    from rich.table import Table

    from scenarist.news import service as news

    statuses: tuple[Status, ...] = ("open",)
    if include_all:
        statuses = ("open", "accepted", "rejected", "deferred")
    elif deferred:
        statuses = ("deferred",)
    with service.open_ledger(db) as ledger:
        rows = news.proposals(ledger, model_id, statuses)
    if fmt is ViewFormat.json:
        sys.stdout.write(json.dumps({"proposals": [_proposal_row(p) for p in rows]}, indent=2) + "\n")
        return
    table = Table(title="Proposed evidence", title_justify="left")
    for col in ("id", "score", "model", "signpost", "date", "source", "passage", "status"):
        table.add_column(col, overflow="fold")
    for p in rows:
        date = str(p.item.published or p.item.fetched_at.date())
        table.add_row(str(p.id), f"{p.score:.2f}", p.model_id, p.signpost_id, date, p.item.source, p.passage, p.status)
    out.print(table)


@news_app.command("accept")
@guarded
def news_accept(
    proposal_id: Annotated[int, typer.Argument(help="Proposal id.")],
    observed: Annotated[
        str, typer.Option("--observed", help="yes: the item reports the event; no: it reports that it did not happen.")
    ] = "yes",
    reliability: Annotated[
        float | None, typer.Option("--reliability", help="Trust, 0..1 (default: the source's).")
    ] = None,
    model_ref: Annotated[
        str | None, typer.Option("--model", help="Model file (default: bundled model of that id).")
    ] = None,
    db: DbOpt = None,
) -> None:
    """Record the proposal as evidence: dated by the item, with its title and URL as the source."""
    from scenarist.news import service as news

    if observed not in ("yes", "no"):
        raise typer.BadParameter("--observed must be yes or no")
    with service.open_ledger(db) as ledger:
        proposal = news.get_proposal(ledger, proposal_id)
        try:
            loaded = service.load(model_ref or proposal.model_id)
        except ModelError as exc:
            raise ModelError(f"{exc.message}; give --model FILE for model {proposal.model_id!r}", exc.location) from exc
        done = news.accept(ledger, loaded, proposal_id, observed=observed == "yes", reliability=reliability)
    out.print(f"proposal #{done.id} accepted as evidence #{done.evidence_id}: {done.signpost_id}", markup=False)


@news_app.command("reject")
@guarded
def news_reject(
    proposal_id: Annotated[int, typer.Argument(help="Proposal id.")],
    note: Annotated[str | None, typer.Option("--note", help="Why.")] = None,
    db: DbOpt = None,
) -> None:
    """Reject a proposal; the decision is kept and the item is not proposed again."""
    _decide(proposal_id, "rejected", note, db)


@news_app.command("defer")
@guarded
def news_defer(
    proposal_id: Annotated[int, typer.Argument(help="Proposal id.")],
    note: Annotated[str | None, typer.Option("--note", help="Why.")] = None,
    db: DbOpt = None,
) -> None:
    """Set a proposal aside (listed with --deferred; it can still be accepted or rejected later)."""
    _decide(proposal_id, "deferred", note, db)


def _decide(proposal_id: int, status: str, note: str | None, db: str | None) -> None:
    from scenarist.news import service as news

    with service.open_ledger(db) as ledger:
        done = news.decide(ledger, proposal_id, status, note)
    out.print(f"proposal #{done.id} {status}", markup=False)
