"""counterscan's core: everything that decides, computed and tested without a broker.

Stages take plain lists of records (or numpy columns) and return records:
``intake`` validates and normalizes, ``text`` folds and searches, ``brands``
knows the protected brands, ``scoring`` scores and routes, ``sellers`` keeps
reputation and networks, ``offline`` and ``synthetic`` serve files, tests and
training. :class:`Scanner` runs them over a batch the way the stream does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = ["Scanner", "Settings", "__version__", "topics", "types"]

if TYPE_CHECKING:
    from pipeline import topics, types
    from pipeline.scanner import Scanner
    from pipeline.settings import Settings

# Lazy: `import pipeline.settings` (every command's first import) must not load numpy and the
# whole scoring stack just because the package exports the scanner.
_LAZY = {"Scanner": "pipeline.scanner", "Settings": "pipeline.settings"}


def __getattr__(name: str) -> Any:
    import importlib

    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    if name in ("topics", "types"):
        return importlib.import_module(f"pipeline.{name}")
    raise AttributeError(f"module 'pipeline' has no attribute {name!r}")
