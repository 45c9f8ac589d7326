"""How good the decisions are, against ground truth.

Brand-protection teams judge by three numbers: precision of automatic
takedowns (a wrong one harms an honest seller), recall of everything flagged
(takedown or review), and how much of the stream lands in review.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

LABELS = ("counterfeit", "genuine")
ROUTES = ("takedown", "review", "clear")


def _ratio(numerator: int, denominator: int) -> float | None:
    return round(numerator / denominator, 4) if denominator else None


def _metrics(counts: Mapping[tuple[str, str], int]) -> dict[str, Any]:
    fakes = sum(counts[("counterfeit", r)] for r in ROUTES)
    takedowns = counts[("counterfeit", "takedown")] + counts[("genuine", "takedown")]
    reviews = counts[("counterfeit", "review")] + counts[("genuine", "review")]
    caught = counts[("counterfeit", "takedown")] + counts[("counterfeit", "review")]
    total = sum(counts.values())
    genuine = total - fakes
    return {
        "listings": total,
        "counterfeits": fakes,
        "takedowns": takedowns,
        "flagged": takedowns + reviews,
        "takedown_precision": _ratio(counts[("counterfeit", "takedown")], takedowns),
        "takedown_recall": _ratio(counts[("counterfeit", "takedown")], fakes),
        "flagged_precision": _ratio(caught, takedowns + reviews),
        "flagged_recall": _ratio(caught, fakes),
        "review_share": _ratio(reviews, total),
        # what wastes reviewers' time and harms honest sellers: genuine listings sent to takedown or review
        "genuine_flagged": _ratio(counts[("genuine", "takedown")] + counts[("genuine", "review")], genuine),
    }


def evaluate(decisions: Iterable[Mapping[str, Any]], labels: Mapping[str, str],
             brands: Mapping[str, str] | None = None,
             breakdowns: Mapping[str, Mapping[str, str]] | None = None) -> dict[str, Any]:
    """Overall and per-brand metrics plus the confusion matrix (label x route).

    ``brands`` maps listing id to the brand the listing really concerns, when the
    ground truth knows it; otherwise the decision's brand is used. Each of
    ``breakdowns`` (a name such as ``subtype`` or ``language``, and the value of
    each listing) adds the same metrics per value under ``per_<name>``."""
    overall: Counter[tuple[str, str]] = Counter()
    per_brand: dict[str, Counter[tuple[str, str]]] = defaultdict(Counter)
    per_group: dict[str, dict[str, Counter[tuple[str, str]]]] = {name: defaultdict(Counter) for name in breakdowns or {}}
    unlabeled = 0
    for decision in decisions:
        label = labels.get(decision["listing_id"])
        if label not in LABELS:
            unlabeled += 1
            continue
        cell = (label, decision["route"])
        overall[cell] += 1
        brand = (brands or {}).get(decision["listing_id"]) or decision.get("brand") or "none"
        per_brand[brand][cell] += 1
        for name, values in (breakdowns or {}).items():
            per_group[name][values.get(decision["listing_id"]) or "none"][cell] += 1
    report = _metrics(overall)
    report["confusion"] = {label: {route: overall[(label, route)] for route in ROUTES} for label in LABELS}
    report["per_brand"] = {brand: _metrics(counts) for brand, counts in sorted(per_brand.items())}
    for name, groups in per_group.items():
        report[f"per_{name}"] = {value: _metrics(counts) for value, counts in sorted(groups.items())}
    report["unlabeled"] = unlabeled
    return report


def format_evaluation(report: Mapping[str, Any]) -> str:
    lines = [
        f"listings {report['listings']}  counterfeits {report['counterfeits']}  unlabeled {report['unlabeled']}",
        f"takedown precision {report['takedown_precision']}  recall {report['takedown_recall']}",
        f"takedown-or-review precision {report['flagged_precision']}  recall {report['flagged_recall']}  "
        f"review share {report['review_share']}  genuine listings flagged {report['genuine_flagged']}",
        "",
        f"{'label':<12}" + "".join(f"{r:>10}" for r in ROUTES),
    ]
    for label in LABELS:
        lines.append(f"{label:<12}" + "".join(f"{report['confusion'][label][r]:>10}" for r in ROUTES))
    lines += ["", f"{'brand':<18}{'listings':>9}{'fakes':>7}{'td prec':>9}{'td rec':>8}{'flag prec':>10}{'flag rec':>9}"]
    for brand, m in report["per_brand"].items():
        lines.append(f"{brand:<18}{m['listings']:>9}{m['counterfeits']:>7}{_fmt(m['takedown_precision']):>9}"
                     f"{_fmt(m['takedown_recall']):>8}{_fmt(m['flagged_precision']):>10}{_fmt(m['flagged_recall']):>9}")
    for name in sorted(k[4:] for k in report if k.startswith("per_") and k != "per_brand"):
        lines += ["", f"{name:<24}{'listings':>9}{'fakes':>7}{'flagged':>9}{'takedowns':>11}"]
        for value, m in report[f"per_{name}"].items():
            lines.append(f"{value:<24}{m['listings']:>9}{m['counterfeits']:>7}{m['flagged']:>9}{m['takedowns']:>11}")
    return "\n".join(lines)


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def cohort_recall(decisions: Iterable[Mapping[str, Any]], cohort: frozenset[str] | set[str]) -> dict[str, Any]:
    """How many of a set of listings (all counterfeit) were flagged, and how many taken down."""
    routes = Counter(d["route"] for d in decisions if d["listing_id"] in cohort)
    listings = sum(routes.values())
    return {"listings": listings, "takedown": routes["takedown"], "review": routes["review"],
            "flagged_recall": _ratio(routes["takedown"] + routes["review"], listings),
            "takedown_recall": _ratio(routes["takedown"], listings)}


def network_comparison(with_networks: Mapping[str, Any], without: Mapping[str, Any], note: str) -> dict[str, Any]:
    """First listings of new accounts of known counterfeiter networks, scored with and without
    the seller-network signal; each side is ``{"cohort": cohort_recall(...), "overall": evaluate(...)}``."""
    def side(run: Mapping[str, Any]) -> dict[str, Any]:
        return {**run["cohort"], "takedown_precision": run["overall"]["takedown_precision"],
                "overall_flagged_recall": run["overall"]["flagged_recall"]}
    return {"with_network_signals": side(with_networks), "without_network_signals": side(without), "note": note}


def format_network_comparison(report: Mapping[str, Any]) -> str:
    lines = ["first listings of new accounts of known counterfeiter networks:",
             f"{'':<26}{'listings':>9}{'flag rec':>9}{'td rec':>8}{'td prec':>9}{'all flag rec':>13}"]
    for name in ("with_network_signals", "without_network_signals"):
        m = report[name]
        lines.append(f"{name.replace('_', ' '):<26}{m['listings']:>9}{_fmt(m['flagged_recall']):>9}"
                     f"{_fmt(m['takedown_recall']):>8}{_fmt(m['takedown_precision']):>9}"
                     f"{_fmt(m['overall_flagged_recall']):>13}")
    lines.append(f"note: {report['note']}")
    return "\n".join(lines)
