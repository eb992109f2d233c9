"""Load benchmark of the web app: concurrent readers and one writer, on loopback.

Run:  .venv/bin/python bench/web_load.py [--clients 50] [--duration 60] [--write-every 0.5] [--think SECONDS]
      [--no-record]

Starts ``scenarist serve`` (one uvicorn process) on a free loopback port over a fresh SQLite
ledger with a token, waits until it answers and its caches are warm, then runs ``--clients``
asynchronous HTTP clients (each its own connection, keep-alive) that read in turn the
overview page and the JSON API (overview, probabilities, watch list, timeline) for
``--duration`` seconds, while one writer adds evidence through ``POST /api/models/{id}/evidence`` every
``--write-every`` seconds and retracts every fifth item it added. Any failed request or
status other than the expected one is an error. At the end the served probabilities must
count exactly the evidence the writer left active. Throughput and latency percentiles are
printed and appended to ``bench/results-web.md`` with the command and the machine.

Two modes, both reported:

- closed loop (the default, ``--think 0``): every reader sends its next request as soon as the last
  one is answered. 50 such loops saturate the machine, so latency there is mostly queueing: by Little's
  law the mean latency is 50 divided by the throughput. It measures the capacity, not what a person sees.
- paced (``--think SECONDS``): every reader waits a random time between SECONDS and twice that after
  each answer, as people in a workshop do between clicks (e.g. ``--think 0.5`` waits 0.5–1 s). The
  latency target of the web app (p95 of every read ≤ 100 ms) is judged on this mode.

Honest limits: the load generator (httpx, Python) runs on the same 2 cores as the server and
takes a large share of them; other work on the machine shows in the load average recorded before
and after each run. The clients accept gzip, as browsers do. The writer waits for each answer (a
write returns once the new standing is published), so it writes at most every ``--write-every``
seconds, less often when a recompute takes longer.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import platform
import random
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from machine import describe

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results-web.md"
MODEL = "us-russia-2025"
SIGNPOSTS = (
    "washington_blames_moscow",
    "new_us_sanctions",
    "brent_below_60",
    "us_troop_cut_europe",
    "embassies_normalised",
)
READS = (
    ("page: overview", f"/models/{MODEL}"),
    ("api: overview", f"/api/models/{MODEL}"),
    ("api: probabilities", f"/api/models/{MODEL}/probabilities"),
    ("api: watch", f"/api/models/{MODEL}/watch"),
    ("api: timeline", f"/api/models/{MODEL}/timeline"),
)


@dataclass
class Tally:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    messages: list[str] = field(default_factory=list)

    def record(self, name: str, started: float, ok: bool, detail: str = "") -> None:
        self.latencies[name].append(time.perf_counter() - started)
        if not ok:
            self.errors[name] += 1
            if len(self.messages) < 10:
                self.messages.append(f"{name}: {detail}")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _wait_until_up(base: str, server: subprocess.Popen[bytes], timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server exited with status {server.returncode}")
        try:
            if httpx.get(f"{base}/api/models", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    else:
        raise SystemExit("the server did not start in time")
    for _, path in READS:  # warm every cache (key assumptions take a while) before measuring
        httpx.get(base + path, timeout=300).raise_for_status()
    httpx.get(f"{base}/api/models/{MODEL}/assumptions", timeout=300).raise_for_status()


async def _reader(base: str, index: int, stop: float, tally: Tally, think: float) -> None:
    pause = random.Random(index)
    async with httpx.AsyncClient(base_url=base, timeout=30, limits=httpx.Limits(max_connections=1)) as client:
        k = index
        if think:
            await asyncio.sleep(pause.uniform(0, think))  # readers start spread out, as people do
        while time.perf_counter() < stop:
            name, path = READS[k % len(READS)]
            k += 1
            started = time.perf_counter()
            try:
                r = await client.get(path)
                tally.record(name, started, r.status_code == 200, f"status {r.status_code}")
            except httpx.HTTPError as exc:
                tally.record(name, started, False, repr(exc))
            if think:
                await asyncio.sleep(pause.uniform(think, 2 * think))


async def _writer(base: str, token: str, every: float, stop: float, tally: Tally) -> set[int]:
    active: set[int] = set()
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=base, timeout=30, headers=headers) as client:
        n = 0
        while time.perf_counter() < stop:
            n += 1
            body = {
                "signpost": SIGNPOSTS[n % len(SIGNPOSTS)],
                "observed": n % 3 != 0,
                "date": (dt.date(2025, 5, 1) + dt.timedelta(days=n)).isoformat(),
                "source": f"bench report {n}",
                "reliability": 0.6,
                "explicit": True,  # a report that the event did not happen, not merely that it is not yet seen
            }
            started = time.perf_counter()
            try:
                r = await client.post(f"/api/models/{MODEL}/evidence", json=body)
                tally.record(
                    "write: add evidence", started, r.status_code == 201, f"status {r.status_code}: {r.text[:200]}"
                )
                if r.status_code == 201:
                    active.add(r.json()["evidence"]["id"])
                if n % 5 == 0 and active:
                    victim = min(active)
                    started = time.perf_counter()
                    r = await client.post(f"/api/models/{MODEL}/evidence/{victim}/retract", json={"reason": "bench"})
                    tally.record("write: retract", started, r.status_code == 200, f"status {r.status_code}")
                    if r.status_code == 200:
                        active.discard(victim)
            except httpx.HTTPError as exc:
                tally.record("write: add evidence", started, False, repr(exc))
            await asyncio.sleep(max(0.0, min(every, stop - time.perf_counter())))
    return active


async def _run(
    base: str, token: str, clients: int, duration: float, every: float, think: float
) -> tuple[Tally, set[int], float]:
    tally = Tally()
    start = time.perf_counter()
    stop = start + duration
    readers = [_reader(base, i, stop, tally, think) for i in range(clients)]
    results = await asyncio.gather(_writer(base, token, every, stop, tally), *readers)
    return tally, results[0], time.perf_counter() - start


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


def _table(tally: Tally, elapsed: float) -> list[str]:
    lines = [
        "| requests | count | errors | per second | p50 (ms) | p95 (ms) | p99 (ms) | max (ms) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    groups = dict(sorted(tally.latencies.items()))
    reads = [v for k, vs in groups.items() if not k.startswith("write") for v in vs]
    rows = [*groups.items(), ("all reads", reads)]
    for name, values in rows:
        if name == "all reads":
            errors = sum(n for k, n in tally.errors.items() if not k.startswith("write"))
        else:
            errors = tally.errors.get(name, 0)
        ms = [1000 * v for v in values]
        lines.append(
            f"| {name} | {len(values):,} | {errors} | {len(values) / elapsed:,.1f} | {statistics.median(ms):.0f} | "
            f"{_percentile(ms, 95):.0f} | {_percentile(ms, 99):.0f} | {max(ms):.0f} |"
        )
    return lines


def uvicorn_setup() -> str:
    """uvicorn's version and the HTTP parser and event loop it picks (httptools and uvloop when installed)."""
    import importlib.util

    import uvicorn

    http = "httptools" if importlib.util.find_spec("httptools") else "h11"
    loop = "uvloop" if importlib.util.find_spec("uvloop") else "asyncio"
    return f"{uvicorn.__version__}, {http}, {loop}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--duration", type=float, default=60.0)
    parser.add_argument("--write-every", type=float, default=0.5, help="seconds between the writer's additions")
    parser.add_argument(
        "--think", type=float, default=0.0, help="paced mode: readers wait THINK to 2*THINK s between requests"
    )
    parser.add_argument("--no-record", action="store_true", help=f"do not append to {RESULTS.name}")
    args = parser.parse_args()

    token = secrets.token_urlsafe(24)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    load_start = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "SCENARIST_TOKEN": token}
        env.pop("SCENARIST_DB", None)
        command = [sys.executable, "-m", "scenarist", "serve", "--db", str(Path(tmp) / "ledger.sqlite"),
                   "--host", "127.0.0.1", "--port", str(port)]  # fmt: skip
        server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            _wait_until_up(base, server)
            load_before = os.getloadavg()[0]
            tally, active, elapsed = asyncio.run(
                _run(base, token, args.clients, args.duration, args.write_every, args.think)
            )
            served = httpx.get(f"{base}/api/models/{MODEL}/probabilities", timeout=30).json()["evidence"]["active"]
            load = (
                f"1-minute load average {load_start:.1f} before the server started, {load_before:.1f} when the "
                f"run began, {os.getloadavg()[0]:.1f} after it"
            )
        finally:
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
    consistent = sorted(served) == sorted(active)
    errors = sum(tally.errors.values())
    table = _table(tally, elapsed)
    writes = len(tally.latencies["write: add evidence"])
    mode = (
        f"paced: each reader waits {args.think:g}–{2 * args.think:g} s between requests"
        if args.think
        else "closed loop: readers send back-to-back, no think time"
    )
    summary = (
        f"{mode}; {args.clients} readers + 1 writer for {elapsed:.1f} s: "
        f"{sum(len(v) for v in tally.latencies.values()):,} requests, {errors} errors; {writes} evidence added, "
        f"{len(active)} left active, and the served "
        f"probabilities count {'exactly those' if consistent else 'DIFFERENT evidence: ' + str(len(served))}."
    )
    print("\n".join([summary, load, "", *table]))
    for message in tally.messages:
        print("error:", message)
    if not args.no_record:
        stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
        cmd = "python bench/web_load.py " + " ".join(sys.argv[1:])
        machine = describe()
        versions = f"Python {platform.python_version()}, httpx {httpx.__version__}"
        section = [
            f"## {stamp}",
            "",
            f"- command: `{cmd.strip()}`",
            f"- machine: {machine}; server and load generator on the same machine, over loopback",
            f"- versions: {versions}; one `scenarist serve` process (uvicorn {uvicorn_setup()}), SQLite ledger",
            f"- load on the machine from other work: {load}",
            f"- result: {summary}",
            "",
            *table,
            "",
        ]
        if not RESULTS.exists():
            RESULTS.write_text(
                "# Web load benchmark\n\nRecorded by `bench/web_load.py` (see its docstring). Each section is one run."
                "\n\n",
                encoding="utf-8",
            )
        with RESULTS.open("a", encoding="utf-8") as out:
            out.write("\n".join(section) + "\n")
    if errors or not consistent:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
