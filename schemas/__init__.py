"""The wire contracts: one JSON Schema per record type, versioned by file name.

Kept as data files beside this module so producers in any language can read
them; :func:`load` is the one way Python code gets at them.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

SCHEMA_DIR = Path(__file__).resolve().parent


@cache
def load(name: str) -> dict[str, Any]:
    return json.loads((SCHEMA_DIR / name).read_text(encoding="utf-8"))


def names() -> list[str]:
    return sorted(p.name for p in SCHEMA_DIR.glob("*.json"))
