"""Notice and action on the real broker: one listing from a brand owner's notice to the reversal of
its removal, with the receipts, the joined decision, the statements of reasons, the appeal, and the
notifier's and the seller's records after each step; and the bad input of notices and outcomes."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import urllib.request
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import jsonschema
import orjson
import pytest

import schemas
from agents.kafka.clients import wait_for_group
from agents.processes import first_exit, free_port
from agents.testing import produce, read_until, running_worker, start_group_at_end
from agents.worker.notices import notice_topics
from pipeline import topics
from pipeline.settings import PROJECT_ROOT
from pipeline.testing import listing

pytestmark = pytest.mark.integration
SOR = jsonschema.Draft202012Validator(schemas.load("statement_of_reasons.v1.json"),
                                      format_checker=jsonschema.FormatChecker())
ENVELOPES = {name: jsonschema.Draft202012Validator(schemas.load(name)) for name in (
    "enforcement_statement.v1.json", "notice_receipt.v1.json", "routed_notice.v1.json", "appeal_case.v1.json",
    "notifier_reputation.v1.json", "deadletter.v1.json")}
NOTIFIER_NAME, NOTIFIER_EMAIL = "Maria Lindqvist", "maria.lindqvist@brandwatch-agents.example"


class NoticeWorker:
    """The notices role, in a worker of its own beside the session's scan and feedback worker."""

    def __init__(self, bootstrap: str, app_id: str, metrics_port: int) -> None:
        self.bootstrap, self.app_id, self.metrics_port = bootstrap, app_id, metrics_port

    @property
    def table_changelog(self) -> str:
        return f"{self.app_id}-listing_notices-changelog"


@pytest.fixture(scope="module")
def notices(worker: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[NoticeWorker]:
    app_id = f"counterscan-nt-{uuid.uuid4().hex[:8]}"
    for topic in notice_topics():  # read nothing earlier tests left on the session's broker
        asyncio.run(start_group_at_end(worker, app_id, topic))
    log_dir, port = tmp_path_factory.mktemp("notices"), free_port()
    with running_worker(worker, log_dir, port, ("--web-port", str(free_port())), roles="notices",
                        app_id=app_id, appeal_deadline_days="3", notifier_min_decided="2") as proc:
        asyncio.run(wait_for_group(worker, app_id, 1, timeout_s=90, exited=lambda: first_exit([proc])))
        yield NoticeWorker(worker, app_id, port)
        assert proc.poll() is None, "notice worker died:\n" + (log_dir / "process-0.log").read_text()[-3000:]


def cli(bootstrap: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, COUNTERSCAN_BOOTSTRAP_SERVERS=bootstrap)
    return subprocess.run([sys.executable, "-m", "agents.cli", *args], env=env, capture_output=True, text=True,
                          cwd=PROJECT_ROOT, timeout=120)


def notice(run_id: str, listing_id: str, n: int = 1, **changes: object) -> dict:
    record = {
        "schema_version": 1, "notice_id": f"{run_id}-notice-{n}",
        "notifier": {"id": f"{run_id}-agent", "name": NOTIFIER_NAME, "email": NOTIFIER_EMAIL, "kind": "agent"},
        "listing": {"marketplace": "shopzone", "url": f"https://shopzone.example/item/{listing_id}"},
        "right": {"type": "trademark", "holder": "Guccio Gucci S.p.A.", "brand": "gucci",
                  "registration": "EUTM 000121988"},
        "explanation": "The listing offers a counterfeit Gucci Marmont bag, named a replica.",
        "good_faith_statement": "We believe in good faith that this use of the trade mark is not authorised.",
        "attachments": [{"sha256": "c0" * 32, "media_type": "image/png"}],
        "submitted_at": "2026-12-01T10:00:00Z",
    }
    record.update(changes)
    return record


def outcome(run_id: str, listing_id: str, seller: str, decision_id: str, kind: str) -> tuple[bytes, bytes]:
    return listing_id.encode(), orjson.dumps({
        "schema_version": 1, "outcome_id": f"{run_id}-{kind}", "decision_id": decision_id, "listing_id": listing_id,
        "seller_id": seller, "outcome": kind, "decided_by": "trust-and-safety",
        "decided_at": datetime.now(timezone.utc).isoformat().replace("+00:00", "Z")})


def send(bootstrap: str, topic: str, key: str | bytes, value: dict | bytes) -> None:
    raw_key = key.encode() if isinstance(key, str) else key
    raw = value if isinstance(value, bytes) else orjson.dumps(value)
    asyncio.run(produce(bootstrap, topic, [(raw_key, raw)]))


def wait(bootstrap: str, topic: str, match, timeout_s: float = 90) -> list[dict]:
    records = asyncio.run(read_until(bootstrap, [topic], lambda rs: any(match(k, r) for _, k, r in rs), timeout_s))
    found = [r for _, k, r in records if match(k, r)]
    assert found, f"nothing on {topic} matched within {timeout_s} s"
    return found


def valid(name: str, record: dict) -> dict:
    errors = [e.message for e in ENVELOPES[name].iter_errors(record)]
    assert not errors, (name, errors)
    return record


def decided(bootstrap: str, notices_worker: NoticeWorker, item: dict) -> dict:
    """Publish a listing; its decision, once the notice worker holds it in its table."""
    send(bootstrap, topics.LISTINGS_RAW.name, item["listing_id"], item)
    (decision, *_) = wait(bootstrap, topics.DECISIONS.name, lambda _k, r: r["listing_id"] == item["listing_id"])
    wait(bootstrap, notices_worker.table_changelog, lambda k, _r: k == item["listing_id"].encode())
    return decision


def fake(run_id: str, name: str, seller: str) -> dict:
    return listing(listing_id=f"{run_id}-{name}", title="Gucc1 Marmont bag replica AAA 1:1", brand="",
                   quantity=200, **{"price.amount": 300, "price.currency": "CNY", "seller.id": seller,
                                    "seller.created_at": "2026-11-20T00:00:00Z"})


def notifier_state(bootstrap: str, notifier: str, **counts: int) -> dict:
    def matches(key, record):
        return key == notifier.encode() and all(record.get(k) == v for k, v in counts.items())
    return valid("notifier_reputation.v1.json", wait(bootstrap, topics.NOTIFIER_REPUTATION.name, matches)[-1])


def seller_state(bootstrap: str, seller: str, **counts: int) -> dict:
    def matches(key, record):
        return key == seller.encode() and all(record.get(k) == v for k, v in counts.items())
    return wait(bootstrap, topics.SELLER_REPUTATION.name, matches)[-1]


def test_one_listing_through_notice_and_action(notices: NoticeWorker, run_id: str, tmp_path: Path):
    bootstrap, since = notices.bootstrap, datetime.now(timezone.utc) - timedelta(seconds=1)
    seller, notifier = f"{run_id}-seller", f"{run_id}-agent"
    item = fake(run_id, "bag", seller)
    item["description"] = f"WhatsApp +86 138 0013 8000 or {seller}@mail.example for more"
    decision = decided(bootstrap, notices, item)
    assert decision["route"] == "takedown"
    listing_id = item["listing_id"]

    # the brand owner's agent notifies; the receipt comes at once and the notice is routed with the decision
    send(bootstrap, topics.NOTICES_INBOUND.name, listing_id, notice(run_id, listing_id))
    (first, *_) = wait(bootstrap, topics.NOTICE_RECEIPTS.name, lambda k, r: k == notifier.encode())
    assert valid("notice_receipt.v1.json", first)["status"] == "received"
    assert first["listing_id"] == listing_id and not first["already_restricted"]
    (routed,) = wait(bootstrap, topics.NOTICES_ROUTED.name, lambda k, _r: k == listing_id.encode())
    valid("routed_notice.v1.json", routed)
    assert routed["decision"]["decision_id"] == decision["decision_id"]
    assert routed["decision"]["route"] == "takedown" and routed["decision"]["score"] == decision["score"]
    assert 2 <= routed["priority"] < 3 and routed["source"] == "notice"
    notifier_state(bootstrap, notifier, sent=1, upheld=0)

    # the takedown is confirmed: a statement of reasons, the notifier told, both reputations move
    send(bootstrap, topics.OUTCOMES.name, *outcome(run_id, listing_id, seller, decision["decision_id"], "confirmed"))
    (statement,) = wait(bootstrap, topics.STATEMENTS.name, lambda k, _r: k == listing_id.encode())
    valid("enforcement_statement.v1.json", statement)
    assert statement["kind"] == "restriction" and statement["source"] == "notice"
    assert not [e.message for e in SOR.iter_errors(statement["submission"])]
    submission = statement["submission"]
    assert submission["source_type"] == "SOURCE_ARTICLE_16" and submission["automated_detection"] == "Yes"
    assert submission["automated_decision"] == "AUTOMATED_DECISION_PARTIALLY"
    assert "counterfeit vocabulary" in submission["decision_facts"]
    sent_out = json.dumps(submission)
    for personal in (NOTIFIER_NAME, NOTIFIER_EMAIL, seller, "138 0013", "mail.example"):
        assert personal not in sent_out, personal
    assert "counterfeit vocabulary" in statement["seller_notice"]["text"]
    assert "out-of-court" in statement["seller_notice"]["text"]
    decided_receipts = wait(bootstrap, topics.NOTICE_RECEIPTS.name,
                            lambda k, r: k == notifier.encode() and r["status"] == "decided")
    assert decided_receipts[0]["decision"] == {"outcome": "confirmed", "automated": True}
    notifier_state(bootstrap, notifier, sent=1, upheld=1)
    seller_state(bootstrap, seller, confirmed=1, reinstated=0)

    # the seller complains: an appeal case with its deadline
    send(bootstrap, topics.OUTCOMES.name, *outcome(run_id, listing_id, seller, decision["decision_id"],
                                                   "counter_noticed"))
    (case,) = wait(bootstrap, topics.APPEALS.name, lambda k, _r: k == listing_id.encode())
    valid("appeal_case.v1.json", case)
    assert case["status"] == "open" and case["statement_id"] == statement["statement_id"]
    opened = datetime.fromisoformat(case["opened_at"].replace("Z", "+00:00"))
    assert datetime.fromisoformat(case["deadline"].replace("Z", "+00:00")) - opened == timedelta(days=3)
    listed = cli(bootstrap, "appeals", "list", "--json", "-")
    assert listed.returncode == 0, listed.stderr
    assert case["case_id"] in {c["case_id"] for c in json.loads(listed.stdout)}
    notifier_state(bootstrap, notifier, counter_noticed=1)
    seller_state(bootstrap, seller, counter_noticed=1)

    # the listing is reinstated: the case closes, a reversal statement, the strike undone
    send(bootstrap, topics.OUTCOMES.name, *outcome(run_id, listing_id, seller, decision["decision_id"],
                                                   "reinstated"))
    closed = wait(bootstrap, topics.APPEALS.name, lambda k, r: k == listing_id.encode() and r["status"] == "closed")
    assert closed[-1]["resolution"] == "reinstated"
    reversal = wait(bootstrap, topics.STATEMENTS.name,
                    lambda k, r: k == listing_id.encode() and r["kind"] == "reversal")[-1]
    valid("enforcement_statement.v1.json", reversal)
    assert reversal["reverses"] == statement["statement_id"] == closed[-1]["statement_id"]
    assert closed[-1]["reversal_statement_id"] == reversal["statement_id"]
    reputation = notifier_state(bootstrap, notifier, reinstated=1)
    assert (reputation["sent"], reputation["upheld"], reputation["counter_noticed"]) == (1, 1, 1)
    assert reputation["unfounded_share"] == 1.0  # its one decided notice turned out unfounded
    after = seller_state(bootstrap, seller, reinstated=1)
    assert after["confirmed"] - after["reinstated"] == 0 and after["strikes"] == []  # no strike left for networks
    shown = cli(bootstrap, "notifier", notifier, "--json", "-")
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout)["reinstated"] == 1

    # the export: API-ready batches that validate, with this statement in them, and no reversal
    exported = cli(bootstrap, "statements", "export", "--since", since.isoformat(), "--out", str(tmp_path / "out"),
                   "--json", "-")
    assert exported.returncode == 0, exported.stderr
    files = json.loads(exported.stdout)["files"]
    puids = []
    for path in files:
        batch = json.loads(Path(path).read_text())
        assert set(batch) == {"statements"} and 1 <= len(batch["statements"]) <= 100
        for item_ in batch["statements"]:
            assert not [e.message for e in SOR.iter_errors(item_)]
            puids.append(item_["puid"])
    assert statement["statement_id"] in puids and reversal["statement_id"] not in puids

    # the timings reached the worker's metrics, per stage and source
    with urllib.request.urlopen(f"http://127.0.0.1:{notices.metrics_port}/metrics", timeout=5) as response:
        text = response.read().decode()
    for stage in ("receipt", "decision", "action"):
        assert f'counterscan_notice_to_action_seconds_count{{brand="gucci",source="notice",stage="{stage}"}}' in text


def test_bad_notices_and_outcomes_are_answered_and_dead_lettered(notices: NoticeWorker, run_id: str):
    bootstrap, notifier = notices.bootstrap, f"{run_id}-agent"
    # a notice without the good-faith statement and the email: a receipt naming them, the original dead-lettered
    incomplete = notice(run_id, f"{run_id}-x", n=1)
    del incomplete["good_faith_statement"]
    del incomplete["notifier"]["email"]
    send(bootstrap, topics.NOTICES_INBOUND.name, f"{run_id}-x", incomplete)
    send(bootstrap, topics.NOTICES_INBOUND.name, f"{run_id}-junk", b'{"notice_id": ')
    (answer, *_) = wait(bootstrap, topics.NOTICE_RECEIPTS.name,
                        lambda k, r: k == notifier.encode() and r["status"] == "incomplete")
    assert any("16(2)(d)" in m for m in answer["missing"]) and any("email" in m for m in answer["missing"])
    dead = asyncio.run(read_until(bootstrap, [topics.DEADLETTER.name], lambda rs: len(
        [1 for _, k, _ in rs if k in (f"{run_id}-x".encode(), f"{run_id}-junk".encode())]) >= 2, 60))
    reasons = {k: r["reason"] for _, k, r in dead if k in (f"{run_id}-x".encode(), f"{run_id}-junk".encode())}
    assert reasons == {f"{run_id}-x".encode(): "missing_field", f"{run_id}-junk".encode(): "malformed_json"}

    # a notice for a listing not known yet: kept, answered, and joined when the listing appears;
    # the same notice again and a second notice of the same notifier make one case, counted once
    seller = f"{run_id}-late-seller"
    late = fake(run_id, "late", seller)
    send(bootstrap, topics.NOTICES_INBOUND.name, late["listing_id"], notice(run_id, late["listing_id"], n=2))
    send(bootstrap, topics.NOTICES_INBOUND.name, late["listing_id"], notice(run_id, late["listing_id"], n=2))
    send(bootstrap, topics.NOTICES_INBOUND.name, late["listing_id"], notice(run_id, late["listing_id"], n=3))
    statuses = [r["status"] for r in wait(bootstrap, topics.NOTICE_RECEIPTS.name, lambda k, r: (
        k == notifier.encode() and r["listing_id"] == late["listing_id"] and r["status"] == "duplicate"))]
    assert statuses == ["duplicate"]
    decided(bootstrap, notices, late)
    found = wait(bootstrap, topics.NOTICE_RECEIPTS.name,
                 lambda k, r: r["listing_id"] == late["listing_id"] and r["status"] == "listing_found")
    receipts = [r for _, k, r in asyncio.run(read_until(bootstrap, [topics.NOTICE_RECEIPTS.name], lambda rs: False,
                                                        3)) if r["listing_id"] == late["listing_id"]]
    assert [r["status"] for r in receipts] == ["listing_not_found", "duplicate", "listing_found"]
    assert found[0]["notice_id"] == f"{run_id}-notice-2"
    assert notifier_state(bootstrap, notifier, sent=1)["sent"] == 1

    # an outcome for a decision counterscan never made
    ghost = f"{run_id}-ghost"
    send(bootstrap, topics.OUTCOMES.name, *outcome(run_id, ghost, seller, "0" * 32, "confirmed"))
    (dead_outcome,) = wait(bootstrap, topics.DEADLETTER.name, lambda k, _r: k == ghost.encode())
    valid("deadletter.v1.json", dead_outcome)
    assert dead_outcome["reason"] == "unknown_decision"


def test_unfounded_notifiers_are_flagged_and_lose_priority(notices: NoticeWorker, run_id: str):
    bootstrap, notifier = notices.bootstrap, f"{run_id}-agent"
    listings = [fake(run_id, f"u{n}", f"{run_id}-s{n}") for n in range(3)]
    made = [decided(bootstrap, notices, item) for item in listings]
    for n, (item, decision) in enumerate(zip(listings[:2], made)):  # two notices, both rejected
        send(bootstrap, topics.NOTICES_INBOUND.name, item["listing_id"], notice(run_id, item["listing_id"], n=n))
        wait(bootstrap, topics.NOTICES_ROUTED.name, lambda k, _r, i=item: k == i["listing_id"].encode())
        key, value = outcome(run_id, item["listing_id"], item["seller"]["id"], decision["decision_id"], "rejected")
        send(bootstrap, topics.OUTCOMES.name, key, value)
    (flag, *_) = wait(bootstrap, topics.NOTIFIERS_FLAGGED.name, lambda k, _r: k == notifier.encode())
    assert flag["flagged"] is True and flag["unfounded_share"] == 1.0 and flag["decided"] == 2
    notifier_state(bootstrap, notifier, rejected=2, flagged=True)

    third = listings[2]["listing_id"]
    trusted = notice(run_id, third, n=9, notifier={"id": f"{run_id}-flagger", "name": "Anti-Counterfeiting Group",
                                                   "email": "notices@acg.example", "trusted_flagger": True})
    send(bootstrap, topics.NOTICES_INBOUND.name, third, trusted)
    routed = wait(bootstrap, topics.NOTICES_ROUTED.name, lambda k, _r: k == third.encode())
    assert routed[0]["source"] == "trusted_flagger" and routed[0]["priority"] >= 3

    # the worker learns of the flag from notifiers.reputation a moment after it is written, and a notifier's
    # notices on one listing make one case: each attempt notifies on a listing of its own
    for attempt in range(10):
        item = fake(run_id, f"again{attempt}", f"{run_id}-again{attempt}")
        decided(bootstrap, notices, item)
        send(bootstrap, topics.NOTICES_INBOUND.name, item["listing_id"], notice(run_id, item["listing_id"], n=100))
        (routed, *_) = wait(bootstrap, topics.NOTICES_ROUTED.name, lambda k, _r, i=item: k == i["listing_id"].encode())
        assert routed["notifier_id"] == notifier
        if routed["notifier_flagged"]:
            break
    assert routed["notifier_flagged"] is True and 1 <= routed["priority"] < 2


def test_statements_that_fail_the_schema_are_never_exported(notices: NoticeWorker, run_id: str, tmp_path: Path):
    bootstrap, since = notices.bootstrap, datetime.now(timezone.utc) - timedelta(seconds=1)
    listing_id = f"{run_id}-forged"
    forged = {"schema_version": 1, "statement_id": f"{run_id}forged", "kind": "restriction", "listing_id": listing_id,
              "decision_id": None, "source": "notice", "automated_detection": False,
              "automated_decision": "not_automated", "seller_notice": {"text": "x", "redress": []},
              "submission": {"decision_ground": "DECISION_GROUND_ILLEGAL_CONTENT", "puid": f"{run_id}forged",
                             "application_date": "01/12/2026"},
              "issued_at": "2026-12-01T00:00:00Z"}
    send(bootstrap, topics.STATEMENTS.name, listing_id, forged)
    exported = cli(bootstrap, "statements", "export", "--since", since.isoformat(), "--out", str(tmp_path), "--json",
                   "-")
    assert exported.returncode == 0, exported.stderr
    document = json.loads(exported.stdout)
    assert [r["statement_id"] for r in document["refused"]] == [forged["statement_id"]]
    for path in document["files"]:
        assert forged["statement_id"] not in Path(path).read_text()
    (dead,) = wait(bootstrap, topics.DEADLETTER.name, lambda k, _r: k == listing_id.encode())
    assert dead["reason"] == "schema_violation" and dead["source"]["topic"] == topics.STATEMENTS.name
    assert "content_type\" is a required property" in dead["detail"]
