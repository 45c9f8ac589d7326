"""The console's pages other than the card: sign-in, the queue, a seller, the escalations.

Functions from plain data to HTML through :mod:`agents.console.html`, so
every value on a page is escaped; the server decides what data a page gets.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from agents.console.html import Markup, element, hidden, join, link, page, query, table, text, void
from pipeline.review.claims import Claim
from pipeline.review.queue import FILTERS, QueueItem, QueueSummary


def nav(reviewer: str | None, csrf: str | None, brands: Sequence[str] = ()) -> Markup:
    if reviewer is None:
        return Markup("")
    links = [link("/", "queue"), link("/escalated", "escalated"), link("/brands", "brands")]
    out = join((*links, element("span", reviewer, class_="reviewer", id="reviewer")))
    if csrf is not None:
        out = join((out, element("form", join((hidden("csrf", csrf), element("button", "sign out", type="submit"))),
                                 method="post", action="/logout", class_="inline")))
    return out


def login_page(csrf: str, error: str | None, next_path: str) -> str:
    fields = join((
        hidden("csrf", csrf), hidden("next", next_path),
        element("label", join(("reviewer id", void("input", name="reviewer", id="reviewer-id", autocomplete="username",
                                                   required=True, autofocus=True)))),
        element("label", join(("password", void("input", name="password", id="password", type="password",
                                                autocomplete="current-password", required=True)))),
        element("button", "sign in", type="submit", id="sign-in"),
    ))
    body = join((element("h1", "Sign in"),
                 element("p", error, class_="error", id="login-error") if error else Markup(""),
                 element("form", fields, method="post", action="/login", class_="login")))
    return page("sign in", body, name="login")


def age(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    if seconds < 172_800:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} days"


def _filter_form(filters: Mapping[str, str], counts: Mapping[str, Mapping[str, int]]) -> Markup:
    selects = []
    for name in FILTERS:
        options = [element("option", f"any {name}", value="")]
        for value, count in counts.get(name, {}).items():
            options.append(element("option", f"{value} ({count})", value=value, selected=filters.get(name) == value))
        chosen = filters.get(name)
        if chosen and chosen not in counts.get(name, {}):
            options.append(element("option", f"{chosen} (0)", value=chosen, selected=True))
        selects.append(element("label", join((name, element("select", join(options), name=name, id=f"filter-{name}")))))
    selects.append(element("button", "filter", type="submit"))
    return element("form", join(selects), method="get", action="/", class_="filters")


def queue_page(reviewer: str, csrf: str, items: Sequence[QueueItem], summary: QueueSummary,
               filters: Mapping[str, str], now: datetime, brands: Sequence[str], ready: bool = True) -> str:
    header = element("div", join((
        element("span", join(("open ", element("b", summary.open, id="open-count"))), class_="stat"),
        element("span", join(("shown ", element("b", summary.shown, id="shown-count"))), class_="stat"),
        element("span", join(("oldest ", element("b", age(summary.oldest_age_s), id="oldest-age"))), class_="stat"),
    )), class_="stats")
    rows = []
    for position, item in enumerate(items):
        request = item.request
        href = query(f"/review/{item.review_id}", **filters)
        rows.append(element("tr", join((
            element("td", f"{item.priority:.3f}", class_="priority"),
            element("td", link(href, request["listing_id"], class_="open-item")),
            element("td", item.facet("brand")),
            element("td", item.facet("marketplace")),
            element("td", item.facet("language")),
            element("td", f"{float(request['score']):.2f}"),
            element("td", "; ".join(request.get("reasons", ())), class_="reasons"),
        )), class_="item", data_review_id=item.review_id, data_priority=f"{item.priority}",
            data_position=position))
    head = element("tr", join(element("th", h) for h in
                              ("priority", "listing", "brand", "marketplace", "language", "score", "why")))
    listing = (element("table", join((element("thead", head), element("tbody", join(rows)))), id="queue",
                       class_="queue") if rows else element("p", "Nothing to review here.", class_="empty",
                                                             id="queue-empty"))
    catching_up = Markup("") if ready else element(
        "p", "The console is still reading the topics: the queue may be incomplete.", class_="error", id="catching-up")
    body = join((element("h1", "Review queue"), catching_up, header, _filter_form(filters, summary.counts), listing,
                 element("p", "Keys: j / k move, Enter opens; on a card c counterfeit, g genuine, e escalate.",
                         class_="help")))
    return page("queue", body, nav(reviewer, csrf, brands), "queue")


def escalated_page(reviewer: str, csrf: str, claims: Sequence[Claim], items: Mapping[str, QueueItem],
                   brands: Sequence[str]) -> str:
    rows = []
    for claim in claims:
        item = items.get(claim.review_id)
        if item is None or item.decided is not None:
            continue
        rows.append((link(f"/review/{claim.review_id}", item.request["listing_id"]), item.facet("brand"),
                     claim.reviewer_id, claim.at.isoformat(timespec="seconds"), claim.note))
    body = join((element("h1", "Escalated"),
                 table(("listing", "brand", "escalated by", "at", "note"), rows, id="escalated") if rows
                 else element("p", "No escalated items.", class_="empty")))
    return page("escalated", body, nav(reviewer, csrf, brands), "escalated")


def brands_page(reviewer: str, csrf: str, rows: Sequence[tuple[str, str, int, int]]) -> str:
    """Every brand with its open review items and reviewer decisions, each linking to its brand page."""
    body = join((element("h1", "Brands"),
                 table(("brand", "open review items", "reviewer decisions"),
                       [(link(f"/brands/{brand}", display), queued, reviewed) for brand, display, queued, reviewed
                        in rows], id="brands")))
    return page("brands", body, nav(reviewer, csrf), "brands")


def seller_section(view: Mapping[str, Any] | None, seller_id: str) -> Markup:
    """Reputation and network from the seller view; linked accounts with takedowns named, points as prefixes only."""
    if view is None:
        return element("section", join((element("h2", "Seller"), element("p", f"nothing known of {seller_id} yet",
                                                                            class_="muted"))), id="seller")
    reputation, network = view["reputation"], view["network"]
    facts = join(element("li", f"{k.replace('_', ' ')}: {v}") for k, v in reputation.items() if v is not None)
    members = [(m["seller_id"], m["confirmed_takedowns"]) for m in network["members"] if m["seller_id"] != seller_id]
    linked = view["evidence"]["linked_sellers_with_takedowns"]
    points = [(p["kind"], f"{p['point_prefix']}…", ", ".join(p["sellers"])) for p in view["evidence"]["shared_points"]]
    return element("section", join((
        element("h2", join(("Seller ", link(f"/sellers/{seller_id}", seller_id)))),
        element("ul", facts, class_="facts", id="seller-reputation",
                data_confirmed=reputation.get("confirmed_takedowns", 0)),
        element("p", f"network: {network['size']} account(s), {network['confirmed_takedowns']} confirmed takedowns "
                     f"in all, {network['other_accounts_confirmed_takedowns']} by linked accounts"
                     + (f"; linked by {' and '.join(network['linked_by'])}" if network["linked_by"] else "")),
        element("p", join(("linked accounts with takedowns: ",
                           join(element("span", f"{s['seller_id']} ({s['confirmed_takedowns']})", class_="linked")
                                for s in linked)))) if linked else Markup(""),
        table(("linked account", "confirmed takedowns"), members, class_="members") if members else Markup(""),
        table(("shared", "point (prefix)", "sellers"), points, class_="points") if points else Markup(""),
    )), id="seller")


def seller_page(reviewer: str, csrf: str, view: Mapping[str, Any] | None, seller_id: str,
                brands: Sequence[str]) -> str:
    body = join((element("h1", join(("Seller ", text(seller_id)))), seller_section(view, seller_id)))
    return page(f"seller {seller_id}", body, nav(reviewer, csrf, brands), "seller")


def message_page(reviewer: str | None, csrf: str | None, title: str, message: str) -> str:
    body = join((element("h1", title), element("p", message, id="message"), link("/", "back to the queue")))
    return page(title, body, nav(reviewer, csrf), "message")
