"""Scanner.process on hostile text: can a crafted listing cost much more than a normal one?

A seller controls the title and description, so text that makes folding,
Unicode normalization, the brand automaton or a brand's fuzzy regex work
harder than usual slows every listing that shares its batch. Each crafted case
is scanned at sizes that double (title and description both grow until the
scanned window of title plus description head is full), then with the longest
description the contract allows, then with a record just under the size limit
(dead-lettered: its description is past the contract's limit). Per case and
size: bytes of the record, seconds per listing, the ratio to a normal listing
of the same byte sizes, and the growth from the previous size. A case is
``superlinear`` when, inside the scanned window, its time grows by more than
``--superlinear`` per doubling of the text (geometric mean over the doublings).

    python -m benchmarks.adversarial --json reports/adversarial.json
"""

from __future__ import annotations

import itertools
import math
import sys
import time
from dataclasses import dataclass
from typing import Any

import orjson

from benchmarks.common import benchmark_parser, write_report
from pipeline.brands.catalog import BrandCatalog
from pipeline.intake.normalize import SCAN_DESCRIPTION_CHARS
from pipeline.scanner import Scanner
from pipeline.settings import Settings
from pipeline.synthetic.generator import MALFORMED, ListingGenerator
from pipeline.testing import listing
from pipeline.text.vocabulary import COMPATIBILITY_TERMS, COUNTERFEIT_TERMS
from pipeline.types import InputRecord

TITLE_CHARS = 1024  # the contract's longest title
DESCRIPTION_CHARS = 65536  # the contract's longest description
DOUBLING = (512, 1024, 2048, SCAN_DESCRIPTION_CHARS, 2 * SCAN_DESCRIPTION_CHARS)  # description chars
BATCH_BYTES = 4 << 20  # copies of a case per timed batch: enough to amortize the batch's fixed costs


@dataclass(frozen=True)
class Crafted:
    """``head`` then ``unit`` repeated, cut to the length asked for."""

    unit: str
    head: str = ""

    def text(self, chars: int) -> str:
        return (self.head + self.unit * (chars // len(self.unit) + 1))[:chars]

    @property
    def whole(self) -> int:
        """Characters from which the text holds the whole pattern: only doublings past it compare like with like."""
        return len(self.head) + len(self.unit)


def _catalog_terms() -> list[str]:
    catalog = BrandCatalog.load()
    return [t for p in catalog.profiles.values() for t in (*p.aliases, *p.misspellings, *p.keywords)]


def _near_misses() -> str:
    """Every alias spelled with the widest gaps its fuzzy regex allows, minus its last letter:
    each brand's skeleton key is present, so every regex runs and fails as late as it can."""
    return " ".join("..".join(alias[:-1]) for alias in _catalog_terms() if alias.isascii() and len(alias) > 4) + " "


def _vocabulary() -> str:
    return " ".join(t for terms in (*COUNTERFEIT_TERMS.values(), *COMPATIBILITY_TERMS.values()) for t in terms) + " "


CASES: dict[str, Crafted] = {
    "one_char_run": Crafted("a"),
    "brand_prefix_repeat": Crafted("gucc"),
    "brand_repeat": Crafted("gucci "),
    "brand_no_spaces": Crafted("gucci"),
    "lookalike_letters": Crafted("gu\u0441\u0441i "),  # Cyrillic es: Latin to the eye
    "zero_width": Crafted("g\u200bu\u200bc\u200bc\u200bi\u200d"),
    "zero_width_only": Crafted("\u200b\u200c\u200d\u2060\ufeff"),
    "rtl_overrides": Crafted("\u202eicc\u200fug\u202c "),
    "combining_marks": Crafted("g" + "\u0301\u0316" * 40),
    "combining_run": Crafted("\u0301\u0316", head="g"),  # marks of alternating classes: normalization sorts them
    "tibetan_vowels": Crafted("\u0f73\u0f75"),  # each decomposes into marks of two classes
    "nfkc_expanding": Crafted("\ufdfa"),  # one character, eighteen after NFKC
    "leet_alternating": Crafted("GuCc1 9uCC! g*cci Gu(c1 6ucc! "),
    "whitespace_run": Crafted(" ", head="gucci"),
    "whitespace_mixed": Crafted(" \t\n\r\x0b\x0c\u3000\u00a0"),
    "separator_bytes": Crafted("g\x00u\x00c\x00c\x00i\x00"),
    "spaced_letters": Crafted("g . u . c . c . i . "),
    "fuzzy_near_miss": Crafted(_near_misses()),
    "every_brand_term": Crafted(" ".join(_catalog_terms()) + " "),
    "every_vocabulary_term": Crafted(_vocabulary()),
    "bounded_term_run": Crafted("aaa"),  # a short term whose word-boundary regex runs on every hit
    "cjk_terms": Crafted("高仿古驰复刻"),
    "many_words": Crafted("word "),
}


def _normal_text(seed: int) -> str:
    items = ListingGenerator(seed).take(400)
    return " ".join(orjson.loads(i.value).get("description", "") for i in items if i.label != MALFORMED)


def _truncate_bytes(text: str, size: int) -> str:
    return text.encode()[:size].decode(errors="ignore")


def _records(title: str, description: str, copies: int) -> list[InputRecord]:
    values = [orjson.dumps(listing(listing_id=f"adv-{i}", title=title, description=description))
              for i in range(copies)]
    return [InputRecord("listings.raw", 0, i, f"adv-{i}".encode(), v) for i, v in enumerate(values)]


def _seconds_per_listing(scanner: Scanner, title: str, description: str, repeats: int) -> tuple[int, float, str]:
    """(record bytes, best seconds per listing over ``repeats`` batches, the outcome's topic)."""
    size = len(_records(title, description, 1)[0].value)
    copies = max(1, min(200, BATCH_BYTES // size))
    records = _records(title, description, copies)
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        result = scanner.process(records)
        elapsed = time.perf_counter() - started
        best = min(best, elapsed / copies)
        if elapsed > 2.0:  # slow enough to read without repeating
            break
    return size, best, result.outputs[0].topic.split(".")[-1]


def run(sizes: tuple[int, ...], repeats: int, seed: int, limit: float, only: list[str]) -> dict[str, Any]:
    settings = Settings.load()
    scanner = Scanner(settings.scoring)
    normal = _normal_text(seed)
    while len(normal.encode()) < settings.max_record_bytes:
        normal += " " + normal
    baselines: dict[tuple[int, int], float] = {}
    cases: dict[str, Any] = {}
    for name in only:
        rows = []
        for chars in sizes:
            text = CASES[name].text(chars)
            if chars > DESCRIPTION_CHARS:  # past the contract's limit: sized in bytes, up to the record limit
                text = _truncate_bytes(text, chars)
            title = text[: min(TITLE_CHARS, max(1, chars // 4))]
            size, seconds, outcome = _seconds_per_listing(scanner, title, text, repeats)
            same_size = (len(title.encode()), len(text.encode()))
            if same_size not in baselines:
                baselines[same_size] = _seconds_per_listing(
                    scanner, _truncate_bytes(normal, same_size[0]), _truncate_bytes(normal, same_size[1]), repeats)[1]
            baseline = baselines[same_size]
            rows.append({"description_chars": chars, "bytes": size, "s_per_listing": seconds,
                         "normal_s_per_listing": baseline, "ratio_to_normal": round(seconds / baseline, 2),
                         "outcome": outcome})
        for previous, row in itertools.pairwise(rows):
            row["growth"] = round(row["s_per_listing"] / previous["s_per_listing"], 2)
        cases[name] = {"rows": rows, "growth_per_doubling": _growth_per_doubling(rows, CASES[name].whole)}
        print(f"  {name}: {max(r['s_per_listing'] for r in rows) * 1e3:.3f} ms/listing at most, "
              f"growth per doubling {cases[name]['growth_per_doubling']}", file=sys.stderr)
    return _summary(cases, sizes, limit)


def _growth_per_doubling(rows: list[dict[str, Any]], whole: int) -> float | None:
    """Geometric mean of the time's growth per doubling, over the sizes that are scanned in full
    and hold the whole pattern. Single steps wobble: which brand keys a repeated pattern shows
    depends on where the text is cut, and one key more runs one regex more."""
    scanned = [r for r in rows if whole <= r["description_chars"] <= SCAN_DESCRIPTION_CHARS]
    if len(scanned) < 2:
        return None
    first, last = scanned[0], scanned[-1]
    doublings = math.log2(last["description_chars"] / first["description_chars"])
    return round((last["s_per_listing"] / first["s_per_listing"]) ** (1 / doublings), 2)


def _summary(cases: dict[str, Any], sizes: tuple[int, ...], limit: float) -> dict[str, Any]:
    worst_case, worst = max(((name, row) for name, case in cases.items() for row in case["rows"]),
                            key=lambda item: item[1]["s_per_listing"])
    growth = {name: case["growth_per_doubling"] for name, case in cases.items()
              if case["growth_per_doubling"] is not None}
    return {
        "worst_case": worst_case,
        "worst_bytes": worst["bytes"],
        "worst_s_per_listing": worst["s_per_listing"],
        "worst_ratio_to_normal": worst["ratio_to_normal"],
        "highest_ratio_to_normal": max(r["ratio_to_normal"] for case in cases.values() for r in case["rows"]),
        "highest_growth_per_doubling": max(growth.values(), default=None),
        "superlinear": sorted(name for name, g in growth.items() if g > limit),
        "superlinear_limit": limit,
        "sizes_description_chars": list(sizes),
        "cases": cases,
    }


def main(argv: list[str] | None = None) -> int:
    parser = benchmark_parser(__doc__, seed=91)
    parser.add_argument("--repeats", type=int, default=3, help="timed batches per case and size, best kept (default 3)")
    parser.add_argument("--superlinear", type=float, default=2.5,
                        help="growth per doubling of the text above which a case is superlinear (default 2.5)")
    parser.add_argument("--cases", default=",".join(CASES), help=f"comma-separated, of {', '.join(CASES)}")
    args = parser.parse_args(argv)
    limit_chars = Settings.load().max_record_bytes - 2048  # the record stays just under the size limit
    sizes = (*DOUBLING, DESCRIPTION_CHARS, limit_chars)
    report = run(sizes, args.repeats, args.seed, args.superlinear, args.cases.split(","))
    rows: list[tuple[str, Any]] = []
    for name, case in report["cases"].items():
        for r in case["rows"]:
            figures = (f"{r['s_per_listing'] * 1e6:10.1f} us/listing  x{r['ratio_to_normal']:<7} "
                       f"growth {r.get('growth', '-'):<5} {r['outcome']}")
            rows.append((f"{name} @{r['bytes']}B", figures))
    rows += [(key, report[key]) for key in ("worst_case", "worst_bytes", "worst_s_per_listing", "worst_ratio_to_normal",
                                            "highest_ratio_to_normal", "highest_growth_per_doubling", "superlinear")]
    write_report(report, args.json, rows)
    return 1 if report["superlinear"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
