"""Sellers' complaints against restrictions (DSA Art. 20): cases, deadlines, and which are overdue.

A counter-notice opens a case with a deadline by which the marketplace must
answer; a reinstatement closes it in the seller's favour. The cases are the
latest record per listing on the compacted ``enforcement.appeals``; a case
still open past its deadline is what an operator must see first.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from pipeline.records import stable_id
from pipeline.timestamps import format_timestamp, parse_timestamp


def open_case(listing_id: str, seller_id: str, brand: str | None, statement_id: str | None, opened_at: str,
              deadline_days: int) -> dict[str, Any]:
    deadline = parse_timestamp(opened_at) + timedelta(days=deadline_days)
    return {"schema_version": 1, "case_id": stable_id("appeal", listing_id, statement_id or "", opened_at),
            "listing_id": listing_id, "seller_id": seller_id, "brand": brand, "statement_id": statement_id,
            "status": "open", "resolution": None, "opened_at": opened_at,
            "deadline": format_timestamp(deadline), "closed_at": None, "reversal_statement_id": None}


def close_case(case: Mapping[str, Any], resolution: str, closed_at: str,
               reversal_statement_id: str | None = None) -> dict[str, Any]:
    return {**case, "status": "closed", "resolution": resolution, "closed_at": closed_at,
            "reversal_statement_id": reversal_statement_id}


def is_overdue(case: Mapping[str, Any], now: datetime) -> bool:
    return case.get("status") == "open" and parse_timestamp(str(case["deadline"])) < now


def overdue(cases: Iterable[Mapping[str, Any]], now: datetime) -> list[Mapping[str, Any]]:
    return [case for case in cases if is_overdue(case, now)]


def format_cases(cases: Iterable[Mapping[str, Any]], now: datetime) -> str:
    """``counterscan appeals list`` for people: one line a case, the overdue marked."""
    lines = []
    for case in sorted(cases, key=lambda c: str(c["deadline"])):
        late = "  OVERDUE" if is_overdue(case, now) else ""
        lines.append(f"{case['case_id']}  {case['listing_id']}  {case['status']:<6}  deadline {case['deadline']}"
                     f"{'  ' + str(case['resolution']) if case.get('resolution') else ''}{late}")
    return "\n".join(lines)
