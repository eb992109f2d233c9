"""Precision and recall of the top news proposal on the labelled set, and matching speed.

Usage: python bench/news_eval.py [--model MODEL] [--data FILE] [--threshold T] [--embed] [--embed-gate COS]
                                 [--speed N] [--verbose]
       python bench/news_eval.py --sweep CHART.svg [--model MODEL] [--data FILE]

Each item of bench/news_eval.jsonl is labelled with the signpost of the bundled model it reports,
or ``none``. An item counts as a true positive when its top proposal (at the threshold) is its
signpost, as a false positive when it has a top proposal that is not its label (a distractor
proposed, or the wrong signpost), and as a false negative when a reporting item gets no proposal
or a wrong one.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import time
from pathlib import Path

from scenarist.model import load_model
from scenarist.news.match import DEFAULT_THRESHOLD, ItemText, MatchResult, SignpostIndex, match_items

HERE = Path(__file__).resolve().parent
DATA = HERE / "news_eval.jsonl"


def load_items(data: Path = DATA) -> tuple[list[ItemText], list[str], list[str]]:
    rows = [json.loads(line) for line in data.read_text(encoding="utf-8").splitlines() if line.strip()]
    items = [ItemText(r["title"], r["summary"], dt.date.fromisoformat(r["published"])) for r in rows]
    return items, [r["label"] for r in rows], [r["id"] for r in rows]


def evaluate(
    model_ref: str, data: Path, threshold: float, embed: bool, verbose: bool, gate: float = 0.0
) -> dict[str, object]:
    model = load_model(model_ref)
    items, labels, ids = load_items(data)
    reranker = semantic = None
    if embed or gate:
        from scenarist.news.embed import MiniLMReranker

        semantic = MiniLMReranker()
        reranker = semantic if embed else None
    index = SignpostIndex(model, reranker, gate=semantic if gate else None, gate_at=gate)
    result = match_items(model, items, threshold=threshold, index=index)
    counts = _count(result, labels, threshold, [items[i].title for i in range(len(items))] if verbose else None, ids)
    return {"data": data.name, "method": result.method, **counts}


def _count(result: MatchResult, labels: list[str], threshold: float, titles: list[str] | None,
           ids: list[str]) -> dict[str, float]:  # fmt: skip
    """TP, FP, FN, precision and recall of the top proposal at ``threshold`` (misses printed when titled)."""
    tp = fp = fn = 0
    for i, label in enumerate(labels):
        top = result.top(i)
        top = top if top is not None and top.score >= threshold else None
        got = top.signpost_id if top else "none"
        if got == label:
            tp += label != "none"
        else:
            fp += got != "none"
            fn += label != "none"
            if titles is not None:
                print(f"{ids[i]} want {label} got {got} {top.score if top else ''} | {titles[i]}")
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return {"threshold": threshold, "tp": tp, "fp": fp, "fn": fn,
            "precision": round(precision, 3), "recall": round(recall, 3)}  # fmt: skip


def sweep(model_ref: str, data: Path, out: Path) -> None:
    """Precision and recall (%) of the lexical matcher against the threshold, as an SVG chart."""
    from scenarist.report.charts import line_chart

    model = load_model(model_ref)
    items, labels, ids = load_items(data)
    result = match_items(model, items, threshold=0.0)
    steps = [round(0.4 + 0.05 * k, 2) for k in range(8)]
    rows = [_count(result, labels, t, None, ids) for t in steps]
    series = {"precision": [100 * r["precision"] for r in rows], "recall": [100 * r["recall"] for r in rows]}
    svg = line_chart(series, [f"{t:.2f}" for t in steps], title=f"Top proposal on {data.name}", ylabel="%")
    if svg is None:
        raise SystemExit("the chart needs the charts extra (matplotlib)")
    out.write_text(svg, encoding="utf-8")
    for r in rows:
        print(json.dumps(r))


def speed(model_ref: str, n: int) -> float:
    model = load_model(model_ref)
    items, _, _ = load_items()
    batch = (items * (n // len(items) + 1))[:n]
    index = SignpostIndex(model)
    start = time.perf_counter()
    match_items(model, batch, index=index)
    return n / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="us-russia-2025", help="model file or bundled name")
    parser.add_argument("--data", type=Path, default=DATA, help="labelled items (JSON Lines)")
    parser.add_argument("--threshold", type=float, default=None)
    parser.add_argument("--embed", action="store_true", help="add the embedding re-ranker (embed extra)")
    parser.add_argument(
        "--embed-gate",
        type=float,
        default=0.0,
        metavar="COS",
        help="let a passage this similar to a signpost (embed extra) meet its require hint",
    )
    parser.add_argument("--speed", type=int, default=0, help="also time matching N items on one core")
    parser.add_argument("--verbose", action="store_true", help="list every miss")
    parser.add_argument("--sweep", type=Path, help="write a precision/recall-against-threshold chart (SVG) here")
    args = parser.parse_args()
    threshold = args.threshold if args.threshold is not None else DEFAULT_THRESHOLD
    if args.sweep:
        sweep(args.model, args.data, args.sweep)
        return
    print(json.dumps(evaluate(args.model, args.data, threshold, args.embed, args.verbose, args.embed_gate)))
    if args.speed:
        print(json.dumps({"items": args.speed, "items_per_second": round(speed(args.model, args.speed))}))


if __name__ == "__main__":
    main()
