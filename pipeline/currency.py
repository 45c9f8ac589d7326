"""USD exchange rates for price comparison against brand reference prices.

Reference prices are kept in USD, so every listing price is converted once
during normalization. Rates are deliberately coarse: a counterfeit signal is a
price at a tenth of retail, not a cent of drift.
"""

from __future__ import annotations

from types import MappingProxyType

# USD per one unit of the currency (mid-market, late 2026, rounded).
USD_RATES = MappingProxyType({
    "USD": 1.0, "EUR": 1.08, "GBP": 1.27, "CNY": 0.138, "HKD": 0.128, "JPY": 0.0066,
    "KRW": 0.00072, "TWD": 0.031, "SGD": 0.74, "AUD": 0.66, "CAD": 0.73, "CHF": 1.13,
    "SEK": 0.095, "NOK": 0.093, "DKK": 0.145, "PLN": 0.25, "CZK": 0.043, "HUF": 0.0027,
    "TRY": 0.029, "RUB": 0.011, "INR": 0.012, "IDR": 0.000063, "THB": 0.028, "VND": 0.000039,
    "MYR": 0.22, "PHP": 0.017, "BRL": 0.18, "MXN": 0.055, "AED": 0.27, "SAR": 0.27,
    "ZAR": 0.055, "NZD": 0.6,
})


def to_usd(amount: float, currency: str) -> float:
    return amount * USD_RATES[currency]
