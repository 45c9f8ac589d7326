"""A brand's page: its listings by route over time, its review queue, and how reviewers judged the automation."""

from __future__ import annotations

from collections.abc import Sequence

from agents.console.charts import stacked_days
from agents.console.html import element, join, page
from agents.console.pages import nav
from pipeline.review.brands import LEAN, ROUTES, BrandNumbers

VERDICT_KEYS = ("confirmed", "rejected")


def brand_page(reviewer: str, csrf: str, brand: str, display: str, numbers: BrandNumbers | None, queue_size: int,
               brands: Sequence[str]) -> str:
    numbers = numbers or BrandNumbers()
    days = numbers.days()
    share = numbers.overturn_share()
    overturned = {day: {"overturned": n} for day, n in numbers.overturned.items()}
    stats = element("div", join((
        element("span", join(("review queue ", element("b", queue_size, id="brand-queue-size"))), class_="stat"),
        element("span", join(("reviewer decisions ", element("b", numbers.reviewed(), id="brand-reviewed"))),
                class_="stat"),
        element("span", join(("overturned ", element("b", "-" if share is None else f"{share:.0%}",
                                                     id="brand-overturned"))), class_="stat"),
    )), class_="stats")
    body = join((
        element("h1", display), stats,
        element("div", join((
            element("section", join((element("h2", "Decisions by route"),
                                     stacked_days(days, numbers.routes, ROUTES, "decisions by route per day")))),
            element("section", join((element("h2", "Reviewer decisions"),
                                     stacked_days(days, numbers.verdicts, VERDICT_KEYS, "reviewer decisions per day")))),
            element("section", join((element("h2", "Overturned by reviewers"),
                                     stacked_days(days, overturned, ("overturned",),
                                                  "reviewer decisions against the automated lean, per day")))),
        )), class_="brand-charts"),
        element("p", f"A reviewer overturns the automation by calling genuine what the decision leaned to as "
                     f"counterfeit (a takedown, or a review item scored at or above {LEAN}), or the other way round.",
                class_="help"),
    ))
    return page(f"brand {display}", body, nav(reviewer, csrf, brands), "brand")
