"""A soak: hours of traffic compressed into minutes, with restarts, watching memory, lag and errors.

Offers listings at a steady rate (3000/s by default) to workers in the shape the
deployment runs them (deploy/k8s/base): scan workers, and a feedback worker that
owns the seller reputation table, while the example takedown service turns every
takedown notice into an enforcement outcome that flows back into seller
reputation. Every ``--restart-every-s`` one worker (the oldest, of either role)
is stopped with SIGTERM and a new one of its role started, as a deploy would. Every five seconds the soak samples each
worker's RSS, the scan group's lag (end offsets minus committed offsets of
listings.raw) and the feedback group's lag on the outcomes (enforcement.outcomes
and the re-keyed outcomes-by-seller).

It reports, per worker process, its RSS when it started scanning, five minutes
into its life or into the offering (whichever is later: a worker that lived
through the warm-up grew with the state it built), and at its end, the slope of
its RSS after that (MiB per minute) and its growth over that time; the largest lags seen
and the outcomes still waiting for the feedback worker when the offering ended;
the ERROR lines the workers logged; and ``lost``: listings offered without a
decision or a dead letter at the end (read read_committed; must be 0).

    python -m benchmarks.soak --minutes 30 --json reports/soak.json [--rate 3000] [--workers 2] [--feedback-workers 1]
"""

from __future__ import annotations

import asyncio
import re
import signal
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from agents.kafka.broker import local_replication
from agents.kafka.clients import create_topics, reader, wait_for_group
from agents.processes import LoggedProcess, first_exit, terminate, worker_command
from benchmarks.common import benchmark_parser, cluster, group_lags, log_dir, start_feeder, worker_env, write_report
from pipeline import topics
from pipeline.settings import Settings

SAMPLE_EVERY_S = 5.0
WARMUP_OUTCOMES_S = 1800.0  # longest wait for the feedback group to apply the warm-up's outcomes
OUTCOMES_SETTLED = 2000  # outcomes still to apply when the warm-up counts as applied
SETTLE_S = 300.0  # a worker's first five minutes: caches and state fill; growth is judged after them
ERROR = re.compile(r"\] \[(?:ERROR|CRITICAL)\]")
DIGITS = re.compile(r"\d+")  # an error's kind: its text with the numbers in it (partitions, times) masked
PER_ROW_HIDDEN = ("pid", "rss_curve_mb")  # in the JSON only
EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "takedown_service.py"


def rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


@dataclass
class WorkerLife:
    """One worker process from start to stop, with its RSS samples (seconds since its start, MiB)."""

    process: LoggedProcess
    role: str
    started: float
    rss: list[tuple[float, float]] = field(default_factory=list)
    stopped: float | None = None
    # growth is judged from five minutes into its life or into the offering, whichever is later: a worker
    # that lived through the warm-up grew with the state the warm-up built, which is not a leak
    settled_after_s: float = SETTLE_S

    def report(self) -> dict[str, Any]:
        settled = [(t, r) for t, r in self.rss if t >= self.settled_after_s]
        at_5min = settled[0][1] if settled else None
        end = self.rss[-1][1] if self.rss else None
        return {
            "pid": self.process.pid,
            "role": self.role,
            "lived_s": round((self.stopped or time.monotonic()) - self.started, 1),
            "rss_start_mb": round(self.rss[0][1], 1) if self.rss else None,
            "rss_at_5min_mb": round(at_5min, 1) if at_5min else None,
            "settled_after_s": round(self.settled_after_s),
            "rss_end_mb": round(end, 1) if end else None,
            "rss_slope_mb_per_min_after_5min": round(_slope(settled) * 60, 3) if len(settled) >= 3 else None,
            "rss_growth_after_5min": round((end - at_5min) / at_5min, 4) if at_5min and end else None,
            # every sixth sample (30 s apart): the curve, to tell a level reached from a climb
            "rss_curve_mb": [[round(t), round(r, 1)] for t, r in self.rss[::6]],
        }


def _slope(points: list[tuple[float, float]]) -> float:
    """Least-squares slope of RSS over time (MiB per second)."""
    n = len(points)
    mean_t = sum(t for t, _ in points) / n
    mean_r = sum(r for _, r in points) / n
    var = sum((t - mean_t) ** 2 for t, _ in points)
    return sum((t - mean_t) * (r - mean_r) for t, r in points) / var if var else 0.0


class Ledger:
    """Which listings got an outcome, and how many decisions came twice: ids only, so a run of
    millions of listings fits in memory. What was offered is read from the generator's labels."""

    def __init__(self) -> None:
        self.accounted: set[str] = set()
        self.decision_ids: set[str] = set()
        self.duplicates = 0
        self.lock = threading.Lock()

    def decided(self, listing_id: str, decision_id: str) -> None:
        with self.lock:
            if decision_id in self.decision_ids:
                self.duplicates += 1
            self.decision_ids.add(decision_id)
            self.accounted.add(listing_id)

    def deadlettered(self, listing_id: str | None) -> None:
        with self.lock:
            if listing_id is not None:
                self.accounted.add(listing_id)

    def missing(self, labels: Path) -> tuple[int, int]:
        """Listings offered (lines of the labels file) and those without an outcome."""
        offered = lost = 0
        with labels.open("rb") as lines, self.lock:
            for line in lines:
                offered += 1
                lost += orjson.loads(line)["listing_id"] not in self.accounted
        return offered, lost


async def _follow_outcomes(bootstrap: str, ledger: Ledger, stop: threading.Event) -> None:
    consumer = reader(bootstrap, topics.DECISIONS.name, topics.DEADLETTER.name, isolation_level="read_committed")
    await consumer.start()
    try:
        while not stop.is_set():
            for tp, messages in (await consumer.getmany(timeout_ms=500, max_records=20000)).items():
                for message in messages:
                    record = orjson.loads(message.value)
                    if tp.topic == topics.DECISIONS.name:
                        ledger.decided(record["listing_id"], record["decision_id"])
                    else:
                        ledger.deadlettered(record["source"]["key"])
    finally:
        await consumer.stop()


def _outcome_lag(bootstrap: str, watched: dict[str, tuple[str, ...]], app_group: str) -> int:
    try:
        return asyncio.run(group_lags(bootstrap, {app_group: watched[app_group]}))[app_group]
    except Exception as exc:  # a sample the broker did not answer: asked again
        print(f"lag sample skipped: {exc!r}", file=sys.stderr)
        return OUTCOMES_SETTLED + 1


def run_soak(minutes: float, rate: float, workers: int, feedback_workers: int, restart_every_s: float,
             warmup: int, seed: int, keep_logs: Path | None = None) -> dict[str, Any]:
    duration = minutes * 60
    with cluster() as (bootstrap, broker, _pid), log_dir(keep_logs, "soak") as logs:
        asyncio.run(create_topics(bootstrap, local_replication(Settings.load())))
        env = worker_env(bootstrap, "soak")
        group, app_group = env["COUNTERSCAN_SCAN_GROUP_ID"], env["COUNTERSCAN_APP_ID"]
        lives: list[WorkerLife] = []

        def start_worker(role: str) -> WorkerLife:
            process = LoggedProcess(worker_command(), logs / f"worker-{len(lives)}-{role}.log",
                                    {**env, **Settings.env(roles=role)})
            life = WorkerLife(process, role, time.monotonic())
            lives.append(life)
            return life

        def sample() -> None:
            now = time.monotonic()
            for life in lives:
                if life.stopped is None and (rss := rss_mb(life.process.pid)) is not None:
                    life.rss.append((now - life.started, rss))

        service = LoggedProcess([sys.executable, str(EXAMPLE), "--bootstrap-servers", bootstrap, "--group",
                                 f"{group}-takedowns"], logs / "takedown-service.log", {})
        ledger = Ledger()
        stop_reading = threading.Event()
        outcomes = threading.Thread(target=lambda: asyncio.run(_follow_outcomes(bootstrap, ledger, stop_reading)),
                                    daemon=True)
        # The scan group on listings.raw; the feedback agents' group (Faust's) on the outcomes: the
        # reputation a scan reads is only as fresh as the outcomes the feedback worker has applied.
        watched = {group: (topics.LISTINGS_RAW.name,),
                   app_group: (topics.OUTCOMES.name, topics.OUTCOMES_BY_SELLER.name)}
        largest_lag = largest_outcome_lag = outcome_lag = restarts = warmup_outcome_lag = 0
        warmup_s = 0.0
        feeder: LoggedProcess | None = None
        label_files = [logs / "warmup-labels.jsonl", logs / "labels.jsonl"]
        try:
            for role in ["scan"] * workers + ["feedback"] * feedback_workers:
                start_worker(role)
            asyncio.run(wait_for_group(bootstrap, group, workers, exited=lambda: first_exit([w.process for w in lives])))
            outcomes.start()
            if warmup:
                # A marketplace's workers start on seller state built over months. The generator's
                # sellers come from pools of up to 60000 accounts per kind, so a run from empty topics
                # would still be meeting most of them during the measurement: its memory would follow
                # the state filling up, not tell a leak. The warm-up listings (another seed, the same
                # pools) are published as fast as they go and all decided before the soak begins.
                feeder = start_feeder(bootstrap, warmup, None, seed + 1, label_files[0], logs / "warmup.log")
                began = time.monotonic()
                while len(ledger.accounted) < warmup and time.monotonic() - began < 1800:
                    time.sleep(SAMPLE_EVERY_S)
                    sample()
                    if feeder.poll() not in (None, 0):
                        raise RuntimeError(f"the warm-up generator failed: {feeder.exit_description()}")
                    print(f"warm-up {len(ledger.accounted)} of {warmup} decided", file=sys.stderr)
                if len(ledger.accounted) < warmup:  # the soak would measure state still filling; the
                    # feeder, still publishing, is stopped on the way out like every other process
                    raise RuntimeError(f"the warm-up was not decided in {time.monotonic() - began:.0f} s: "
                                       f"{len(ledger.accounted)} of {warmup} listings")
                # Published as fast as they go, the warm-up's listings bring outcomes back faster than
                # the offering will: its reputation is part of the state, so the clock starts once the
                # feedback group has applied them (or after WARMUP_OUTCOMES_S, reported either way).
                deadline = time.monotonic() + WARMUP_OUTCOMES_S
                while (warmup_outcome_lag := _outcome_lag(bootstrap, watched, app_group)) > OUTCOMES_SETTLED \
                        and time.monotonic() < deadline:
                    sample()
                    print(f"warm-up outcomes: {warmup_outcome_lag} not yet applied", file=sys.stderr)
                    time.sleep(SAMPLE_EVERY_S)
                warmup_s = time.monotonic() - began
            count = int(duration * rate)
            feeder = start_feeder(bootstrap, count, rate, seed, label_files[1], logs / "generate.log")
            started = time.monotonic()
            for life in lives:
                life.settled_after_s = max(SETTLE_S, started - life.started + SETTLE_S)
            next_restart = started + restart_every_s
            while feeder.poll() is None:
                time.sleep(SAMPLE_EVERY_S)
                sample()
                now = time.monotonic()
                try:
                    lags = asyncio.run(group_lags(bootstrap, watched))
                    largest_lag = max(largest_lag, lags[group])
                    outcome_lag = lags[app_group]
                    largest_outcome_lag = max(largest_outcome_lag, outcome_lag)
                except Exception as exc:  # a sample the broker did not answer is skipped
                    print(f"lag sample skipped: {exc!r}", file=sys.stderr)
                if now >= next_restart:
                    oldest = next(life for life in lives if life.stopped is None)
                    terminate(oldest.process.pid, 60.0, oldest.process)
                    oldest.stopped = time.monotonic()
                    start_worker(oldest.role)
                    restarts += 1
                    next_restart += restart_every_s
                print(f"{now - started:7.0f}s decided {len(ledger.accounted)} largest lag {largest_lag} "
                      f"outcomes behind {outcome_lag}",
                      file=sys.stderr)
            offered_s = time.monotonic() - started
            if feeder.returncode != 0:
                raise RuntimeError(f"the generator failed: {feeder.exit_description()}")
            deadline = time.monotonic() + 180
            while len(ledger.accounted) < count + warmup and time.monotonic() < deadline:
                time.sleep(1.0)
            offered, lost = ledger.missing(label_files[1])
            warmed, warmup_lost = ledger.missing(label_files[0]) if warmup else (0, 0)
        finally:
            if feeder is not None:
                terminate(feeder.pid, 10.0, feeder)
            stop_reading.set()
            if outcomes.is_alive():
                outcomes.join(30)
            for life in lives:
                if life.stopped is None:
                    terminate(life.process.pid, 60.0, life.process)
                    life.stopped = time.monotonic()
            service.send_signal(signal.SIGTERM)
            terminate(service.pid, 30.0, service)
        errors = [line for life in lives for line in life.process.log_path.read_text(errors="replace").splitlines()
                  if ERROR.search(line)]
        kinds = Counter(DIGITS.sub("N", ERROR.split(line, maxsplit=1)[-1].strip())[:160] for line in errors)
        unexpected = [life.process.exit_description() for life in lives
                      if life.process.returncode not in (0, -signal.SIGTERM)]
        per_worker = [life.report() for life in lives]
        growths = [w["rss_growth_after_5min"] for w in per_worker if w["rss_growth_after_5min"] is not None]
        return {
            "minutes": minutes, "rate_asked_per_s": rate, "listings_offered": offered,
            "offered_per_s": round(offered / offered_s, 1), "workers": workers,
            "feedback_workers": feedback_workers, "restarts": restarts,
            "warmup_listings": warmed, "warmup_s": round(warmup_s, 1), "warmup_outcome_lag": warmup_outcome_lag,
            "lost": lost + warmup_lost, "duplicate_decisions": ledger.duplicates, "largest_lag": largest_lag,
            "largest_outcome_lag": largest_outcome_lag, "outcome_lag_at_end": outcome_lag,
            "errors_logged": len(errors), "error_kinds": dict(kinds.most_common(10)),
            "error_samples": errors[:5], "unexpected_exits": unexpected,
            "max_rss_growth_after_5min": max(growths) if growths else None, "per_worker": per_worker,
            "broker": broker,
        }


def main(argv: list[str] | None = None) -> int:
    parser = benchmark_parser(__doc__, seed=81)
    parser.add_argument("--minutes", type=float, default=30.0, help="how long listings are offered (default 30)")
    parser.add_argument("--rate", type=float, default=3000.0, help="listings offered per second (default 3000)")
    parser.add_argument("--workers", type=int, default=2, help="scan worker processes (default 2)")
    parser.add_argument("--feedback-workers", type=int, default=1,
                        help="feedback worker processes, owning the reputation table (default 1)")
    parser.add_argument("--restart-every-s", type=float, default=300.0,
                        help="restart the oldest worker this often (default 300)")
    parser.add_argument("--logs", type=Path, default=None, help="keep the workers' logs here (in a folder soak)")
    parser.add_argument("--warmup", type=int, default=2_000_000,
                        help="listings decided before the soak begins, so the seller state is grown (default "
                             "2000000; 0 starts from empty state)")
    args = parser.parse_args(argv)
    report = run_soak(args.minutes, args.rate, args.workers, args.feedback_workers, args.restart_every_s,
                      args.warmup, args.seed, args.logs)
    rows = [(key, value) for key, value in report.items() if key not in ("per_worker", "error_samples")]
    rows += [(f"worker {i} ({w['pid']})", ", ".join(f"{k} {v}" for k, v in w.items() if k not in PER_ROW_HIDDEN))
             for i, w in enumerate(report["per_worker"])]
    write_report(report, args.json, rows)
    return 0 if report["lost"] == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
