"""Bad settings are refused at start, before any work, naming the flag and the environment variable;
the SASL password may come from a file. Run through the real `counterscan` process."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from agents.arguments import build_parser
from agents.cli import _settings_from
from pipeline.settings import Settings
from tests.agents.test_cli_conventions import counterscan

NOBODY = "127.0.0.1:9"  # nothing listens there: a command that got past its settings would fail otherwise

# (argv, environment, the setting's flag, its variable)
REFUSED = {
    "log-level": (["score", "--input", "in.jsonl", "--output", "out.jsonl", "--log-level", "loud"], {},
                  "--log-level", "COUNTERSCAN_LOG_LEVEL"),
    "log-level-env": (["status"], {"COUNTERSCAN_LOG_LEVEL": "chatty"}, "--log-level", "COUNTERSCAN_LOG_LEVEL"),
    "sasl-mechanism": (["status", "--sasl-mechanism", "BOGUS"], {}, "--sasl-mechanism", "COUNTERSCAN_SASL_MECHANISM"),
    "security-protocol": (["status"], {"COUNTERSCAN_SECURITY_PROTOCOL": "TLS"},
                          "--security-protocol", "COUNTERSCAN_SECURITY_PROTOCOL"),
    "metrics-port": (["worker", "--metrics-port", "99999"], {}, "--metrics-port", "COUNTERSCAN_METRICS_PORT"),
    "web-port": (["worker"], {"COUNTERSCAN_WEB_PORT": "0"}, "--web-port", "COUNTERSCAN_WEB_PORT"),
    "port-not-a-number": (["worker"], {"COUNTERSCAN_METRICS_PORT": "eighty"}, "--metrics-port",
                          "COUNTERSCAN_METRICS_PORT"),
    "bootstrap-port": (["status", "--bootstrap-servers", "127.0.0.1:70000"], {}, "--bootstrap-servers",
                       "COUNTERSCAN_BOOTSTRAP_SERVERS"),
    "batch-records": (["worker", "--batch-max-records", "0"], {}, "--batch-max-records",
                      "COUNTERSCAN_BATCH_MAX_RECORDS"),
    "fetch-bytes": (["worker"], {"COUNTERSCAN_PARTITION_FETCH_BYTES": "-1"}, "--partition-fetch-bytes",
                    "COUNTERSCAN_PARTITION_FETCH_BYTES"),
    "replication": (["topics", "create", "--replication-factor", "0"], {}, "--replication-factor",
                    "COUNTERSCAN_REPLICATION_FACTOR"),
    "inflight": (["worker", "--max-inflight-batches", "0"], {}, "--max-inflight-batches",
                 "COUNTERSCAN_MAX_INFLIGHT_BATCHES"),
    "lag-interval": (["worker", "--lag-interval-s", "0"], {}, "--lag-interval-s", "COUNTERSCAN_LAG_INTERVAL_S"),
    "kafka-heap": (["broker", "status", "--kafka-heap", "lots"], {}, "--kafka-heap", "COUNTERSCAN_KAFKA_HEAP"),
    "strikes": (["evaluate", "--corpus", "c", "--repeat-infringer-strikes", "0"], {}, "--repeat-infringer-strikes",
                "COUNTERSCAN_REPEAT_INFRINGER_STRIKES"),
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_a_bad_setting_is_refused_before_any_work(case: str, tmp_path: Path):
    argv, env, flag, variable = REFUSED[case]
    (tmp_path / "in.jsonl").write_text("{}\n")
    run = counterscan(*argv, cwd=tmp_path, timeout=30,
                      env={"COUNTERSCAN_BOOTSTRAP_SERVERS": NOBODY, "COUNTERSCAN_CACHE_DIR": str(tmp_path), **env})
    message = run.stderr.decode()
    assert run.returncode == 2, message
    assert message.startswith("counterscan: ") and len(message.splitlines()) == 1, message  # one line, no traceback
    assert flag in message and variable in message, message
    assert not (tmp_path / "out.jsonl").exists() and run.stdout == b""


def test_good_values_of_the_same_settings_pass():
    # names in any case, as logging and faust take them
    settings = Settings.load(env={"COUNTERSCAN_LOG_LEVEL": "WARNING", "COUNTERSCAN_SASL_MECHANISM": "scram-sha-256",
                                  "COUNTERSCAN_METRICS_PORT": "65535", "COUNTERSCAN_WEB_PORT": "1",
                                  "COUNTERSCAN_BOOTSTRAP_SERVERS": "kafka-1:9092,[::1]:9093,kafka-2",
                                  "COUNTERSCAN_PRODUCER_LINGER_MS": "0", "COUNTERSCAN_KAFKA_HEAP": "2g"})
    assert (settings.log_level, settings.sasl_mechanism, settings.metrics_port) == ("warning", "SCRAM-SHA-256", 65535)


@pytest.mark.parametrize("content, password", [("s3cret\n", "s3cret"), ("s3cret \n\n", "s3cret \n"),
                                               ("s3cret", "s3cret"), ("s3cret\r\n", "s3cret")])
def test_the_sasl_password_comes_from_a_file_less_one_trailing_newline(content: str, password: str, tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch):
    secret = tmp_path / "password"
    secret.write_bytes(content.encode())
    from_env = Settings.load(env={"COUNTERSCAN_SASL_PASSWORD_FILE": str(secret), "COUNTERSCAN_SASL_USERNAME": "u",
                                  "COUNTERSCAN_SECURITY_PROTOCOL": "SASL_SSL"})
    assert from_env.sasl_password == password and "s3cret" not in repr(from_env)
    for name in [n for n in os.environ if n.startswith("COUNTERSCAN_")]:
        monkeypatch.delenv(name)
    args = build_parser().parse_args(["status", "--security-protocol", "SASL_SSL", "--sasl-username", "u",
                                      "--sasl-password-file", str(secret)])
    assert _settings_from(args).sasl_password == password  # the flag, as the command line reads it


@pytest.mark.parametrize("argv, env, why", [
    (["status", "--sasl-password", "x", "--sasl-password-file", "password"], {}, "not both"),
    (["status", "--sasl-password-file", "password"], {"COUNTERSCAN_SASL_PASSWORD": "x"}, "not both"),
    (["status"], {"COUNTERSCAN_SASL_PASSWORD_FILE": "absent"}, "cannot read absent"),
    (["status", "--sasl-password-file", "empty"], {}, "is empty"),
], ids=["both-flags", "flag-and-env", "missing-file", "empty-file"])
def test_a_password_given_twice_or_unreadable_is_refused(argv: list[str], env: dict[str, str], why: str,
                                                         tmp_path: Path):
    (tmp_path / "password").write_text("s3cret\n")
    (tmp_path / "empty").write_text("\n")
    run = counterscan(*argv, cwd=tmp_path, timeout=30, env={"COUNTERSCAN_BOOTSTRAP_SERVERS": NOBODY, **env})
    message = run.stderr.decode()
    assert run.returncode == 2 and why in message and len(message.splitlines()) == 1, message
    assert "--sasl-password-file" in message and "COUNTERSCAN_SASL_PASSWORD_FILE" in message
    assert "s3cret" not in message


@pytest.mark.parametrize("argv", [["status", "--json"], ["seller", "S-1", "--json"], ["generate", "--count", "-1"],
                                  ["demo", "--workers", "0"], ["worker", "--processes", "0"], ["train", "--folds", "1"],
                                  ["generate", "--count", "5", "--rate", "0"]])
def test_command_options_out_of_range_are_refused_by_the_grammar(argv: list[str], tmp_path: Path):
    run = counterscan(*argv, cwd=tmp_path, timeout=30, env={"COUNTERSCAN_BOOTSTRAP_SERVERS": NOBODY})
    assert run.returncode == 2 and b"error: argument" in run.stderr and b"Traceback" not in run.stderr, run.stderr
