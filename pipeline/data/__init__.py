"""Data shipped with the package: the brand catalog, the model's weights, the exchange-rate table."""

from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent

__all__ = ["DATA_DIR"]
