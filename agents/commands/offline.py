"""``counterscan score``, ``evaluate`` and ``train``: the commands that need no broker.

Apart from :mod:`agents.cli` because they read and write files, and files are
where the command line's conventions (:mod:`agents.stdio`) matter most: every
input is opened before any output is created, ``-`` is stdin or stdout, and
only the result reaches stdout.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import IO

from tqdm import tqdm

from agents.stdio import (
    UsageError,
    is_stdio,
    one_stdio_each,
    progress_shown,
    reading,
    say,
    shown,
    with_json,
    write_json,
    writing,
)
from pipeline.settings import Settings
from pipeline.types import InputRecord

__all__ = ["run_evaluate", "run_score", "run_train"]


def run_score(settings: Settings, args: argparse.Namespace) -> int:
    from pipeline.offline.scoring import offline_scanner, read_lines, score_records, write_outputs

    one_stdio_each({"--input": args.input}, {"--output": args.output, "--json": args.json})
    scanner = offline_scanner(settings, args.brands, args.reputation)
    with reading(args.input) as source:
        records = tqdm(read_lines(source, _source_name(args.input)), unit="listing", desc="score",
                       disable=not progress_shown(args.no_progress))
        with writing(args.output) as out:
            counts = write_outputs(score_records(scanner, records), out)
    say(f"{counts['decisions']} decisions and {counts['deadletter']} dead letters written to {shown(args.output)}")
    if args.json is not None:
        write_json(counts, args.json)
    return 0


def run_evaluate(settings: Settings, args: argparse.Namespace) -> int:
    from pipeline.offline.corpus import load_corpus
    from pipeline.offline.evaluation import format_evaluation, format_network_comparison
    from pipeline.offline.labeled_run import evaluate_records, read_ground_truth

    if args.plots is not None:
        _require_matplotlib()
    decisions: list[dict] = []
    options = {"brands": args.brands, "reputation": args.reputation, "feedback": not args.no_feedback,
               "measured_out": decisions}
    if args.corpus:
        corpus = load_corpus(args.corpus)
        truth = corpus.truth
        # one listing at a time: the corpus is in arrival order, and a network's takedowns inform its later listings
        report = evaluate_records(settings, corpus.records, truth, batch=1, **options)
    elif args.labels is None:
        say("counterscan: evaluate --input needs --labels")
        return 2
    else:
        one_stdio_each({"--input": args.input, "--labels": args.labels}, {})
        with reading(args.labels) as handle:
            truth = read_ground_truth(handle, shown(args.labels, "stdin"))
        with reading(args.input) as source:
            report = evaluate_records(settings, _passes(source, _source_name(args.input)), truth, **options)
    human = format_evaluation(report)
    if "seller_networks" in report:
        human += "\n\n" + format_network_comparison(report["seller_networks"])
    if args.plots is not None:
        from pipeline.brands.catalog import BrandCatalog
        from pipeline.offline.plots import plot_evaluation
        from pipeline.offline.scoring import load_profiles

        catalog = load_profiles(args.brands).catalog if args.brands else BrandCatalog.load()
        written = plot_evaluation(decisions, truth.labels, args.plots, settings.takedown_threshold,
                                  settings.review_threshold, catalog, title=report.get("model_version", ""))
        say(f"wrote {', '.join(str(p) for p in written)}")
    with_json(human, report, args.json)
    return 0


def _require_matplotlib() -> None:
    from importlib.util import find_spec

    if find_spec("matplotlib") is None:
        raise UsageError("--plots needs matplotlib: pip install 'counterscan[plots]'")


def _source_name(path: Path) -> str:
    """What dead letters name as the source of a file's listings (``file:NAME``)."""
    return "stdin" if is_stdio(path) else path.name


def _passes(source: IO[bytes], name: str) -> Callable[[], Iterable[InputRecord]]:
    """The listings of ``source`` once per pass (an evaluation with feedback makes two): a file is
    read again from its start, a pipe is read once and kept."""
    from pipeline.offline.scoring import read_lines

    if source.seekable():
        def again() -> Iterable[InputRecord]:
            source.seek(0)
            return read_lines(source, name)

        return again
    records = list(read_lines(source, name))
    return lambda: records


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
        say("counterscan: train needs --output FILE, or --install to replace the model the package ships")
        return 2
    one_stdio_each({}, {"--output": args.output, "--json": args.json})
    note = (lambda *_: None) if args.no_progress else say
    corpus = load_corpus(args.corpus) if args.corpus else None
    labeled = [(str(args.corpus), corpus.labeled())] if corpus else []
    labeled += [(spec, load_labeled(spec)) for spec in args.labeled]
    note(f"features of {args.count} generated listings (seed {args.seed}) and {sum(len(i) for _, i in labeled)} labeled")
    generated = training_set(ListingGenerator(args.seed).take(args.count), SignalExtractor(BrandCatalog.load()))
    # small labeled sets one listing at a time, so a seller network's takedowns reach its later listings
    sources = [LabeledSource(name, training_set(items, SignalExtractor(BrandCatalog.load()),
                                                batch=1 if len(items) < 5000 else 2000)) for name, items in labeled]
    candidates = [Candidate(l2, share) for l2, share in product(args.l2, args.labeled_share)]

    def progress(result: CandidateResult) -> None:
        r = result.report
        note(f"l2 {result.candidate.l2:g} labeled share {result.candidate.labeled_share:g}: held-out takedown "
             f"precision {r['takedown_precision']} recall {r['takedown_recall']}, flagged recall {r['flagged_recall']}, "
             f"genuine flagged {r['genuine_flagged']}" + (f"; misses {', '.join(result.missed)}" if result.missed else ""))

    version = f"logistic-{date.today():%Y.%m.%d}-s{args.seed}"
    model, provenance, results = train_selected(
        settings, generated, {"generator_seed": args.seed, "count": args.count}, sources, candidates, version, corpus,
        args.folds,
        progress=progress)
    output = MODEL_FILE if args.install else args.output
    with writing(output) as out:
        out.write(model_document(model, provenance) + b"\n")
    held_out = f"held-out {provenance['selection']['held_out']}" if results else "no corpus to cross-validate on"
    say(f"wrote the model to {shown(output)} (l2 {provenance['l2']:g}, {held_out})")
    if args.json is not None:
        write_json({"version": model.version, "model_file": shown(output), "trained_on": provenance}, args.json)
    return 0
