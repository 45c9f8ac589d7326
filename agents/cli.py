"""The ``counterscan`` command line.

Every subcommand accepts the settings flags (``--bootstrap-servers`` and the
rest), each also readable from its ``COUNTERSCAN_*`` environment variable, and
refuses bad ones before it does anything. Results go to stdout (or the file
named), summaries and progress to stderr, ``-`` is stdin or stdout, and
``--json PATH`` writes a command's result for machines (:mod:`agents.stdio`).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import os
import signal
import sys
from contextlib import nullcontext
from pathlib import Path
from typing import Any

from tqdm import tqdm

from agents.arguments import build_parser
from agents.commands.offline import run_evaluate, run_score, run_train
from agents.kafka.broker import detached_status, start_detached, stop_detached
from agents.kafka.probe import BrokerError
from agents.stdio import UsageError, is_stdio, one_stdio_each, progress_shown, say, shown, with_json, writing
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
    except UsageError as exc:
        print(f"counterscan: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # the reader of our stdout left (`| head`): nothing more to say to anyone
        _drop_stdout()
        return 141
    except (BrokerError, StateFileError, OSError) as exc:
        print(f"counterscan: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def _drop_stdout() -> None:
    """Point stdout at /dev/null, so the interpreter's last flush does not fail on the closed pipe."""
    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError):  # not a real file descriptor (a test's captured stdout)
        pass


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

        def on_setup_root_logger(self, logger: logging.Logger, level: int) -> None:
            # At warning level and above, Faust's terminal spinner sets the root logger to DEBUG and
            # spins on every record: each debug call of the Kafka client's fetch loop then built a
            # record for nothing, 14 % of an idle worker's samples
            self.spinner = None
            super().on_setup_root_logger(logger, level)

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

    one_stdio_each({}, {"--to-file": args.to_file, "--labels": args.labels})
    labels = f"; labels in {shown(args.labels)}" if args.labels else ""
    if args.to_file:
        generator = ListingGenerator(args.seed)
        with writing(args.to_file) as out, (writing(args.labels) if args.labels else nullcontext()) as truth:
            for item in tqdm(generator.take(args.count), unit="listing", desc="generate",
                             disable=not progress_shown(args.no_progress)):
                out.write(item.value + b"\n")
                if truth is not None:
                    truth.write(label_line(item))
        say(f"wrote {args.count} listings to {shown(args.to_file)}{labels}")
        return 0
    bootstrap = _cluster(settings)
    with (writing(args.labels) if args.labels else nullcontext()) as truth:
        sent = asyncio.run(publish_listings(bootstrap, islice(ListingGenerator(args.seed), args.count),
                                            total=args.count, rate=args.rate, labels=truth,
                                            progress=progress_shown(args.no_progress),
                                            security=client_security(settings)))
    say(f"published {sent} listings{labels}")
    return 0


def run_demo(settings: Settings, args: argparse.Namespace) -> int:
    from agents.commands.demo import format_report
    from agents.commands.demo import run_demo as demo

    report = demo(settings, args.listings, args.workers, args.seed, progress=progress_shown(args.no_progress))
    with_json(format_report(report), report, args.json)
    if args.json is not None and not is_stdio(args.json):
        say(f"report written to {args.json}")
    ok = report["lost"] == 0 and report["decisions"] + report["deadletter"] == report["listings_in"]
    for why in report.get("worker_exits", []):
        say(f"counterscan: worker {why}")
    if not ok:
        say("counterscan: some listings got no decision and no dead-letter record")
    return 0 if ok else 1


def run_status(settings: Settings, args: argparse.Namespace) -> int:
    from agents.commands.operations import format_status, group_lag_exposition, group_status, status_document
    from agents.kafka.clients import client_security

    if args.metrics:
        sys.stdout.write(asyncio.run(group_lag_exposition(_cluster(settings), settings, client_security(settings))))
        return 0
    rows, members, state = asyncio.run(group_status(_cluster(settings), settings.scan_group_id,
                                                    client_security(settings)))
    with_json(format_status(rows, members, state, settings.scan_group_id),
              status_document(rows, members, state, settings.scan_group_id), args.json)
    return 0


def run_replay(settings: Settings, args: argparse.Namespace) -> int:
    from agents.commands.operations import replay

    count = asyncio.run(replay(_cluster(settings), settings, args.since, progress=progress_shown(args.no_progress)))
    say(f"re-scored {count} listings produced since {args.since.isoformat()} (rules {settings.rules_version})")
    return 0


def run_seller(settings: Settings, args: argparse.Namespace) -> int:
    from agents.commands.seller_query import read_seller_state
    from agents.kafka.clients import client_security
    from pipeline.sellers.view import format_seller_view, seller_view

    state, rejected = asyncio.run(read_seller_state(_cluster(settings), args.seller_id, client_security(settings),
                                                    progress=progress_shown(args.no_progress)))
    if rejected:
        say(f"counterscan: {rejected} records on sellers.links are not seller links and were skipped")
    view = seller_view(state, args.seller_id)
    if view is None:
        say(f"counterscan: nothing is known of seller {args.seller_id!r} (no reputation, no links)")
        return 1
    with_json(format_seller_view(view), view, args.json)
    return 0


def run_models(settings: Settings, args: argparse.Namespace) -> int:
    from agents.commands.models import run_models as models_command

    target = args.target
    args.file = Path(target) if args.action == "publish" and target else None
    args.model_id = target if args.action != "publish" else None
    return models_command(settings, _cluster(settings), args)


def run_training(settings: Settings, args: argparse.Namespace) -> int:
    if args.from_kafka:
        from agents.commands.models import run_train_from_kafka

        return run_train_from_kafka(settings, _cluster(settings), args)
    return run_train(settings, args)


def run_notifier(settings: Settings, args: argparse.Namespace) -> int:
    from agents.commands.notices import notifier_record
    from agents.kafka.clients import client_security
    from pipeline.notices import format_notifier

    record = asyncio.run(notifier_record(_cluster(settings), args.notifier_id, client_security(settings)))
    if record is None:
        say(f"counterscan: nothing is known of notifier {args.notifier_id!r}")
        return 1
    with_json(format_notifier(record), record, args.json)
    return 0


def run_appeals(settings: Settings, args: argparse.Namespace) -> int:
    from agents.commands.notices import appeal_cases
    from agents.kafka.clients import client_security
    from pipeline.notices import format_cases, is_overdue
    from pipeline.timestamps import utc_now

    now = utc_now()
    cases = [c for c in asyncio.run(appeal_cases(_cluster(settings), client_security(settings)))
             if args.all or c.get("status") == "open"]
    shown_cases = [{**c, "overdue": is_overdue(c, now)} for c in cases]
    with_json(format_cases(cases, now), shown_cases, args.json)
    say(f"{len(cases)} cases, {sum(c['overdue'] for c in shown_cases)} overdue")
    return 0


def run_statements(settings: Settings, args: argparse.Namespace) -> int:
    from agents.commands.notices import export_statements
    from agents.kafka.clients import client_security

    result = asyncio.run(export_statements(_cluster(settings), args.since, args.out, client_security(settings)))
    document = {"files": [str(p) for p in result.files], "statements": result.statements, "refused": result.refused}
    with_json("\n".join(document["files"]), document, args.json)
    say(f"wrote {result.statements} statements in {len(result.files)} batches to {args.out}; "
        f"{len(result.refused)} refused (dead-lettered)")
    return 0


def run_console(settings: Settings, args: argparse.Namespace) -> int:
    from agents.console.app import run_console as console

    return console(settings, args.add_account)


COMMANDS = {
    "worker": run_worker, "broker": run_broker, "topics": run_topics,
    "generate": run_generate, "demo": run_demo, "score": run_score, "evaluate": run_evaluate,
    "train": run_training, "models": run_models, "status": run_status, "replay": run_replay, "seller": run_seller,
    "notifier": run_notifier, "appeals": run_appeals, "statements": run_statements,
    "console": run_console,
}

if __name__ == "__main__":
    sys.exit(main())
