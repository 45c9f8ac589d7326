"""The grammar of the ``counterscan`` command line: its commands, options and settings flags.

Apart from :mod:`agents.cli`, which runs the commands, so the grammar reads in
one place. Each command lists only the settings sections it reads (see
:data:`COMMAND_SECTIONS`), so ``counterscan score --help`` shows no Kafka or
SASL flags.

The conventions every command keeps (see :mod:`agents.stdio`): ``-`` for
stdin or stdout wherever a file is read or written, ``--json PATH`` for the
machine-readable result, ``--no-progress`` against progress bars.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path

from pipeline import __version__
from pipeline.settings import ENV_PREFIX, SECTIONS, setting_flag, setting_help, setting_type

__all__ = ["COMMAND_SECTIONS", "build_parser"]


def _settings_parser(sections: Iterable[str]) -> argparse.ArgumentParser:
    """The settings flags of ``sections``, one help group per section."""
    parser = argparse.ArgumentParser(add_help=False)
    groups: dict[str, argparse._ArgumentGroup] = {}
    for name, env, default, text, section in setting_help(sections):
        if section not in groups:
            groups[section] = parser.add_argument_group(f"{SECTIONS[section]} (flag, else {ENV_PREFIX}*, else default)")
        groups[section].add_argument(
            setting_flag(name), dest=name, type=setting_type(name), default=None,
            metavar=setting_type(name).__name__.upper(), help=f"{text} [{env}; default {default}]",
        )
    return parser


ALL_SECTIONS = tuple(SECTIONS)
KAFKA = ("connection", "logging")
# The sections each command reads: its --help lists these and no others.
COMMAND_SECTIONS: dict[str, tuple[str, ...]] = {
    "worker": ALL_SECTIONS,
    "broker": ("connection", "local", "logging"),
    "topics": (*KAFKA, "worker"),
    "generate": KAFKA,
    "score": ("scoring", "logging"),
    "evaluate": ("scoring", "sellers", "logging"),
    "status": (*KAFKA, "worker"),
    "seller": (*KAFKA, "sellers"),
    "replay": (*KAFKA, "worker", "tuning", "scoring", "notices"),
    "train": ("connection", "scoring", "logging"),
    "models": (*KAFKA, "scoring", "models"),
    "demo": ALL_SECTIONS,
    "notifier": KAFKA,
    "appeals": KAFKA,
    "statements": KAFKA,
    "console": (*KAFKA, "console"),
}


def build_parser() -> argparse.ArgumentParser:
    settings = {command: _settings_parser(sections) for command, sections in COMMAND_SECTIONS.items()}
    parser = argparse.ArgumentParser(
        prog="counterscan",
        description="Scan marketplace listings for counterfeits on Kafka: normalize, score, route.",
    )
    parser.add_argument("--version", action="version", version=f"counterscan {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    worker = commands.add_parser("worker", parents=[settings["worker"]],
                                 help="run a worker: scans listings.raw as part of the consumer group")
    worker.add_argument("--processes", type=_at_least(1), default=1,
                        help="worker processes to run in this group (web and metrics ports count up from theirs)")

    broker = commands.add_parser("broker", parents=[settings["broker"]], help="a local Apache Kafka broker (KRaft) for development")
    broker.add_argument("action", choices=("start", "stop", "status"))

    topics_cmd = commands.add_parser("topics", parents=[settings["topics"]], help="create every counterscan topic, idempotently")
    topics_cmd.add_argument("action", choices=("create", "list"))

    generate = commands.add_parser("generate", parents=[settings["generate"]], help="publish synthetic listings with ground truth")
    generate.add_argument("--count", type=_at_least(0), required=True, help="how many listings to publish")
    generate.add_argument("--rate", type=_positive_float, default=None,
                          help="listings per second (default: as fast as possible)")
    generate.add_argument("--seed", type=int, default=1, help="random seed; the same seed gives the same listings")
    generate.add_argument("--labels", type=Path, default=None, metavar="FILE",
                          help="write ground truth here as JSON lines (- for stdout)")
    generate.add_argument("--to-file", type=Path, default=None, metavar="FILE",
                          help="write the raw records to this JSON-lines file instead of Kafka (- for stdout)")
    generate.add_argument("--no-progress", action="store_true", help="no progress bar")

    offline = argparse.ArgumentParser(add_help=False)
    offline.add_argument("--brands", type=Path, default=None, metavar="FILE",
                         help="brand profiles (JSON list) applied over the defaults")
    offline.add_argument("--reputation", type=Path, default=None, metavar="FILE", help="seller reputation, JSON lines")

    score = commands.add_parser("score", parents=[settings["score"], offline], help="score a JSON-lines file of listings, no broker")
    score.add_argument("--input", type=Path, required=True, metavar="FILE",
                       help="raw listings, a JSON object a line (- for stdin)")
    score.add_argument("--output", type=Path, required=True, metavar="FILE",
                       help="a decision or dead letter a line (- for stdout)")
    _json_option(score, "the counts")
    score.add_argument("--no-progress", action="store_true", help="no progress bar")

    evaluate = commands.add_parser(
        "evaluate", parents=[settings["evaluate"], offline], help="precision and recall against ground truth",
        description="Score labeled listings and report precision and recall, overall and per brand (and, where the "
                    "labels say, per subtype, language and marketplace). Give --input and --labels, or --corpus.")
    source = evaluate.add_mutually_exclusive_group(required=True)
    source.add_argument("--input", type=Path, metavar="FILE",
                        help="raw listings, one JSON object per line (with --labels; - for stdin)")
    source.add_argument("--corpus", type=Path,
                        help="a hand-labeled corpus (a file or directory of corpus files), scored in its order")
    evaluate.add_argument("--labels", type=Path, default=None, metavar="FILE",
                          help="ground truth as `generate --labels` writes it (- for stdin)")
    _json_option(evaluate, "the whole report")
    evaluate.add_argument("--plots", type=Path, default=None, metavar="DIR",
                          help="write PNG plots here: reliability curve, score distributions, precision and recall "
                               "against the threshold (needs the `plots` extra: matplotlib)")
    evaluate.add_argument("--no-feedback", action="store_true",
                          help="score with the reputation given only: no simulated enforcement outcomes, "
                               "no comparison with and without seller-network signals")

    status = commands.add_parser(
        "status", parents=[settings["status"]],
        help="the scan group's members, and per partition of listings.raw its end, committed offset and lag")
    _json_option(status, "the group's state, members and offsets")
    status.add_argument("--metrics", action="store_true",
                        help="print every watched group's lag from its committed offsets (scan and feedback groups, "
                             "every partition) in the Prometheus text format, as workers export it")

    seller = commands.add_parser("seller", parents=[settings["seller"]],
                                 help="a seller's reputation, network, links and evidence, read from the seller topics")
    seller.add_argument("seller_id", help="the marketplace's seller id")
    _json_option(seller, "the view (what /sellers/{id} serves)")
    seller.add_argument("--no-progress", action="store_true", help="no progress bar while reading the topics")

    replay = commands.add_parser("replay", parents=[settings["replay"]],
                                 help="re-score listings.raw from a point in time with the rules in force (a backfill)")
    replay.add_argument("--from", dest="since", required=True, type=_timestamp,
                        help="ISO 8601 time, e.g. 2026-11-27T00:00:00Z; listings produced since then are scanned again")
    replay.add_argument("--no-progress", action="store_true", help="no progress bar")

    train = commands.add_parser(
        "train", parents=[settings["train"]], help="fit the model's weights on generated and hand-labeled listings",
        description="Fit the model on generated listings plus any hand-labeled ones. With --corpus, every candidate "
                    "(each --l2 with each --labeled-share) is judged by k-fold cross-validation on that corpus and "
                    "the one with the best held-out figures is fitted on everything and written.")
    train.add_argument("--count", type=_at_least(0), default=30_000,
                       help="generated listings to fit on (default 30000)")
    train.add_argument("--seed", type=int, default=1001, help="generator seed (default 1001)")
    train.add_argument("--labeled", action="append", default=[], metavar="SOURCE",
                       help="hand-labeled listings to fit on, repeatable: a corpus file or directory, or "
                            "LISTINGS:LABELS (listings a line, labels as `generate --labels` writes them)")
    train.add_argument("--corpus", type=Path, default=None,
                       help="corpus to cross-validate on and fit on (a file or directory of corpus files)")
    train.add_argument("--folds", type=_at_least(2), default=5, help="k of the k-fold cross-validation (default 5)")
    train.add_argument("--l2", type=_floats, default=(1.0,), help="L2 penalties to try, comma-separated (default 1)")
    train.add_argument("--labeled-share", type=_floats, default=(0.5,),
                       help="shares of the training weight the labeled listings carry, comma-separated (default 0.5)")
    train.add_argument("--output", type=Path, default=None, metavar="FILE", help="model file to write (- for stdout)")
    _json_option(train, "the model's version and provenance")
    train.add_argument("--install", action="store_true", help="write the model the package ships (instead of --output)")
    train.add_argument("--no-progress", action="store_true", help="no progress lines")
    outcomes = train.add_argument_group("training on enforcement outcomes (--from-kafka)")
    outcomes.add_argument("--from-kafka", action="store_true",
                          help="label decisions with the outcomes on enforcement.outcomes and fit on them")
    outcomes.add_argument("--since", type=_timestamp, default=None, metavar="TIME",
                          help="only outcomes published at or after this ISO 8601 time")
    outcomes.add_argument("--generated", type=_at_least(0), default=0, metavar="N",
                          help="mix in N generated listings (default 0)")
    outcomes.add_argument("--outcome-share", type=_positive_float, default=0.6,
                          help="share of the training weight the outcome labels carry (default 0.6)")
    outcomes.add_argument("--generated-share", type=_positive_float, default=0.2,
                          help="share the generated listings carry (default 0.2); --labeled files carry --labeled-share")
    outcomes.add_argument("--min-labels", type=_at_least(1), default=30,
                          help="refuse to fit on fewer outcome labels than this (default 30)")
    outcomes.add_argument("--min-per-class", type=_at_least(1), default=5,
                          help="...and on fewer than this many counterfeit or genuine ones (default 5)")

    models = commands.add_parser(
        "models", parents=[settings["models"]], help="the models on models.scoring: list, publish, promote, retire, compare",
        description="Every scan worker follows models.scoring: the live model decides, a shadow scores beside it. "
                    "A new model is published as shadow, compared on the decisions it shadowed, then promoted.")
    models.add_argument("action", choices=("list", "publish", "promote", "retire", "compare"))
    models.add_argument("target", nargs="?", default=None, metavar="FILE|ID",
                        help="publish: the model file `counterscan train` wrote; promote, retire, compare: a model id")
    models.add_argument("--shadow", action="store_true",
                        help="publish as shadow (the only way in: a model decides only once promoted)")
    models.add_argument("--since", type=_timestamp, default=None, metavar="TIME",
                        help="compare: decisions and outcomes from this ISO 8601 time on")
    models.add_argument("--published-by", default=None, metavar="NAME", help="who publishes, recorded on the record")
    models.add_argument("--note", default=None, help="publish: a note recorded on the record")
    _json_option(models, "the list or the comparison")
    models.add_argument("--no-progress", action="store_true", help="no progress bar")

    notifier = commands.add_parser("notifier", parents=[settings["notifier"]],
                                   help="a notifier's notices sent, upheld, rejected, counter-noticed, and its flag")
    notifier.add_argument("notifier_id", help="the notifier's account id")
    _json_option(notifier, "its notifiers.reputation record")

    appeals = commands.add_parser("appeals", parents=[settings["appeals"]],
                                  help="sellers' complaints (DSA Art. 20) with their deadlines, from enforcement.appeals")
    appeals.add_argument("action", choices=("list",))
    appeals.add_argument("--all", action="store_true", help="closed cases too (default: open ones only)")
    _json_option(appeals, "the cases")

    statements = commands.add_parser(
        "statements", parents=[settings["statements"]],
        help="write statements of reasons as Transparency Database API batches (at most 100 a file)")
    statements.add_argument("action", choices=("export",))
    statements.add_argument("--since", required=True, type=_timestamp,
                            help="ISO 8601 time; statements published since then are exported")
    statements.add_argument("--out", required=True, type=Path, metavar="DIR", help="directory the batches go to")
    _json_option(statements, "the files written and the statements refused")

    demo = commands.add_parser("demo", parents=[settings["demo"]], help="end-to-end run on a local broker with a report")
    demo.add_argument("--listings", type=_at_least(1), default=100_000, help="listings to generate (default 100000)")
    demo.add_argument("--workers", type=_at_least(1), default=2, help="worker processes in the group (default 2)")
    demo.add_argument("--seed", type=int, default=1, help="random seed of the generated listings")
    _json_option(demo, "the report")
    demo.add_argument("--no-progress", action="store_true", help="no progress bar")

    console = commands.add_parser("console", parents=[settings["console"]],
                                  help="the review console: reviewers work suspects.review in a browser")
    console.add_argument("--add-account", metavar="REVIEWER_ID", default=None,
                         help="write this reviewer's line (Argon2 hash of the password read from the terminal, "
                              "or the first line of stdin) to the accounts file, and exit")
    return parser


def _json_option(parser: argparse.ArgumentParser, what: str) -> None:
    """``--json PATH``, the same on every command with a result: PATH gets the result as JSON;
    with ``-`` it goes to stdout and what the command prints for people goes to stderr."""
    parser.add_argument("--json", type=Path, default=None, metavar="PATH",
                        help=f"write {what} as JSON to PATH (- for stdout)")


def _at_least(low: int) -> Callable[[str], int]:
    def whole(text: str) -> int:
        try:
            value = int(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from exc
        if value < low:
            raise argparse.ArgumentTypeError(f"must be at least {low}, got {value}")
        return value

    whole.__name__ = "int"
    return whole


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from exc
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be above 0, got {value}")
    return value


def _floats(text: str) -> tuple[float, ...]:
    try:
        values = tuple(float(part) for part in text.split(",") if part.strip())
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a comma-separated list of numbers: {text!r}") from exc
    if not values:
        raise argparse.ArgumentTypeError("give at least one number")
    return values


def _timestamp(text: str) -> datetime:
    from pipeline.timestamps import parse_timestamp

    try:
        return parse_timestamp(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 time: {text!r}") from exc
