"""USD exchange rates for price comparison against brand reference prices.

Reference prices are kept in USD, so every listing price is converted once
during normalization. The table is configuration with a date: the shipped one
lives in ``pipeline/data/usd_rates.json``, ``exchange_rates_file`` in the
settings replaces it at start, and a record on the compacted
``reference.exchange_rates`` replaces it at run time. A table that fails its
checks is refused and the one in force stays. Rates are deliberately coarse:
a counterfeit signal is a price at a tenth of retail, not a cent of drift, but
a table months old misprices whole currencies, hence its ``as_of``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any

from pipeline.data import DATA_DIR
from pipeline.timestamps import parse_timestamp

__all__ = ["DEFAULT_RATES_FILE", "USD_RATES", "RateTable", "RateTableError", "load_rate_table", "load_rates",
           "parse_rate_table"]

DEFAULT_RATES_FILE = DATA_DIR / "usd_rates.json"


class RateTableError(ValueError):
    """An exchange-rate table that cannot be used; the message says why."""


@dataclass(frozen=True)
class RateTable:
    """USD per unit of each ISO 4217 currency, and the day the rates were taken."""

    rates: Mapping[str, float] = field(default_factory=dict)
    as_of: datetime | None = None


def parse_rate_table(document: Any, where: str, require_date: bool = False) -> RateTable:
    """A rate table from its JSON document: positive rates keyed by ISO 4217 codes, USD among them."""
    if not isinstance(document, dict) or not isinstance(document.get("rates"), dict):
        raise RateTableError(f"{where}: not an exchange-rate table (an object with a 'rates' object)")
    try:
        rates = {code: float(rate) for code, rate in document["rates"].items()}
    except (TypeError, ValueError) as exc:
        raise RateTableError(f"{where}: rates must be numbers ({exc})") from exc
    bad = [code for code, rate in rates.items()
           if not (isinstance(code, str) and len(code) == 3 and code.isalpha() and code.isupper()) or not rate > 0
           or rate == float("inf")]
    if bad or "USD" not in rates:
        raise RateTableError(f"{where}: exchange rates must be positive, keyed by ISO 4217 codes, and include USD"
                             + (f"; bad: {', '.join(map(str, bad))}" if bad else ""))
    as_of = document.get("as_of")
    if as_of is None and require_date:
        raise RateTableError(f"{where}: a rate table needs its as_of date")
    try:
        stamp = parse_timestamp(as_of) if as_of is not None else None
    except (TypeError, ValueError) as exc:
        raise RateTableError(f"{where}: as_of is not an ISO 8601 time: {as_of!r}") from exc
    return RateTable(MappingProxyType(rates), stamp)


def load_rate_table(path: Path | None = None) -> RateTable:
    """The table of a file (the shipped one by default)."""
    source = path or DEFAULT_RATES_FILE
    try:
        document = json.loads(source.read_text())
    except json.JSONDecodeError as exc:
        raise RateTableError(f"{source}: not JSON ({exc})") from exc
    return parse_rate_table(document, str(source))


def load_rates(path: Path | None = None) -> Mapping[str, float]:
    """USD per unit of each ISO 4217 currency; a listing in any other currency is dead-lettered."""
    return load_rate_table(path).rates


USD_RATES = load_rates()
