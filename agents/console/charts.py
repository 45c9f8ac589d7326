"""Charts as inline SVG, drawn on the server: no charting library, no script, nothing to load.

Each chart is built from numbers only and its labels go through
:func:`agents.console.html.text`, so a brand or signal name cannot inject
markup. Colours come from classes the stylesheet defines.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from agents.console.html import Markup, element, join

BAR_HEIGHT = 22
LABEL_WIDTH = 210
BAR_WIDTH = 300


def signal_chart(signals: Sequence[Mapping[str, Any]]) -> Markup:
    """A bar per signal, largest contribution first: right of the axis raises the score, left lowers it."""
    if not signals:
        return element("p", "no signals recorded", class_="muted")
    largest = max(abs(float(s["contribution"])) for s in signals) or 1.0
    half = BAR_WIDTH / 2
    axis = LABEL_WIDTH + half
    rows = []
    for index, signal in enumerate(signals):
        contribution = float(signal["contribution"])
        width = max(1.0, abs(contribution) / largest * (half - 4))
        y = index * BAR_HEIGHT
        x = axis if contribution >= 0 else axis - width
        kind = "raises" if contribution >= 0 else "lowers"
        rows.append(join((
            element("text", signal["name"], x=LABEL_WIDTH - 6, y=y + 15, class_="label", text_anchor="end"),
            element("rect", element("title", signal.get("detail") or signal["name"]), x=f"{x:.1f}", y=y + 3,
                    width=f"{width:.1f}", height=BAR_HEIGHT - 6, class_=f"bar {kind}",
                    data_signal=signal["name"], data_contribution=f"{contribution:.4f}"),
            element("text", f"{contribution:+.2f}", x=LABEL_WIDTH + BAR_WIDTH + 8, y=y + 15, class_="value"),
        )))
    height = len(signals) * BAR_HEIGHT
    axis_line = element("line", "", x1=axis, x2=axis, y1=0, y2=height, class_="axis")
    return element("svg", join((*rows, axis_line)), class_="chart signals", role="img",
                   viewBox=f"0 0 {LABEL_WIDTH + BAR_WIDTH + 60} {height}",
                   aria_label="signal contributions, largest first")


def stacked_days(days: Sequence[str], series: Mapping[str, Mapping[str, int]], keys: Sequence[str],
                 label: str) -> Markup:
    """Per day a bar stacked by ``keys`` (routes, verdicts); ``series`` is day -> key -> count."""
    if not days:
        return element("p", "nothing yet", class_="muted")
    width, height, gap = 36, 160, 10
    peak = max(sum(series.get(day, {}).get(k, 0) for k in keys) for day in days) or 1
    parts = []
    for index, day in enumerate(days):
        x = index * (width + gap) + 40
        top = height
        for key in keys:
            count = series.get(day, {}).get(key, 0)
            if not count:
                continue
            h = count / peak * (height - 20)
            top -= h
            parts.append(element("rect", element("title", f"{day} {key}: {count}"), x=x, y=f"{top:.1f}", width=width,
                                 height=f"{h:.1f}", class_=f"bar {key}", data_day=day, data_key=key,
                                 data_count=count))
        parts.append(element("text", day[5:], x=x + width / 2, y=height + 14, class_="label", text_anchor="middle"))
    parts.append(element("text", str(peak), x=34, y=24, class_="label", text_anchor="end"))
    legend = join(element("span", key, class_=f"legend {key}") for key in keys)
    full = len(days) * (width + gap) + 60
    svg = element("svg", join(parts), class_="chart days", role="img", aria_label=label, width=full,
                  height=height + 20, viewBox=f"0 0 {full} {height + 20}")
    return join((svg, element("div", legend, class_="legends")))
