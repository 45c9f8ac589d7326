"""Throughput of pipeline/ alone: normalize, signals, score and route, no Kafka.

Listings are generated and decoded before the clock starts (realistic titles,
descriptions of 3 to 14 sentences), then scored in batches the size the hot
path uses, on one core. A second figure includes building the decision,
notice and review records, which the hot path also does. That one is taken for
the compiled intake and folding (``native/``) and for the Python ones, batch by
batch in turn in one run, so their ratio is not moved by the machine's load
changing; so is folding the batch's text alone (``TextBatch``: folded text and
skeletons), compiled and in Python.

    python -m benchmarks.scoring --json reports/scoring.json
"""

from __future__ import annotations

import dataclasses
import json
import os
import time
from pathlib import Path

import numpy as np

from benchmarks.common import benchmark_parser
from pipeline.intake.native import use_native
from pipeline.intake.normalize import normalize
from pipeline.intake.validation import decode_listing
from pipeline.scanner import Scanner
from pipeline.scoring.model import default_model
from pipeline.scoring.routing import route, thresholds
from pipeline.settings import Settings
from pipeline.synthetic.generator import MALFORMED, ListingGenerator
from pipeline.testing import raw_records
from pipeline.text.batch import TextBatch


def main(argv: list[str] | None = None) -> int:
    parser = benchmark_parser(__doc__, seed=77)
    parser.add_argument("--listings", type=int, default=100_000, help="listings to score (default 100000)")
    parser.add_argument("--batch", type=int, default=2000, help="batch size (default 2000, as the hot path)")
    parser.add_argument("--input", type=Path, default=None,
                        help="score these listings (JSON lines) instead of generated ones: the same input for two "
                             "versions of the code, whatever their generators make")
    args = parser.parse_args(argv)
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core, as the target says

    settings = Settings.load()
    if args.input:
        values = [line for line in args.input.read_bytes().splitlines() if line.strip()][:args.listings]
    else:
        values = [i.value for i in ListingGenerator(args.seed).take(args.listings) if i.label != MALFORMED]
    decoded = [d for d in (decode_listing(v, settings.max_record_bytes) for v in values) if isinstance(d, dict)]
    text_chars = np.mean([len(d.get("title", "")) + len(d.get("description", "")) for d in decoded])
    scanner = Scanner(settings.scoring)
    model = default_model()
    batches = [decoded[i:i + args.batch] for i in range(0, len(decoded), args.batch)]

    started = time.perf_counter()
    routed = 0
    for batch in batches:
        listings = [normalize(d) for d in batch]
        signals = scanner.extractor.extract(listings)
        scores = model.scores(model.contributions(signals.features))
        take_at, review_at = thresholds(scanner.catalog, signals.brand_ids, settings.takedown_threshold,
                                        settings.review_threshold)
        routed += len(route(scores, take_at, review_at, signals.authorized, signals.must_review, signals.evidence))
    core_s = time.perf_counter() - started

    raw = [raw_records(values[j:j + args.batch]) for j in range(0, len(values), args.batch)]
    modes = ("on", "off") if use_native("auto") else ("off",)
    scanners = {mode: Scanner(dataclasses.replace(settings.scoring, native=mode)) for mode in modes}
    if "on" in scanners:  # the compiled intake with Python's folding: what folding in Rust adds
        scanners["intake"] = Scanner(dataclasses.replace(settings.scoring, native="on"))
        scanners["intake"].extractor.native = False
    for each in scanners.values():  # first use (the folder's tables, caches) is not what is measured
        each.process(raw[0])
    spent = dict.fromkeys(scanners, 0.0)
    for batch in raw:
        for mode, each in scanners.items():
            started = time.perf_counter()
            each.process(batch)
            spent[mode] += time.perf_counter() - started
    full_s = spent[modes[0]]

    texts = [[normalize(d).text for d in batch] for batch in batches]
    for mode in modes:
        TextBatch(texts[0], native=mode == "on")
    folding = dict.fromkeys(modes, 0.0)
    for batch in texts:
        for mode in modes:
            started = time.perf_counter()
            TextBatch(batch, native=mode == "on")
            folding[mode] += time.perf_counter() - started

    report = {
        "listings": routed,
        "batch": args.batch,
        "mean_text_chars": round(float(text_chars), 1),
        "listings_per_s": round(routed / core_s, 1),
        "with_decode_and_records_per_s": round(len(values) / full_s, 1),
        "native": modes[0] == "on",
        "native_off_per_s": round(len(values) / spent["off"], 1),
        "native_on_per_s": round(len(values) / spent["on"], 1) if "on" in spent else None,
        "native_speedup": round(spent["off"] / spent["on"], 3) if "on" in spent else None,
        "native_intake_only_per_s": round(len(values) / spent["intake"], 1) if "on" in spent else None,
        "native_folding_speedup": round(spent["intake"] / spent["on"], 3) if "on" in spent else None,
        "non_ascii_text_share": round(sum(not t.isascii() for b in texts for t in b) / len(decoded), 4),
        "fold_python_us_per_listing": round(1e6 * folding["off"] / len(decoded), 2),
        "fold_native_us_per_listing": round(1e6 * folding["on"] / len(decoded), 2) if "on" in folding else None,
        "cores": 1,
    }
    print(f"normalize + signals + score + route   {report['listings_per_s']:>10,.0f} listings/s")
    print(f"... plus decode and output records    {report['with_decode_and_records_per_s']:>10,.0f} listings/s")
    if report["native_speedup"]:
        print(f"    compiled intake and folding {report['native_on_per_s']:,.0f}/s, "
              f"Python {report['native_off_per_s']:,.0f}/s: {report['native_speedup']}x; "
              f"compiled intake, Python folding {report['native_intake_only_per_s']:,.0f}/s")
    if report["fold_native_us_per_listing"] is not None:
        print(f"    folding a batch's text: compiled {report['fold_native_us_per_listing']} us a listing, Python "
              f"{report['fold_python_us_per_listing']} us ({report['non_ascii_text_share']:.1%} of texts not ASCII)")
    print(f"({routed} listings, mean title+description {report['mean_text_chars']} chars, batches of {args.batch})")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
