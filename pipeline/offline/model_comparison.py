"""How a shadow model would change the routes, and how both models fare against the outcomes.

Read from the decisions a shadow scored (each carries the shadow's route
beside the live one) and the outcomes that concluded them: per brand, the
route changes (live route -> shadow route) and, where outcomes exist, the
takedown precision and recall and the flagged recall of each model. A brand
with few outcomes shows its counts, so nobody promotes on three labels.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from pipeline.offline.outcome_labels import LABELS, NO_BRAND, resolved_kinds

ALL_BRANDS = "all"


def compare_models(model_id: str, decisions: Iterable[Mapping[str, Any]],
                   outcomes: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """The comparison report of ``model_id`` (the shadow) against the live model that decided."""
    shadowed = [d for d in decisions if (d.get("shadow") or {}).get("model_version") == model_id]
    kinds, _, skipped = resolved_kinds(outcomes, shadowed)
    rows: dict[str, dict[str, Any]] = defaultdict(lambda: {"decisions": 0, "changes": Counter(), "labels": Counter(),
                                                           "live": Counter(), "shadow": Counter()})
    live_models: Counter[str] = Counter()
    for decision in shadowed:
        live_models[decision["model_version"]] += 1
        live, shadow = decision["route"], decision["shadow"]["route"]
        kind = kinds.get(decision["decision_id"])
        for brand in (decision.get("brand") or NO_BRAND, ALL_BRANDS):
            row = rows[brand]
            row["decisions"] += 1
            if live != shadow:
                row["changes"][f"{live}->{shadow}"] += 1
            if kind is not None:
                counterfeit = LABELS[kind] == 1.0
                row["labels"]["counterfeit" if counterfeit else "genuine"] += 1
                for model, chosen in (("live", live), ("shadow", shadow)):
                    row[model][_cell(chosen, counterfeit)] += 1
    brands = {brand: _summary(row) for brand, row in sorted(rows.items(), key=lambda item: item[0] == ALL_BRANDS)}
    return {"model_id": model_id, "decisions": len(shadowed), "live_models": dict(live_models),
            "outcomes_unused": dict(skipped), "brands": brands}


def _cell(route: str, counterfeit: bool) -> str:
    return f"{route}:{'counterfeit' if counterfeit else 'genuine'}"


def _summary(row: Mapping[str, Any]) -> dict[str, Any]:
    return {"decisions": row["decisions"], "route_changes": dict(sorted(row["changes"].items())),
            "labels": dict(row["labels"]), "live": _scores(row["live"]), "shadow": _scores(row["shadow"])}


def _scores(cells: Counter[str]) -> dict[str, float | None]:
    taken_right, taken_wrong = cells["takedown:counterfeit"], cells["takedown:genuine"]
    counterfeit = sum(v for k, v in cells.items() if k.endswith(":counterfeit"))
    flagged = taken_right + cells["review:counterfeit"]

    def ratio(part: int, whole: int) -> float | None:
        return round(part / whole, 4) if whole else None

    return {"takedown_precision": ratio(taken_right, taken_right + taken_wrong),
            "takedown_recall": ratio(taken_right, counterfeit), "flagged_recall": ratio(flagged, counterfeit)}


def format_comparison(report: Mapping[str, Any]) -> str:
    lines = [f"model {report['model_id']} in the shadow of {', '.join(report['live_models']) or 'no live model'}: "
             f"{report['decisions']} decisions"]
    header = f"{'brand':<18}{'decisions':>10}  {'labels c/g':>10}  {'takedown P live/shadow':>24}  " \
             f"{'takedown R live/shadow':>24}  {'flagged R live/shadow':>23}  route changes"
    lines.append(header)
    for brand, row in report["brands"].items():
        labels = f"{row['labels'].get('counterfeit', 0)}/{row['labels'].get('genuine', 0)}"
        pairs = [f"{_shown(row['live'][k])}/{_shown(row['shadow'][k])}"
                 for k in ("takedown_precision", "takedown_recall", "flagged_recall")]
        changes = ", ".join(f"{k} {v}" for k, v in row["route_changes"].items()) or "none"
        lines.append(f"{brand:<18}{row['decisions']:>10}  {labels:>10}  {pairs[0]:>24}  {pairs[1]:>24}  {pairs[2]:>23}  "
                     f"{changes}")
    return "\n".join(lines)


def _shown(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"
