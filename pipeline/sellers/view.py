"""One seller as an analyst reads it: reputation, network, links and the evidence tying them.

Built from a :class:`pipeline.sellers.state.SellerState`, whoever holds it: the
``counterscan seller`` command (which reads the seller topics to their end and
keeps the full reputation of the sellers it shows) and a worker's
``/sellers/{seller_id}`` endpoint (which has confirmed-takedown counts only).
Points appear as short prefixes, never whole.
"""

from __future__ import annotations

from typing import Any

from pipeline.sellers.networks.linklog import LinkRow, links_of
from pipeline.sellers.state import SellerState

MEMBER_LIMIT = 100
LINK_LIMIT = 200


def seller_view(state: SellerState, seller_id: str, member_limit: int = MEMBER_LIMIT,
                link_limit: int = LINK_LIMIT) -> dict[str, Any] | None:
    """The view of one seller, or None if nothing is known of it."""
    summary = state.networks.network_of(seller_id)
    own = state.reputation.confirmed_takedowns(seller_id)
    detail = state.details.get(seller_id)
    if summary is None and not own and detail is None:
        return None
    members = state.networks.members(seller_id, member_limit) or [seller_id]
    counts = dict(zip(members, state.reputation.confirmed_takedowns_batch(members).tolist()))
    rows = _unique(state.links.of(members, link_limit))
    total = summary.confirmed_takedowns if summary is not None else own
    reputation: dict[str, Any] = {"confirmed_takedowns": own}
    if detail is not None:
        reputation.update(confirmed=detail.confirmed, rejected=detail.rejected, counter_noticed=detail.counter_noticed,
                          reinstated=detail.reinstated, last_outcome_at=detail.last_outcome_at)
    return {
        "seller_id": seller_id,
        "reputation": reputation,
        "network": {
            "size": summary.size if summary is not None else 1,
            "confirmed_takedowns": total,
            "other_accounts_confirmed_takedowns": total - own,
            "worst_seller": summary.worst_seller if summary is not None else None,
            "linked_by": list(summary.kinds) if summary is not None else [],
            "members": [{"seller_id": m, "confirmed_takedowns": counts[m]} for m in members],
            "members_shown": len(members),
        },
        "links": [{"seller_id": r.seller_id, "kind": r.kind, "point_prefix": r.point_prefix,
                   "first_seen_at": r.first_seen_at} for r in rows],
        "evidence": {
            "shared_points": [{"kind": kind, "point_prefix": prefix, "sellers": sellers}
                              for (kind, prefix), sellers in links_of(rows).items() if len(sellers) > 1],
            "linked_sellers_with_takedowns": [{"seller_id": m, "confirmed_takedowns": counts[m]}
                                              for m in members if m != seller_id and counts[m] > 0],
            "recent_outcome_ids": list(detail.recent_outcome_ids) if detail is not None else None,
        },
    }


def format_seller_view(view: dict[str, Any]) -> str:
    """The view as lines for a terminal."""
    reputation, network, evidence = view["reputation"], view["network"], view["evidence"]
    lines = [f"seller {view['seller_id']}",
             "reputation  " + ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in reputation.items() if v is not None)]
    shown = "" if network["members_shown"] == network["size"] else f", {network['members_shown']} shown"
    lines.append(f"network     {network['size']} account(s){shown}, {network['confirmed_takedowns']} confirmed "
                 f"takedowns in all ({network['other_accounts_confirmed_takedowns']} by the other accounts)"
                 + (f", linked by {' and '.join(network['linked_by'])}" if network["linked_by"] else ""))
    for member in network["members"]:
        marker = "*" if member["seller_id"] == view["seller_id"] else " "
        lines.append(f"  {marker} {member['seller_id']:<40} {member['confirmed_takedowns']:>5} confirmed takedowns")
    lines.append(f"links       {len(view['links'])}")
    for link in view["links"]:
        lines.append(f"    {link['seller_id']:<40} {link['kind']:<8} {link['point_prefix']}…  "
                     f"since {link['first_seen_at'] or 'unknown'}")
    lines.append("evidence")
    for point in evidence["shared_points"]:
        lines.append(f"    {point['kind']} {point['point_prefix']}… shared by {', '.join(point['sellers'])}")
    for seller in evidence["linked_sellers_with_takedowns"]:
        lines.append(f"    linked seller {seller['seller_id']} has {seller['confirmed_takedowns']} confirmed takedowns")
    if evidence["recent_outcome_ids"]:
        lines.append(f"    recent outcomes {', '.join(evidence['recent_outcome_ids'])}")
    return "\n".join(lines)


def _unique(rows: list[LinkRow]) -> list[LinkRow]:
    """A link appears once even if the changelog holds it twice (two workers learned it)."""
    seen: set[tuple[str, str, str]] = set()
    kept = []
    for row in rows:
        if (row.seller_id, row.kind, row.point_prefix) not in seen:
            seen.add((row.seller_id, row.kind, row.point_prefix))
            kept.append(row)
    return kept
