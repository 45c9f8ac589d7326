"""USD exchange rates for price comparison against brand reference prices.

Reference prices are kept in USD, so every listing price is converted once
during normalization. The table is configuration: the shipped one lives in
``pipeline/data/usd_rates.json`` and ``exchange_rates_file`` in the settings
replaces it. Rates are deliberately coarse: a counterfeit signal is a price at
a tenth of retail, not a cent of drift.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType

from pipeline.data import DATA_DIR

DEFAULT_RATES_FILE = DATA_DIR / "usd_rates.json"


def load_rates(path: Path | None = None) -> Mapping[str, float]:
    """USD per unit of each ISO 4217 currency; a listing in any other currency is dead-lettered."""
    document = json.loads((path or DEFAULT_RATES_FILE).read_text())
    rates = {code: float(rate) for code, rate in document["rates"].items()}
    bad = [code for code, rate in rates.items() if len(code) != 3 or not code.isupper() or not rate > 0]
    if bad or "USD" not in rates:
        raise ValueError(f"exchange rates in {path} must be positive, keyed by ISO 4217 codes, and include USD"
                         + (f"; bad: {', '.join(bad)}" if bad else ""))
    return MappingProxyType(rates)


USD_RATES = load_rates()
