"""Calibration you can look at: PNG plots of an evaluation's decisions (matplotlib).

Three questions a brand-protection team asks of a model before trusting it:
- does a score of 0.8 mean eight counterfeits in ten? (``reliability.png``:
  predicted score against the observed counterfeit share, per score bin, with
  each bin's listings);
- how far apart are counterfeit and genuine listings? (``score_distributions.png``);
- what does moving a threshold cost? (``precision_recall.png``: takedown
  precision and recall against the threshold, with the default thresholds and
  every brand's own marked).

matplotlib is imported here only, with the file-only Agg backend, and only when
plots are asked for: scoring never needs it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from pipeline.brands.catalog import BrandCatalog

BINS = 10
PLOTS = ("reliability.png", "score_distributions.png", "precision_recall.png")


def plot_evaluation(decisions: Sequence[Mapping[str, Any]], labels: Mapping[str, str], out_dir: Path,
                    takedown: float, review: float, catalog: BrandCatalog | None = None,
                    title: str = "") -> list[Path]:
    """Write the three plots for the decisions whose listing ``labels`` knows; returns their paths."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    known = [d for d in decisions if labels.get(d["listing_id"]) in ("counterfeit", "genuine")]
    if not known:
        raise ValueError("no decision has a counterfeit or genuine label to plot")
    scores = np.array([d["score"] for d in known])
    fake = np.array([labels[d["listing_id"]] == "counterfeit" for d in known])
    out_dir.mkdir(parents=True, exist_ok=True)
    brand_thresholds = _brand_thresholds(catalog or BrandCatalog.load())
    paths = [out_dir / name for name in PLOTS]
    suffix = f"\n{title}" if title else ""

    figure, axis = plt.subplots(figsize=(6, 5))
    edges = np.linspace(0, 1, BINS + 1)
    which = np.clip(np.digitize(scores, edges) - 1, 0, BINS - 1)
    centres, shares, counts = [], [], []
    for b in range(BINS):
        inside = which == b
        if inside.any():
            centres.append(float(scores[inside].mean()))
            shares.append(float(fake[inside].mean()))
            counts.append(int(inside.sum()))
    axis.plot([0, 1], [0, 1], linestyle="--", color="grey", label="perfectly calibrated")
    axis.plot(centres, shares, marker="o", label="observed")
    for x, y, n in zip(centres, shares, counts):
        axis.annotate(str(n), (x, y), textcoords="offset points", xytext=(4, -12), fontsize=7)
    axis.set(xlabel="predicted score (bin mean)", ylabel="observed counterfeit share", xlim=(0, 1), ylim=(0, 1),
             title=f"Reliability{suffix}")
    axis.legend(loc="upper left")
    figure.tight_layout()
    figure.savefig(paths[0], dpi=110)
    plt.close(figure)

    figure, axis = plt.subplots(figsize=(6, 4))
    bins = np.linspace(0, 1, 41)
    axis.hist(scores[~fake], bins=bins, alpha=0.6, label=f"genuine ({int((~fake).sum())})", color="tab:blue")
    axis.hist(scores[fake], bins=bins, alpha=0.6, label=f"counterfeit ({int(fake.sum())})", color="tab:red")
    axis.set_yscale("log")
    for value, name in ((review, "review"), (takedown, "takedown")):
        axis.axvline(value, color="black", linestyle=":", linewidth=1)
        axis.text(value, axis.get_ylim()[1], f" {name}", va="top", fontsize=8)
    axis.set(xlabel="score", ylabel="listings (log)", title=f"Score distributions{suffix}")
    axis.legend()
    figure.tight_layout()
    figure.savefig(paths[1], dpi=110)
    plt.close(figure)

    figure, axis = plt.subplots(figsize=(6, 4))
    thresholds = np.linspace(0.01, 0.99, 99)
    taken = scores[None, :] >= thresholds[:, None]
    hits = (taken & fake[None, :]).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        precision = np.where(taken.sum(axis=1) > 0, hits / taken.sum(axis=1), np.nan)
    recall = hits / max(1, int(fake.sum()))
    axis.plot(thresholds, precision, label="precision")
    axis.plot(thresholds, recall, label="recall")
    axis.axvline(takedown, color="black", linestyle="--", linewidth=1, label=f"default takedown {takedown:g}")
    axis.axvline(review, color="grey", linestyle="--", linewidth=1, label=f"default review {review:g}")
    for brand, value in brand_thresholds.items():
        axis.axvline(value, color="tab:purple", linestyle=":", linewidth=0.8)
        axis.text(value, 0.02, brand, rotation=90, fontsize=6, color="tab:purple")
    axis.set(xlabel="threshold (score at or above)", ylabel="share", ylim=(0, 1.02),
             title=f"Precision and recall against the threshold{suffix}")
    axis.legend(loc="lower left", fontsize=8)
    figure.tight_layout()
    figure.savefig(paths[2], dpi=110)
    plt.close(figure)
    return paths


def _brand_thresholds(catalog: BrandCatalog) -> dict[str, float]:
    """Brands whose profile sets its own takedown threshold."""
    return {brand_id: p.takedown_threshold for brand_id, p in sorted(catalog.profiles.items())
            if p.takedown_threshold is not None}
