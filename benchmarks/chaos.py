"""The ``rebalance_chaos`` fault: workers start and stop at random moments while listings flow.

Every moment of a worker's life meets a rebalance here: workers join, leave
with SIGTERM and die with SIGKILL, some while still starting up and reading
the state topics. The moments come from a seeded random generator (the seed is
printed, so a failing run can be replayed). Workers read their lag every 0.1 s,
so a lag reading is under way at almost every rebalance.

Afterwards the run fails on three things: a worker that exited though nobody
stopped it (``chaos_unexpected_exits``, each with its exit code and last error
line), a listing without a decision or dead letter (``lost``, from the
scenario's reconciliation), and a commit past an output the broker had not
acknowledged (``chaos_commits_past_outputs``, from commit samples audited as
``downstream_stall`` audits them; a SIGKILL right after such a commit would
lose the listing).
"""

from __future__ import annotations

import asyncio
import random
import signal
import sys
import threading
import time
from collections import Counter

from aiokafka import AIOKafkaConsumer
from aiokafka.admin import AIOKafkaAdminClient

from agents.processes import LoggedProcess
from benchmarks.stage import Stage
from benchmarks.stall import SAMPLE_EVERY_S, Sample, commits_past_outputs, sample_commits

CHAOS_S = 20.0
MAX_WORKERS = 4
PAUSE_S = (0.2, 2.0)  # between two events
YOUNG_S = (0.3, 5.0)  # age at which a young worker is stopped: from booting to reading state to scanning
# Both roles, as the demo runs them; a lag reading every 0.1 s meets almost every rebalance.
CHAOS_SETTINGS = {"roles": "scan,feedback", "lag_interval_s": "0.1"}
ACTIONS = ("start", "start_young", "term", "kill")


def rebalance_chaos(stage: Stage) -> None:
    rng = random.Random(stage.seed)
    print(f"rebalance_chaos: seed {stage.seed}", file=sys.stderr)
    caused: dict[int, signal.Signals] = {}  # pid -> the signal this fault sent it
    events: Counter[str] = Counter()
    young: list[tuple[LoggedProcess, float, signal.Signals]] = []  # worker, when to stop it, how
    samples: list[Sample] = []
    done = threading.Event()
    sampler = threading.Thread(target=lambda: asyncio.run(_sample(stage, samples, done)), daemon=True)
    sampler.start()

    def running() -> list[LoggedProcess]:
        return [w for w in stage.workers if w.poll() is None and w.pid not in caused]

    def stop(worker: LoggedProcess, how: signal.Signals) -> None:
        caused[worker.pid] = how
        worker.send_signal(how)
        events[how.name] += 1

    try:
        deadline = time.monotonic() + CHAOS_S
        while time.monotonic() < deadline:
            time.sleep(rng.uniform(*PAUSE_S))
            for entry in [e for e in young if e[1] <= time.monotonic()]:
                young.remove(entry)
                if entry[0].poll() is None:
                    stop(entry[0], entry[2])
                    events["young stopped"] += 1
            action, alive = rng.choice(ACTIONS), running()
            if action.startswith("start") and len(alive) < MAX_WORKERS:
                worker = stage.add_worker()
                events["start"] += 1
                if action == "start_young":
                    young.append((worker, time.monotonic() + rng.uniform(*YOUNG_S),
                                  rng.choice((signal.SIGTERM, signal.SIGKILL))))
            elif action in ("term", "kill") and len(alive) > 1:
                stop(rng.choice(alive), signal.SIGTERM if action == "term" else signal.SIGKILL)
        for worker, _at, how in young:
            if worker.poll() is None:
                stop(worker, how)
        while len(running()) < 2:  # the rest of the listings need workers
            stage.add_worker()
    finally:
        done.set()
        sampler.join()
    stage.notes.update(chaos_seed=stage.seed, chaos_events=dict(events), chaos_workers=len(stage.workers))
    stage.after.append(lambda: stage.notes.update(_audit(stage, samples, caused)))


async def _sample(stage: Stage, samples: list[Sample], done: threading.Event) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=stage.bootstrap)
    await admin.start()
    consumer = AIOKafkaConsumer(bootstrap_servers=stage.bootstrap)
    await consumer.start()
    try:
        while not done.is_set():
            samples.append(await sample_commits(admin, consumer, stage.group))
            await asyncio.sleep(SAMPLE_EVERY_S)
    finally:
        await consumer.stop()
        await admin.close()


def _audit(stage: Stage, samples: list[Sample], caused: dict[int, signal.Signals]) -> dict[str, object]:
    unexpected = [w.exit_description() for w in stage.workers if w.pid not in caused and w.poll() is not None]
    terms = [w for w in stage.workers if caused.get(w.pid) == signal.SIGTERM]
    for worker in terms:
        worker.wait(60)
    return {
        "chaos_unexpected_exits": unexpected,
        "chaos_term_exit_codes": dict(Counter(str(w.returncode) for w in terms)),
        # a worker stopped before its interpreter set a handler dies of the signal, with nothing to drain
        "chaos_term_failures": [w.exit_description() for w in terms if w.returncode not in (0, -signal.SIGTERM)],
        "chaos_commit_samples": len(samples),
        "chaos_commits_past_outputs": len(commits_past_outputs(stage.bootstrap, samples)),
    }
