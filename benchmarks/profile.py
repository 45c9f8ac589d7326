"""Where a worker's CPU goes, and what that means for the rate two cores can reach.

Pre-loads N listings, warms the broker up with one unmeasured counterscan
pass, then runs plain aiokafka passthrough (two processes, as ``throughput
--workers 2``) and one counterscan worker over them against the same broker,
each from the moment it is in its group to its last output (as
``benchmarks.throughput``). For both it reads the CPU the processes and the
broker spent per listing from /proc; the worker is also sampled with py-spy
over exactly that window, and every sample is put in one component by the
innermost frame that names one (decoding, normalizing, text search, records,
aiokafka consume and produce, ...).

From those figures follows the ceiling: with every core busy on workers and
the broker, no number of workers goes past cores / (worker + broker CPU per
listing). The report sets that ceiling against passthrough and says how much
worker CPU per listing half of passthrough would allow.

    python -m benchmarks.profile --json reports/profile.json [--folded reports/profile.folded]

Needs py-spy (the ``bench`` extra, which ``make test`` installs) and the right
to trace a child process (root, or kernel.yama.ptrace_scope at most 1).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import uuid
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from benchmarks.common import benchmark_parser, cluster, preload, prepare_topics, write_report
from benchmarks.throughput import PASSTHROUGH_OUT, run_counterscan, run_passthrough, warm_up
from pipeline import topics

# (component, path fragments of its frames): a sample belongs to the first component named by
# its innermost frame that names one; library frames inside ours (numpy, orjson's caller) count
# as the code of ours that called them.
COMPONENTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("waiting (select)", ("/selectors.py",)),  # py-spy leaves most idle samples out; the rest are not CPU
    ("decode and validate", ("pipeline/intake/validation.py",)),
    # the compiled intake's Rust frames are not sampled: they count as the Python frame that called them
    ("compiled decode, validate and normalize", ("pipeline/intake/native.py",)),
    ("normalize", ("pipeline/intake/normalize.py", "pipeline/intake/currency.py")),
    ("text folding and term search", ("pipeline/text/batch.py", "pipeline/text/fold.py", "pipeline/text/vocabulary.py")),
    ("brands, images, reputation signals", ("pipeline/brands/catalog.py", "pipeline/brands/images.py", "pipeline/sellers/networks/hashindex.py",
                                            "pipeline/sellers/reputation.py", "pipeline/scoring/signals.py")),
    ("seller networks and links", ("pipeline/sellers/networks/graph.py", "pipeline/sellers/networks/changelog.py", "pipeline/sellers/state.py",
                                   "agents/worker/sellers.py", "agents/worker/followers.py")),
    ("score, route, explain", ("pipeline/scoring/model.py", "pipeline/scoring/routing.py", "pipeline/scoring/explain.py")),
    ("decision records and JSON", ("pipeline/records.py", "pipeline/scanner.py")),
    ("metrics", ("agents/worker/metrics.py", "prometheus_client/")),
    ("produce (aiokafka)", ("agents/kafka/batching.py", "aiokafka/producer/")),
    ("consume (aiokafka)", ("aiokafka/consumer/",)),
    ("Kafka protocol and sockets", ("aiokafka/", "asyncio/selector_events.py", "asyncio/streams.py")),
    ("batch hand-over (agents/worker/scan.py)", ("agents/worker/scan.py",)),
)
OTHER = "other (event loop, Faust, garbage collector)"
WAITING = COMPONENTS[0][0]


Components = tuple[tuple[str, tuple[str, ...]], ...]


def component_of(frames: list[str], components: Components = COMPONENTS) -> str:
    """The component of one sampled stack, frames from the outermost to the innermost."""
    for frame in reversed(frames):
        for component, fragments in components:
            if any(fragment in frame for fragment in fragments):
                return component
    return OTHER


def breakdown(folded: Iterable[str], components: Components = COMPONENTS) -> Counter[str]:
    """Samples per component from py-spy's raw output ("frame;frame;... count" per line)."""
    samples: Counter[str] = Counter()
    for line in folded:
        stack, _, count = line.strip().rpartition(" ")
        if stack and count.isdigit():
            samples[component_of(stack.split(";"), components)] += int(count)
    return samples


def busy(samples: Counter[str]) -> int:
    """Samples of the worker at work: not waiting in select."""
    return sum(n for component, n in samples.items() if component != WAITING)


def budget(samples: Counter[str], worker_us: float) -> list[dict[str, Any]]:
    """Each component's share of the busy samples, and that share of the worker's CPU per listing."""
    total = busy(samples)
    return [{"component": component, "share": round(n / total, 3), "us_per_listing": round(worker_us * n / total, 1)}
            for component, n in samples.most_common() if component != WAITING]


class PySpy:
    """py-spy recording one process until stopped; --nonblocking, so the worker is never paused."""

    def __init__(self, output: Path, rate: int) -> None:
        self.output = output
        self.rate = rate
        self.executable = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
        if not Path(self.executable).exists():
            raise SystemExit("py-spy is not installed: pip install -e '.[bench]'")
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, pid: int) -> None:
        self.process = subprocess.Popen(
            [self.executable, "record", "--pid", str(pid), "--rate", str(self.rate), "--format", "raw",
             "--output", str(self.output), "--nonblocking"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:  # refused at once (no right to trace, say): say so now, not after the whole run
            _, errors = self.process.communicate(timeout=1.0)
        except subprocess.TimeoutExpired:
            return
        said = " ".join(errors.decode(errors="replace").split("Stack backtrace")[0].split())
        raise RuntimeError(f"py-spy could not attach to process {pid}: {said[:500]}")

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.send_signal(signal.SIGINT)  # py-spy writes what it sampled and exits
        try:
            _, errors = self.process.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            raise RuntimeError("py-spy did not stop within 60 s") from None
        if not self.output.exists():
            raise RuntimeError(f"py-spy wrote no profile: {errors.decode(errors='replace').strip()[-500:]}")


def main(argv: list[str] | None = None) -> int:
    parser = benchmark_parser(__doc__, seed=5)
    parser.add_argument("--listings", type=int, default=500_000,
                        help="listings pre-loaded; each contender processes all of them (default 500000: with fewer, a fast "
                             "passthrough can finish before both its processes are in the group)")
    parser.add_argument("--passthrough-processes", type=int, default=2,
                        help="passthrough processes, as many as throughput's --workers (default 2)")
    parser.add_argument("--rate", type=int, default=100, help="py-spy samples per second (default 100)")
    parser.add_argument("--folded", type=Path, default=None,
                        help="keep py-spy's folded stacks here (for flamegraph.pl, inferno or speedscope)")
    args = parser.parse_args(argv)
    cores = len(os.sched_getaffinity(0))

    with cluster() as (bootstrap, broker, broker_pid), tempfile.TemporaryDirectory() as scratch_dir:
        if broker_pid is None:
            raise SystemExit("the broker's CPU is part of the budget: run against the local broker "
                             "(unset COUNTERSCAN_BOOTSTRAP_SERVERS)")
        scratch = Path(scratch_dir)
        folded = args.folded or scratch / "worker.folded"
        folded.parent.mkdir(parents=True, exist_ok=True)
        spy = PySpy(folded, args.rate)
        prepare_topics(bootstrap, PASSTHROUGH_OUT)
        preload(bootstrap, topics.LISTINGS_RAW.name, args.listings, args.seed, f"pf{uuid.uuid4().hex[:6]}-")
        warm_up(bootstrap, args.listings, 1, scratch)
        print("passthrough ...", file=sys.stderr)
        passthrough = run_passthrough(bootstrap, args.listings, args.passthrough_processes, scratch, broker_pid)
        print("counterscan, 1 worker, sampled by py-spy ...", file=sys.stderr)
        scan = run_counterscan(bootstrap, args.listings, 1, scratch, broker_pid, profiler=spy, fresh_state=True)
        samples = breakdown(folded.read_text().splitlines())

    worker_us = scan["cpu_us_per_listing"]["processes"]
    broker_us = scan["cpu_us_per_listing"]["broker"]
    ceiling = cores * 1e6 / (worker_us + broker_us)
    half_of_passthrough = 0.5 * passthrough["per_s"]
    rows = budget(samples, worker_us)
    report = {
        "listings": args.listings,
        "cpu_cores": cores,
        "broker": broker,
        "passthrough_processes": args.passthrough_processes,
        "passthrough_per_s": passthrough["per_s"],
        "passthrough_cpu_us_per_listing": passthrough["cpu_us_per_listing"]["processes"],
        "passthrough_broker_cpu_us_per_listing": passthrough["cpu_us_per_listing"]["broker"],
        "counterscan_1_worker_per_s": scan["per_s"],
        "worker_cpu_us_per_listing": worker_us,
        "broker_cpu_us_per_listing": broker_us,
        "counterscan_ceiling_per_s": round(ceiling),
        "ceiling_ratio_vs_passthrough": round(ceiling / passthrough["per_s"], 3),
        "worker_cpu_us_for_half_of_passthrough": round(cores * 1e6 / half_of_passthrough - broker_us, 1),
        "samples": busy(samples),
        "components": rows,
        **({"folded": str(args.folded)} if args.folded else {}),
    }
    write_report(report, args.json, [
        ("broker", broker), ("listings", args.listings), ("cores", cores),
        (f"passthrough, {args.passthrough_processes} processes (listings/s)", f"{passthrough['per_s']:,.0f}"),
        ("passthrough CPU per listing (us)", f"{report['passthrough_cpu_us_per_listing']} "
                                             f"+ broker {report['passthrough_broker_cpu_us_per_listing']}"),
        ("counterscan, 1 worker (listings/s)", f"{scan['per_s']:,.0f}"),
        ("counterscan CPU per listing (us)", f"{worker_us} + broker {broker_us}"),
        ("ceiling on all cores (listings/s)", f"{ceiling:,.0f} = {report['ceiling_ratio_vs_passthrough']} of passthrough"),
        ("worker CPU per listing for 0.5 (us)", report["worker_cpu_us_for_half_of_passthrough"]),
        ("py-spy samples of a busy worker", report["samples"]),
        *[(f"  {row['component']}", f"{row['share']:.1%}  {row['us_per_listing']} us")
          for row in rows],
    ])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
