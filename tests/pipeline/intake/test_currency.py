"""Exchange-rate tables: dated, checked, and refused whole when anything in them is wrong."""

from __future__ import annotations

import json

import jsonschema
import pytest

import schemas
from pipeline.intake.currency import DEFAULT_RATES_FILE, RateTableError, load_rate_table, parse_rate_table


def test_the_shipped_table_has_a_date_and_follows_the_topic_schema():
    table = load_rate_table()
    assert table.as_of is not None and table.rates["USD"] == 1.0 and len(table.rates) > 30
    jsonschema.validate(json.loads(DEFAULT_RATES_FILE.read_text()), schemas.load("exchange_rates.v1.json"))


@pytest.mark.parametrize("document, message", [
    ({"as_of": "2026-11-01T00:00:00Z", "rates": {"EUR": 1.1}}, "include USD"),
    ({"as_of": "2026-11-01T00:00:00Z", "rates": {"USD": 1, "eur": 1.1}}, "bad: eur"),
    ({"as_of": "2026-11-01T00:00:00Z", "rates": {"USD": 1, "EUR": -1}}, "bad: EUR"),
    ({"as_of": "2026-11-01T00:00:00Z", "rates": {"USD": 1, "EUR": "x"}}, "must be numbers"),
    ({"as_of": "last week", "rates": {"USD": 1}}, "not an ISO 8601"),
    ({"rates": {"USD": 1}}, "needs its as_of"),
    ([1, 2], "not an exchange-rate table"),
])
def test_a_bad_table_is_refused_with_the_reason(document, message):
    with pytest.raises(RateTableError, match=message):
        parse_rate_table(document, "reference.exchange_rates@7", require_date=True)


def test_a_configured_file_without_a_date_is_accepted_with_none(tmp_path):
    path = tmp_path / "rates.json"
    path.write_text('{"rates": {"USD": 1.0, "XQZ": 2.0}}')
    table = load_rate_table(path)
    assert table.as_of is None and table.rates["XQZ"] == 2.0
