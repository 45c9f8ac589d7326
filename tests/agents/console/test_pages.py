"""Pages escape every value, the accounts file refuses what it cannot check, bad claims are reported."""

from pathlib import Path

import orjson
import pytest
from aiokafka import ConsumerRecord

from agents.console.accounts import Accounts, AccountsError, account_line, add_account
from agents.console.card_page import card_page
from agents.console.charts import signal_chart
from agents.console.html import element, text
from agents.console.state import ConsoleState
from pipeline import topics
from pipeline.brands.catalog import BrandCatalog
from pipeline.review.card import build_card, listing_summary

HOSTILE = '<script>alert(1)</script><img src=x onerror="alert(2)">"\''


def test_text_and_attributes_are_escaped():
    assert "<script>" not in text(HOSTILE) and "&lt;script&gt;" in text(HOSTILE)
    made = element("a", HOSTILE, href=HOSTILE, data_x=HOSTILE)
    assert made.count("<") == 2 and "onerror=\"" not in made


def test_a_card_of_a_hostile_listing_holds_no_markup_of_the_seller():
    raw = listing_summary({"title": f"Gucci {HOSTILE} replica", "description": HOSTILE, "brand": HOSTILE,
                           "url": "javascript:alert(3)", "price": {"amount": 10, "currency": "USD"},
                           "seller": {"id": "s", "name": HOSTILE}})
    request = {"review_id": "a" * 32, "decision_id": "a" * 32, "listing_id": HOSTILE, "marketplace": HOSTILE,
               "seller_id": HOSTILE, "brand": "gucci", "score": 0.5, "priority": 0.5, "requested_at": "now"}
    decision = {"signals": [{"name": HOSTILE, "value": HOSTILE, "unit": "flag", "contribution": 1.0,
                             "detail": HOSTILE}]}
    card = build_card(request, decision, raw, BrandCatalog.load(), None, [{"decided_by": HOSTILE}])
    page = card_page("alice", "token", card, [], {"brand": HOSTILE}, (None, None), [])
    assert "<script>" not in page and "<img" not in page
    assert 'href="javascript:' not in page  # only http(s) addresses become links
    assert page.count("<script") == 1  # the console's own script tag, in the layout
    assert "&lt;script&gt;" in page


def test_the_signal_chart_draws_a_bar_per_signal_largest_first():
    chart = signal_chart([{"name": "a", "contribution": 2.0}, {"name": "b", "contribution": -1.0}])
    assert chart.count("<rect") == 2 and 'class="bar lowers"' in chart


def test_accounts_verify_passwords_and_refuse_bad_lines(tmp_path: Path):
    path = tmp_path / "accounts"
    add_account(path, "alice", "s3cret")
    add_account(path, "bob", "other")
    add_account(path, "alice", "changed")  # replaced, not added twice
    accounts = Accounts.load(path)
    assert sorted(accounts.hashes) == ["alice", "bob"]
    assert accounts.verify("alice", "changed") and not accounts.verify("alice", "s3cret")
    assert not accounts.verify("carol", "changed") and not accounts.verify("bob", "")
    assert "s3cret" not in path.read_text() and "changed" not in path.read_text()
    path.write_text("alice:plaintext\n")
    with pytest.raises(AccountsError, match="accounts:1"):
        Accounts.load(path)
    with pytest.raises(AccountsError):
        account_line("no spaces allowed", "x")


def test_a_claim_record_that_breaks_the_contract_is_dead_lettered():
    reported = []
    state = ConsoleState(lambda topic, key, value: reported.append((topic, key, orjson.loads(value))))
    bad = ConsumerRecord(topics.REVIEW_CLAIMS.name, 0, 7, 0, 0, b"k", b'{"review_id": 1}', None, 0, 16, [])
    state.on_claim(bad)
    ((topic, key, record),) = reported
    assert (topic, key, record["reason"], record["source"]["offset"]) == (topics.DEADLETTER.name, b"k",
                                                                          "missing_field", 7)
    assert state.claims.claims == {}


def test_the_command_adds_accounts_from_stdin_and_refuses_to_serve_without_any(tmp_path: Path, monkeypatch, capsys):
    import io

    from agents.cli import main

    path = tmp_path / "reviewers"
    monkeypatch.setattr("sys.stdin", io.StringIO("hunter2 and more\n"))
    assert main(["console", "--console-accounts-file", str(path), "--add-account", "alice"]) == 0
    assert Accounts.load(path).verify("alice", "hunter2 and more")
    monkeypatch.delenv("COUNTERSCAN_CONSOLE_ACCOUNTS_FILE", raising=False)
    monkeypatch.delenv("COUNTERSCAN_CONSOLE_TRUSTED_HEADER", raising=False)
    assert main(["console"]) == 2
    assert "--console-accounts-file (COUNTERSCAN_CONSOLE_ACCOUNTS_FILE)" in capsys.readouterr().err
