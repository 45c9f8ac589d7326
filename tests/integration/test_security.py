"""Workers reach Kafka over SASL_SSL with SCRAM-SHA-512; a wrong password ends a process at once.

The broker's certificate comes from a CA made here with openssl, so clients verify
it as they would in production: nothing in the path turns verification off.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest

from agents.kafka.broker import BrokerHandle, LocalBroker, SaslSslListener
from agents.kafka.clients import client_security, create_topics, wait_for_group
from agents.processes import first_exit
from agents.testing import produce, read_until, running_worker
from pipeline import topics
from pipeline.settings import PROJECT_ROOT, Settings
from pipeline.synthetic.generator import ListingGenerator

pytestmark = pytest.mark.integration

USER = "counterscan-worker"
PASSWORD = secrets.token_urlsafe(18)
OUTPUT_TOPICS = [topics.DECISIONS.name, topics.TAKEDOWN.name, topics.REVIEW.name, topics.DEADLETTER.name]
FAIL_FAST_S = 30.0  # a refused password must end a process well before this; a retry loop never would

BROKER_EXTENSIONS = """\
subjectAltName=IP:127.0.0.1,DNS:localhost
extendedKeyUsage=serverAuth
keyUsage=critical,digitalSignature,keyEncipherment
basicConstraints=critical,CA:FALSE
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid,issuer
"""


def openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def make_listener(directory: Path) -> SaslSslListener:
    """A CA, a broker key and certificate for 127.0.0.1 signed by it, as a PKCS12 keystore."""
    store_password = secrets.token_urlsafe(12)
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "1",
            "-subj", "/CN=counterscan test CA", "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=directory)
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "broker.key", "-out", "broker.csr",
            "-subj", "/CN=localhost", cwd=directory)
    (directory / "broker.ext").write_text(BROKER_EXTENSIONS)
    openssl("x509", "-req", "-in", "broker.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
            "-out", "broker.pem", "-days", "1", "-extfile", "broker.ext", cwd=directory)
    openssl("pkcs12", "-export", "-in", "broker.pem", "-inkey", "broker.key", "-certfile", "ca.pem",
            "-name", "broker", "-out", "broker.p12", "-passout", f"pass:{store_password}", cwd=directory)
    return SaslSslListener(USER, PASSWORD, directory / "broker.p12", store_password, directory / "ca.pem")


@pytest.fixture(scope="module")
def secured(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[BrokerHandle, SaslSslListener]]:
    """A broker of its own whose clients come in over SASL_SSL, with the topics created that way."""
    listener = make_listener(tmp_path_factory.mktemp("tls"))
    with LocalBroker(Settings.load(), sasl_ssl=listener) as handle:
        assert handle.sasl_ssl_bootstrap_servers and handle.sasl_ssl_bootstrap_servers != handle.bootstrap_servers
        asyncio.run(create_topics(handle.sasl_ssl_bootstrap_servers,
                                  security=client_security(Settings.load(env=client_env(handle, listener)))))
        yield handle, listener


def client_env(handle: BrokerHandle, listener: SaslSslListener, password: str = PASSWORD) -> dict[str, str]:
    """What a deployment sets: only the SASL_SSL address, the SCRAM user and the CA."""
    return {
        "COUNTERSCAN_BOOTSTRAP_SERVERS": str(handle.sasl_ssl_bootstrap_servers),
        "COUNTERSCAN_SECURITY_PROTOCOL": "SASL_SSL",
        "COUNTERSCAN_SASL_MECHANISM": "SCRAM-SHA-512",
        "COUNTERSCAN_SASL_USERNAME": USER,
        "COUNTERSCAN_SASL_PASSWORD": password,
        "COUNTERSCAN_SSL_CAFILE": str(listener.cafile),
    }


def as_settings(env: dict[str, str]) -> dict[str, str]:
    """The same values as running_worker's keyword settings."""
    return {name.removeprefix("COUNTERSCAN_").lower(): value for name, value in env.items()
            if name != "COUNTERSCAN_BOOTSTRAP_SERVERS"}


def test_listings_go_through_a_worker_over_sasl_ssl(secured: tuple[BrokerHandle, SaslSslListener], tmp_path: Path):
    handle, listener = secured
    env = client_env(handle, listener)
    bootstrap = env["COUNTERSCAN_BOOTSTRAP_SERVERS"]
    security = client_security(Settings.load(env=env))
    run = uuid.uuid4().hex[:8]
    group = f"sec-{run}"
    items = ListingGenerator(seed=23, id_prefix=f"{run}-").take(600)
    ids = {item.key.decode() for item in items}

    with running_worker(bootstrap, tmp_path, scan_group_id=group, app_id=f"counterscan-sec-{run}",
                        **as_settings(env)) as worker:
        asyncio.run(wait_for_group(bootstrap, group, 1, exited=lambda: first_exit([worker]), security=security))
        asyncio.run(produce(bootstrap, topics.LISTINGS_RAW.name, [(i.key, i.value) for i in items], security))

        routed_topic = {"takedown": topics.TAKEDOWN.name, "review": topics.REVIEW.name}

        def all_arrived(records: list[tuple[str, bytes | None, dict]]) -> bool:
            """Every listing has its outcome and every routed decision its notice or request:
            the topics are read side by side, so decisions alone can arrive first."""
            slots = {(t, (k or b"").decode()) for t, k, _ in records}
            outcomes = {k for t, k in slots if t in (topics.DECISIONS.name, topics.DEADLETTER.name)}
            routed = {(routed_topic[r["route"]], r["listing_id"]) for t, _, r in records
                      if t == topics.DECISIONS.name and r["route"] in routed_topic}
            return ids <= outcomes and routed <= slots

        records = asyncio.run(read_until(bootstrap, OUTPUT_TOPICS, all_arrived, 120, security))
        assert worker.poll() is None, "the worker exited:\n" + (tmp_path / "process-0.log").read_text()[-3000:]

    mine = [(t, (k or b"").decode(), r) for t, k, r in records if (k or b"").decode() in ids]
    per_listing = Counter(k for t, k, _ in mine if t in (topics.DECISIONS.name, topics.DEADLETTER.name))
    assert per_listing.keys() == ids and set(per_listing.values()) == {1}  # one outcome each, over SASL_SSL
    by_topic = Counter(t for t, _, _ in mine)
    assert by_topic[topics.DEADLETTER.name] == sum(1 for i in items if i.label == "malformed")
    assert by_topic[topics.TAKEDOWN.name] > 0 and by_topic[topics.REVIEW.name] > 0

    # sellers' contact hashes stay in listings.raw (and in dead letters' original bytes): no
    # decision, takedown notice or review request repeats them
    contact_hashes = {h for i in items if i.label != "malformed"
                      for h in (orjson.loads(i.value).get("seller") or {}).get("contact_hashes", [])}
    assert contact_hashes
    published = b"\n".join(orjson.dumps(r) for t, _, r in mine if t != topics.DEADLETTER.name)
    assert not [h for h in contact_hashes if h.encode() in published]


@pytest.mark.parametrize("command", [["worker"], ["status"], ["topics", "create"]], ids=" ".join)
def test_a_wrong_password_ends_the_process_at_once_with_one_line(
        secured: tuple[BrokerHandle, SaslSslListener], tmp_path: Path, command: list[str]):
    handle, listener = secured
    env = client_env(handle, listener, password="not-" + PASSWORD)
    started = time.monotonic()
    if command == ["worker"]:
        with running_worker(env["COUNTERSCAN_BOOTSTRAP_SERVERS"], tmp_path, **as_settings(env)) as worker:
            code = worker.wait(FAIL_FAST_S)  # raises TimeoutExpired (the test fails) if it keeps retrying
        output = (tmp_path / "process-0.log").read_text(errors="replace")
    else:
        done = subprocess.run([sys.executable, "-m", "agents.cli", *command], cwd=PROJECT_ROOT,
                              env={**os.environ, **env}, capture_output=True, text=True, timeout=FAIL_FAST_S)
        code, output = done.returncode, done.stdout + done.stderr
    elapsed = time.monotonic() - started

    assert code != 0
    assert elapsed < FAIL_FAST_S
    lines = [line for line in output.splitlines() if line.strip()]
    assert len(lines) == 1, output
    assert lines[0].startswith("counterscan: ") and "authentication" in lines[0].lower(), lines[0]
    assert "Traceback" not in output and env["COUNTERSCAN_SASL_PASSWORD"] not in output
    print(f"{' '.join(command)}: exit {code} after {elapsed:.1f}s: {lines[0]}")
