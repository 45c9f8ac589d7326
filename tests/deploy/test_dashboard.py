"""The Grafana dashboard serves any job name, any scrape interval, and says what each panel shows."""

from __future__ import annotations

import json
import re

from pipeline.settings import PROJECT_ROOT

DASHBOARD = json.loads((PROJECT_ROOT / "deploy" / "grafana" / "counterscan.json").read_text())
EXPRS = [(p["title"], t["expr"]) for p in DASHBOARD["panels"] for t in p["targets"]]


def test_a_job_variable_scopes_every_counterscan_query():
    assert "job" in {v["name"] for v in DASHBOARD["templating"]["list"]}
    for title, expr in EXPRS:
        assert 'job="counterscan"' not in expr, title
        for name in re.findall(r"\b(?:counterscan|process)_[a-z0-9_]+(?:\{[^}]*\})?", expr):
            assert 'job=~"$job"' in name, (title, name)


def test_rates_use_the_rate_interval_not_a_fixed_window():
    for title, expr in EXPRS:
        assert not re.search(r"rate\([^)]*\[\d+[smh]\]", expr), (title, expr)
        if "rate(" in expr:
            assert "$__rate_interval" in expr, title


def test_every_panel_has_a_description_and_latency_is_a_heatmap():
    assert all(p.get("description") for p in DASHBOARD["panels"])
    (latency,) = [p for p in DASHBOARD["panels"] if p["title"].startswith("End-to-end latency")]
    assert latency["type"] == "heatmap" and latency["targets"][0]["format"] == "heatmap"


def test_group_lag_is_shown_beside_kafka_exporters():
    (lag,) = [p for p in DASHBOARD["panels"] if "lag" in p["title"].lower()]
    exprs = " ".join(t["expr"] for t in lag["targets"])
    assert "counterscan_consumergroup_lag" in exprs and "kafka_consumergroup_lag_sum" in exprs
