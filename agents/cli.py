"""The ``counterscan`` command line.

Every subcommand accepts the settings flags (``--bootstrap-servers`` and the
rest), each also readable from its ``COUNTERSCAN_*`` environment variable.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import os
import signal
import sys
from typing import Any

from tqdm import tqdm

from agents.arguments import build_parser
from agents.kafka.broker import detached_status, start_detached, stop_detached
from agents.kafka.probe import BrokerError
from pipeline.offline.scoring import StateFileError
from pipeline.settings import Settings, setting_help


def _settings_from(args: argparse.Namespace) -> Settings:
    overrides: dict[str, Any] = {name: getattr(args, name, None) for name, *_ in setting_help()}
    return Settings.load(**overrides)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = _settings_from(args)
    except ValueError as exc:
        print(f"counterscan: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if args.command != "worker":  # client chatter (joins, metadata) is noise in a tool's output
        logging.getLogger("aiokafka").setLevel(max(logging.WARNING, logging.getLogger().level))
    try:
        return COMMANDS[args.command](settings, args)
    except (BrokerError, StateFileError, OSError) as exc:
        print(f"counterscan: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def run_worker(settings: Settings, args: argparse.Namespace) -> int:
    import faust

    from agents.worker.app import create_app

    if args.processes > 1:
        from agents.commands.supervisor import supervise

        return supervise(args.processes, settings.web_port, settings.metrics_port)

    from agents.kafka.clients import await_broker, client_security, resolve_bootstrap

    signal.signal(signal.SIGTERM, _stop_waiting)  # while waiting for the broker: nothing to drain
    try:
        await_broker(resolve_bootstrap(settings), client_security(settings))
    except _StopWaiting:
        return 0
    # From here on a stop must drain, so only Faust's handlers may act on it; one that comes
    # before they exist is kept and passed on to them (an exception raised from a handler
    # here would break start-up wherever it happened to be).
    early: list[int] = []
    signal.signal(signal.SIGTERM, lambda signum, _frame: early.append(signum))

    class Worker(faust.Worker):
        def install_signal_handlers(self) -> None:
            super().install_signal_handlers()
            for signum in early:
                os.kill(os.getpid(), signum)

    app = create_app(settings)
    _tune_garbage_collector()
    Worker(app, loglevel=settings.log_level, quiet=True).execute_from_commandline()
    return 0


def _tune_garbage_collector() -> None:
    """A batch of 2000 listings allocates a few hundred thousand short-lived objects, almost none
    in cycles; with the default thresholds the collector runs hundreds of times per batch and
    rescans the app's long-lived objects. Freeze what start-up built and collect less often."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)


class _StopWaiting(BaseException):
    """SIGTERM while waiting for the broker: nothing started, so nothing to drain. Not an
    Exception: the probe treats every Exception as "not yet" and would swallow it."""


def _stop_waiting(_signum: int, _frame: object) -> None:
    raise _StopWaiting


def _cluster(settings: Settings) -> str:
    """The cluster a tool works on, probed once: one that is down or refuses the credentials
    ends the tool with one line rather than a client's stack trace."""
    from agents.kafka.clients import check_broker, client_security, resolve_bootstrap

    bootstrap = resolve_bootstrap(settings)
    check_broker(bootstrap, client_security(settings))
    return bootstrap


def run_broker(settings: Settings, args: argparse.Namespace) -> int:
    if args.action == "start":
        handle = start_detached(settings)
        print(f"{handle.version} running on {handle.bootstrap_servers} (pid {handle.pid}, data {handle.data_dir})")
    elif args.action == "stop":
        handle = stop_detached(settings)
        print("stopped" if handle else "no local broker recorded")
    else:
        handle, answering = detached_status(settings)
        if handle is None:
            print("no local broker recorded")
            return 1
        print(f"{handle.version} on {handle.bootstrap_servers} pid {handle.pid}: "
              f"{'answering Metadata' if answering else 'NOT answering'}")
        return 0 if answering else 1
    return 0


def run_topics(settings: Settings, args: argparse.Namespace) -> int:
    from agents.kafka.clients import client_security, create_topics
    from pipeline.topics import ALL_TOPICS

    if args.action == "list":
        for spec in ALL_TOPICS:
            print(f"{spec.name:<22} {spec.partitions:>3} partitions  key: {spec.key:<18} {spec.description}")
        return 0
    outcome = asyncio.run(create_topics(_cluster(settings), settings.replication_factor,
                                        security=client_security(settings)))
    for name, state in outcome.items():
        print(f"{name:<22} {state}")
    return 0


def run_generate(settings: Settings, args: argparse.Namespace) -> int:
    from itertools import islice

    from agents.commands.publish import publish_listings
    from agents.kafka.clients import client_security
    from pipeline.synthetic.generator import ListingGenerator, label_line

    if args.count < 0:
        print("counterscan: --count must not be negative", file=sys.stderr)
        return 2
    if args.to_file:
        generator = ListingGenerator(args.seed)
        with args.to_file.open("wb") as out, (args.labels.open("wb") if args.labels else open("/dev/null", "wb")) as truth:
            for item in tqdm(generator.take(args.count), unit="listing", desc="generate", disable=args.no_progress):
                out.write(item.value + b"\n")
                truth.write(label_line(item))
        print(f"wrote {args.count} listings to {args.to_file}" + (f"; labels in {args.labels}" if args.labels else ""))
        return 0
    sent = asyncio.run(publish_listings(_cluster(settings), islice(ListingGenerator(args.seed), args.count),
                                        total=args.count, rate=args.rate, labels=args.labels,
                                        progress=not args.no_progress, security=client_security(settings)))
    print(f"published {sent} listings" + (f"; labels in {args.labels}" if args.labels else ""))
    return 0


def run_demo(settings: Settings, args: argparse.Namespace) -> int:
    from agents.commands.demo import format_report
    from agents.commands.demo import run_demo as demo
    from agents.commands.demo import write_json

    report = demo(settings, args.listings, args.workers, args.seed, progress=not args.no_progress)
    print(format_report(report))
    if args.json:
        write_json(report, args.json)
        print(f"report written to {args.json}")
    ok = report["lost"] == 0 and report["decisions"] + report["deadletter"] == report["listings_in"]
    for why in report.get("worker_exits", []):
        print(f"counterscan: worker {why}", file=sys.stderr)
    if not ok:
        print("counterscan: some listings got no decision and no dead-letter record", file=sys.stderr)
    return 0 if ok else 1


def run_score(settings: Settings, args: argparse.Namespace) -> int:
    from pipeline.offline.scoring import offline_scanner, read_lines, score_records, write_outputs

    scanner = offline_scanner(settings, args.brands, args.reputation)
    records = tqdm(read_lines(args.input), unit="listing", desc="score", disable=args.no_progress)
    with args.output.open("wb") as out:
        counts = write_outputs(score_records(scanner, records), out)
    print(f"{counts['decisions']} decisions and {counts['deadletter']} dead letters written to {args.output}")
    return 0


def run_evaluate(settings: Settings, args: argparse.Namespace) -> int:
    import json

    from pipeline.offline.corpus import load_corpus
    from pipeline.offline.evaluation import format_evaluation, format_network_comparison
    from pipeline.offline.labeled_run import evaluate_files, evaluate_records, read_ground_truth

    options = {"brands": args.brands, "reputation": args.reputation, "feedback": not args.no_feedback}
    if args.corpus:
        corpus = load_corpus(args.corpus)
        # one listing at a time: the corpus is in arrival order, and a network's takedowns inform its later listings
        report = evaluate_records(settings, corpus.records, corpus.truth, batch=1, **options)
    elif args.labels is None:
        print("counterscan: evaluate --input needs --labels", file=sys.stderr)
        return 2
    else:
        report = evaluate_files(settings, args.input, read_ground_truth(args.labels), **options)
    print(format_evaluation(report))
    if "seller_networks" in report:
        print()
        print(format_network_comparison(report["seller_networks"]))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    return 0


def run_train(settings: Settings, args: argparse.Namespace) -> int:
    from datetime import date
    from itertools import product

    from pipeline.brands.catalog import BrandCatalog
    from pipeline.offline.corpus import load_corpus, load_labeled
    from pipeline.offline.model_selection import Candidate, CandidateResult, LabeledSource, train_selected
    from pipeline.offline.training import model_document, training_set
    from pipeline.scoring.model import MODEL_FILE
    from pipeline.scoring.signals import SignalExtractor
    from pipeline.synthetic.generator import ListingGenerator

    if (args.output is None) == (not args.install):
        print("counterscan: train needs --output FILE, or --install to replace the model the package ships",
              file=sys.stderr)
        return 2
    say = (lambda *_: None) if args.no_progress else (lambda text: print(text, file=sys.stderr, flush=True))
    corpus = load_corpus(args.corpus) if args.corpus else None
    labeled = [(str(args.corpus), corpus.labeled())] if corpus else []
    labeled += [(spec, load_labeled(spec)) for spec in args.labeled]
    say(f"features of {args.count} generated listings (seed {args.seed}) and {sum(len(i) for _, i in labeled)} labeled")
    generated = training_set(ListingGenerator(args.seed).take(args.count), SignalExtractor(BrandCatalog.load()))
    # small labeled sets one listing at a time, so a seller network's takedowns reach its later listings
    sources = [LabeledSource(name, training_set(items, SignalExtractor(BrandCatalog.load()),
                                                batch=1 if len(items) < 5000 else 2000)) for name, items in labeled]
    candidates = [Candidate(l2, share) for l2, share in product(args.l2, args.labeled_share)]

    def progress(result: CandidateResult) -> None:
        r = result.report
        say(f"l2 {result.candidate.l2:g} labeled share {result.candidate.labeled_share:g}: held-out takedown "
            f"precision {r['takedown_precision']} recall {r['takedown_recall']}, flagged recall {r['flagged_recall']}, "
            f"genuine flagged {r['genuine_flagged']}" + (f"; misses {', '.join(result.missed)}" if result.missed else ""))

    version = f"logistic-{date.today():%Y.%m.%d}-s{args.seed}"
    model, provenance, results = train_selected(
        settings, generated, {"generator_seed": args.seed, "count": args.count}, sources, candidates, version, corpus,
        args.folds,
        progress=progress)
    output = MODEL_FILE if args.install else args.output
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_bytes(model_document(model, provenance) + b"\n")
    print(f"wrote {output} (l2 {provenance['l2']:g}"
          + (f", held-out {provenance['selection']['held_out']}" if results else ", no corpus to cross-validate on")
          + ")")
    return 0


def run_status(settings: Settings, args: argparse.Namespace) -> int:
    from agents.commands.operations import format_status, group_status
    from agents.kafka.clients import client_security

    rows, members, state = asyncio.run(group_status(_cluster(settings), settings.scan_group_id,
                                                    client_security(settings)))
    print(format_status(rows, members, state, settings.scan_group_id))
    return 0


def run_replay(settings: Settings, args: argparse.Namespace) -> int:
    from agents.commands.operations import replay

    count = asyncio.run(replay(_cluster(settings), settings, args.since, progress=not args.no_progress))
    print(f"re-scored {count} listings produced since {args.since.isoformat()} (rules {settings.rules_version})")
    return 0


def run_seller(settings: Settings, args: argparse.Namespace) -> int:
    import orjson

    from agents.commands.seller_query import read_seller_state
    from agents.kafka.clients import client_security
    from pipeline.sellers.view import format_seller_view, seller_view

    state, rejected = asyncio.run(read_seller_state(_cluster(settings), args.seller_id, client_security(settings),
                                                    progress=not args.no_progress))
    if rejected:
        print(f"counterscan: {rejected} records on sellers.links are not seller links and were skipped", file=sys.stderr)
    view = seller_view(state, args.seller_id)
    if view is None:
        print(f"counterscan: nothing is known of seller {args.seller_id!r} (no reputation, no links)", file=sys.stderr)
        return 1
    print(orjson.dumps(view, option=orjson.OPT_INDENT_2).decode() if args.json else format_seller_view(view))
    return 0


COMMANDS = {
    "worker": run_worker, "broker": run_broker, "topics": run_topics,
    "generate": run_generate, "demo": run_demo, "score": run_score, "evaluate": run_evaluate,
    "train": run_train, "status": run_status, "replay": run_replay, "seller": run_seller,
}

if __name__ == "__main__":
    sys.exit(main())
