"""Benchmark the store: no agreement lost over random SIGKILLs during writes, and what one durable write costs.

    python scripts/bench_store.py [--kills 100] [--writes 300] [--seed 1] [--dir DIR] [--json]

Crash part: a child process writes agreements in a loop and prints each id right after its commit (then
flushes). The parent kills it with SIGKILL at a random moment, reopens the store and checks that every
agreement the child reported is there with the same time and phrase. Lost (target 0) counts reported
agreements missing or changed; the database's integrity check must pass after every kill.
Timing part: `--writes` agreements written one transaction each, with synchronous=FULL (what the store
uses) and NORMAL (for comparison: the price of surviving power loss, not just a killed process).
Lateness part: `--reminders` agreements due over the next few seconds, fired by the loop a live assistant
runs (sleep until `next_wakeup(now)`, then `due(now)` on the real clock); reports how late each fired.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from assistant.scheduler import Scheduler
from assistant.store import Store, open_store

NOW = datetime(2026, 11, 20, 18, 30, tzinfo=UTC)


def child(db: str) -> None:
    """Write agreements until killed; one line `id minutes` per commit."""
    store = open_store(db)
    print("ready", flush=True)
    i = 0
    while True:
        i += 1
        agreement = store.add_agreement(NOW + timedelta(minutes=i), f"agreement {os.getpid()} {i}", NOW)
        print(agreement.id, os.getpid(), i, flush=True)


def crash_run(db: Path, kills: int, rng: random.Random) -> dict:
    lost = unreported = reported_total = 0
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    for _ in range(kills):
        proc = subprocess.Popen([sys.executable, __file__, "--child", str(db)], stdout=subprocess.PIPE,
                                text=True, env=env)
        if proc.stdout.readline().strip() != "ready":
            raise SystemExit("the child did not start; run it alone to see why")
        time.sleep(rng.uniform(0.0, 0.3))
        proc.send_signal(signal.SIGKILL)
        out, _ = proc.communicate()
        reported = [tuple(int(x) for x in line.split()) for line in out.splitlines() if len(line.split()) == 3]
        reported_total += len(reported)
        with open_store(db) as store:
            if store._conn.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise SystemExit(f"integrity check failed after a kill: {db}")
            for agreement_id, pid, i in reported:
                a = store.get(agreement_id)
                if a is None or a.heard != f"agreement {pid} {i}" or a.resume_at != NOW + timedelta(minutes=i):
                    lost += 1
            pid = reported[0][1] if reported else proc.pid
            stored = store._conn.execute("SELECT count(*) FROM agreements WHERE heard LIKE ?",
                                         (f"agreement {pid} %",)).fetchone()[0]
            unreported += stored - len(reported)
    return {"kills": kills, "reported": reported_total, "lost": lost, "committed_not_reported": unreported}


def time_writes(folder: Path, writes: int, synchronous: str) -> dict:
    path = folder / f"timing-{synchronous.lower()}.sqlite3"
    store = open_store(path)
    store.close()
    conn = sqlite3.connect(path, isolation_level=None)
    store = Store(conn, path=path)
    conn.execute(f"PRAGMA synchronous = {synchronous}")
    times = []
    for i in range(writes):
        start = time.perf_counter()
        store.add_agreement(NOW + timedelta(minutes=i), f"timing {i}", NOW)
        times.append((time.perf_counter() - start) * 1000)
    store.close()
    times.sort()
    return {"synchronous": synchronous, "writes": writes, "mean_ms": round(statistics.fmean(times), 3),
            "p50_ms": round(times[len(times) // 2], 3), "p95_ms": round(times[int(len(times) * 0.95)], 3)}


def lateness(folder: Path, reminders: int, rng: random.Random) -> dict:
    path = folder / "lateness.sqlite3"
    with open_store(path) as store:
        now = datetime.now(UTC)
        due_at = now + timedelta(seconds=0.5)
        for _ in range(reminders):
            due_at += timedelta(seconds=rng.uniform(0.05, 0.4))
            store.add_agreement(due_at, "lateness", now)
        scheduler, late = Scheduler(store, zone=UTC), []
        while len(late) < reminders:
            now = datetime.now(UTC)
            wake = scheduler.next_wakeup(now)
            time.sleep(min(max((wake - now).total_seconds(), 0.0), 60.0))
            late += [r.late_by_seconds * 1000 for r in scheduler.due(datetime.now(UTC))]
    late.sort()
    return {"reminders": reminders, "mean_ms": round(statistics.fmean(late), 2),
            "p95_ms": round(late[int(len(late) * 0.95)], 2), "max_ms": round(late[-1], 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=100)
    parser.add_argument("--writes", type=int, default=300)
    parser.add_argument("--reminders", type=int, default=30)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--dir", type=Path, help="folder for the databases (default: a new temporary one)")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    folder = args.dir or Path(tempfile.mkdtemp(prefix="bench-store-"))
    started = time.perf_counter()
    crash = crash_run(folder / "crash.sqlite3", args.kills, random.Random(args.seed))
    timing = [time_writes(folder, args.writes, mode) for mode in ("FULL", "NORMAL")]
    late = lateness(folder, args.reminders, random.Random(args.seed))
    result = {"crash": crash, "timing": timing, "lateness": late, "seconds": round(time.perf_counter() - started, 1),
              "folder": str(folder)}
    if args.json:
        print(json.dumps(result))
        return
    print(f"SIGKILL during writes: {crash['kills']} kills, {crash['reported']} agreements reported committed, "
          f"{crash['lost']} lost (target 0), {crash['committed_not_reported']} committed but killed before "
          "reporting (kept)")
    for t in timing:
        print(f"write, synchronous={t['synchronous']}: mean {t['mean_ms']} ms, p50 {t['p50_ms']} ms, "
              f"p95 {t['p95_ms']} ms over {t['writes']} writes")
    print(f"reminder lateness (sleep until next_wakeup, then due): mean {late['mean_ms']} ms, "
          f"p95 {late['p95_ms']} ms, max {late['max_ms']} ms over {late['reminders']} reminders")
    print(f"took {result['seconds']} s; databases in {folder}")
    if crash["lost"]:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
