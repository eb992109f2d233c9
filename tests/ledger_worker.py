"""Helper process for the ledger robustness tests; not a test module.

python ledger_worker.py add DB WORKER COUNT
    print "ready", wait for a line on stdin, then add COUNT evidence rows one by one
    (source "worker-WORKER") and print "done".
python ledger_worker.py import DB ROWS REPORT_AT
    import ROWS rows in one call; print "started" when the ledger asks for row REPORT_AT
    (that is, inside the import's transaction) and "committed" when the call returns.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Iterator

from scenarist.evidence import EvidenceInput, open_ledger

MODEL = "worker-model"
FIRST_DAY = dt.date(2025, 1, 1)


def say(word: str) -> None:
    print(word, flush=True)


def add(db: str, worker: int, count: int) -> None:
    say("ready")
    sys.stdin.readline()
    with open_ledger(db) as ledger:
        for i in range(count):
            ledger.add_evidence(
                EvidenceInput(
                    MODEL, f"signpost-{i % 5}", i % 2 == 0, FIRST_DAY + dt.timedelta(days=i), f"worker-{worker}"
                )
            )
    say("done")


def rows(total: int, report_at: int) -> Iterator[EvidenceInput]:
    for i in range(total):
        if i == report_at:
            say("started")
        day = FIRST_DAY + dt.timedelta(days=i % 365)
        yield EvidenceInput(MODEL, f"bulk-{i // 365}", True, day, "bulk-import", note=f"#{i}")


def bulk_import(db: str, total: int, report_at: int) -> None:
    with open_ledger(db) as ledger:
        ledger.import_evidence(rows(total, report_at))
        say("committed")


def main(argv: list[str]) -> int:
    command, db, first, second = argv
    if command == "add":
        add(db, int(first), int(second))
    elif command == "import":
        bulk_import(db, int(first), int(second))
    else:
        print(f"unknown command {command!r}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
