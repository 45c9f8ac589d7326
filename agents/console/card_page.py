"""The listing card page: what one review request is about, and the three buttons.

Listing text arrives as (piece, kind) pairs from
:func:`pipeline.review.highlights.pieces` and each piece is written as
escaped text, marked pieces inside ``<mark>``: the seller's text is never
markup, wherever it appears (title, description, brand field, seller name).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from agents.console.charts import signal_chart
from agents.console.html import Markup, element, hidden, join, link, page, table, void
from agents.console.pages import nav, seller_section


def marked_text(value: Mapping[str, Any], tag: str, **attributes: object) -> Markup:
    parts = [element("mark", piece, class_=f"term term-{kind}", data_kind=kind) if kind else piece
             for piece, kind in value["pieces"]]
    if value.get("cut"):
        parts.append(element("span", " … (cut)", class_="muted"))
    return element(tag, join(parts), **attributes)


def _price(listing: Mapping[str, Any]) -> Markup:
    usd, reference = listing.get("price_usd"), listing.get("reference_usd")
    cells = [element("div", join((element("span", "listing price", class_="k"),
                                  element("b", f"{listing.get('price')} {listing.get('currency')}"),
                                  element("span", f" ≈ {usd:,.2f} USD" if usd is not None else "")),
                                 ), class_="price", id="listing-price")]
    if reference:
        ratio = f" ({usd / reference:.0%} of it)" if usd is not None else ""
        cells.append(element("div", join((element("span", "brand reference", class_="k"),
                                          element("b", f"{reference:,.2f} USD"), element("span", ratio))),
                             class_="price", id="reference-price"))
    else:
        cells.append(element("div", "no reference price for this brand and category", class_="price muted"))
    return element("div", join(cells), class_="prices")


def _images(images: Sequence[Mapping[str, Any]]) -> Markup:
    if not images:
        return element("p", "no image hashes", class_="muted")
    rows = [(element("code", i["image"]), element("code", i["known"]) if i["known"] else "-",
             element("span", f"{i['distance']} bits", class_="distance", data_distance=i["distance"])
             if i["distance"] is not None else "no match", i["brand"] or "-") for i in images]
    return table(("image hash", "nearest known counterfeit", "Hamming distance", "brand"), rows, id="images")


def _history(outcomes: Sequence[Mapping[str, Any]], decisions: Sequence[Mapping[str, Any]]) -> Markup:
    rows = [(d["decided_at"], f"counterscan {d.get('rules_version', '')}", d["route"], f"{float(d['score']):.2f}",
             f"revision {d.get('revision', 0)}") for d in decisions]
    rows += [(o.get("decided_at"), o.get("decided_by") or "-", o.get("outcome"), "", o.get("note", ""))
             for o in outcomes]
    if not rows:
        return element("p", "no earlier decisions", class_="muted")
    return table(("when", "by", "decision", "score", "note"), sorted(rows, key=lambda r: str(r[0])), id="history")


def _url(url: object) -> Markup:
    if isinstance(url, str) and url.startswith(("https://", "http://")):
        return link(url, url, rel="noreferrer noopener", target="_blank", class_="url")
    return element("span", url or "", class_="url")


def card_page(reviewer: str, csrf: str, card: Mapping[str, Any], decisions: Sequence[Mapping[str, Any]],
              filters: Mapping[str, str], neighbours: tuple[str | None, str | None], brands: Sequence[str],
              holder_note: str | None = None) -> str:
    request, listing = card["request"], card["listing"]
    facts = join((
        element("span", request["marketplace"], class_="chip"),
        element("span", card["brand_name"] or request.get("brand") or "no brand", class_="chip"),
        element("span", f"score {float(request['score']):.2f}", class_="chip"),
        element("span", f"priority {float(request['priority']):.3f}", class_="chip", id="priority"),
        element("span", f"requested {request['requested_at']}", class_="chip"),
    ))
    parts: list[Markup] = [element("div", facts, class_="facts-line")]
    if holder_note:
        parts.append(element("p", holder_note, class_="error"))
    if listing is None:
        parts += [element("h1", request["listing_id"], id="listing-title"),
                  element("p", "The listing's text has not been read yet.", class_="muted")]
    else:
        parts += [
            marked_text(listing["title"], "h1", id="listing-title", class_="title"),
            element("p", join(("listing ", element("code", request["listing_id"]),
                               join((" · ", _url(listing["url"]))) if listing.get("url") else "",
                               f" · {listing.get('category') or 'no category'}",
                               f" · brand field: {listing.get('declared_brand') or '-'}",
                               f" · language: {listing.get('language') or '?'}",
                               f" · seller: {listing.get('seller_name') or '-'} ({listing.get('seller_country') or '?'})",
                               )), class_="meta"),
            marked_text(listing["description"], "p", id="listing-description", class_="description"),
            _price(listing),
            element("h2", "Images"), _images(listing["images"]),
        ]
    parts += [element("h2", "Signals"), signal_chart(card["signals"]),
              table(("signal", "value", "contribution", "why"),
                    [(s["name"], s.get("value"), f"{float(s['contribution']):+.3f}", s.get("detail", ""))
                     for s in card["signals"]], id="signals", class_="signals-table")]
    side = join((_decide_form(request["review_id"], csrf, filters, neighbours),
                 seller_section(card["seller"], str(request["seller_id"])),
                 element("section", join((element("h2", "Earlier decisions"), _history(card["history"], decisions))),
                         id="earlier")))
    body = element("div", join((element("article", join(parts), class_="card", id="card",
                                        data_review_id=request["review_id"]),
                                element("aside", side, class_="side"))), class_="card-layout")
    return page(f"review {request['listing_id']}", body, nav(reviewer, csrf, brands), "card")


def _decide_form(review_id: str, csrf: str, filters: Mapping[str, str],
                 neighbours: tuple[str | None, str | None]) -> Markup:
    previous, following = neighbours
    buttons = join((
        element("button", join((element("kbd", "c"), " counterfeit")), type="submit", name="action",
                value="counterfeit", id="decide-counterfeit", class_="counterfeit"),
        element("button", join((element("kbd", "g"), " genuine")), type="submit", name="action", value="genuine",
                id="decide-genuine", class_="genuine"),
        element("button", join((element("kbd", "e"), " escalate")), type="submit", name="action", value="escalate",
                id="decide-escalate", class_="escalate"),
    ))
    fields = join((hidden("csrf", csrf), *(hidden(k, v) for k, v in filters.items() if v),
                   element("label", join(("note (optional)", element("textarea", "", name="note", id="note",
                                                                     maxlength=2048, rows=3))))))
    moves = join((link(previous, join((element("kbd", "k"), " previous")), id="previous") if previous else Markup(""),
                  link(following, join((element("kbd", "j"), " next")), id="next") if following else Markup("")))
    form = element("form", join((fields, element("div", buttons, class_="buttons"))), method="post",
                   action=f"/review/{review_id}/decide", id="decide")
    return element("section", join((element("h2", "Decide"), form, element("div", moves, class_="moves"),
                                    void("hr"))), id="decide-panel")
