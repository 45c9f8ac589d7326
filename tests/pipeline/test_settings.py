from pathlib import Path

import pytest

from pipeline.settings import Settings, setting_help


def test_defaults_then_environment_then_overrides():
    env = {"COUNTERSCAN_BATCH_MAX_RECORDS": "500", "COUNTERSCAN_BOOTSTRAP_SERVERS": "127.0.0.1:9092"}
    settings = Settings.load(env=env, bootstrap_servers="127.0.0.1:1234", review_threshold=None)
    assert settings.batch_max_records == 500
    assert settings.bootstrap_servers == "127.0.0.1:1234"
    assert settings.review_threshold == Settings().review_threshold


def test_types_are_converted():
    settings = Settings.load(env={"COUNTERSCAN_TAKEDOWN_THRESHOLD": "0.9", "COUNTERSCAN_CACHE_DIR": "/tmp/x"})
    assert settings.takedown_threshold == 0.9 and settings.cache_dir == Path("/tmp/x")


def test_bad_values_are_reported_by_name():
    with pytest.raises(ValueError, match="int"):
        Settings.load(env={"COUNTERSCAN_WEB_PORT": "eighty"})
    with pytest.raises(ValueError, match="threshold"):
        Settings.load(env={}, review_threshold=0.95, takedown_threshold=0.9)
    with pytest.raises(ValueError, match="--heartbeat-interval-ms"):  # a member this quiet leaves its group
        Settings.load(env={"COUNTERSCAN_HEARTBEAT_INTERVAL_MS": "10000"})
    assert Settings.load(env={"COUNTERSCAN_HEARTBEAT_INTERVAL_MS": "9999"}).heartbeat_interval_ms == 9999


def test_every_setting_has_help_and_env_name():
    for name, env, _default, text, _section in setting_help():
        assert env == "COUNTERSCAN_" + name.upper() and text


def test_env_gives_a_child_process_the_same_settings_and_refuses_unknown_names():
    env = Settings.env(bootstrap_servers="127.0.0.1:1", lag_interval_s=0.5, state_dir=None)
    assert env == {"COUNTERSCAN_BOOTSTRAP_SERVERS": "127.0.0.1:1", "COUNTERSCAN_LAG_INTERVAL_S": "0.5"}
    assert Settings.load(env=env).lag_interval_s == 0.5
    with pytest.raises(ValueError, match="no such settings"):
        Settings.env(lag_interval=1)


def test_every_setting_has_a_section_and_the_scoring_section_holds_no_connection_secret():
    from pipeline.settings import SECTIONS

    assert {section for *_, section in setting_help()} <= set(SECTIONS)
    scoring = Settings.load(env={}, sasl_username="u", sasl_password="secret", security_protocol="SASL_SSL").scoring
    assert "secret" not in repr(scoring) and not hasattr(scoring, "sasl_password")
    assert scoring.takedown_threshold == Settings().takedown_threshold


def test_the_output_codec_is_one_the_producer_can_write():
    assert Settings.load(env={"COUNTERSCAN_PRODUCER_COMPRESSION": "zstd"}).producer_compression == "zstd"
    with pytest.raises(ValueError, match="--producer-compression"):
        Settings.load(env={"COUNTERSCAN_PRODUCER_COMPRESSION": "brotli"})
