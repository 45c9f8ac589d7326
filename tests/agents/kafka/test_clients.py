import asyncio
import ssl

import pytest
from aiokafka import errors

from agents.kafka.clients import client_security, faust_credentials, output_tuning, producer
from agents.kafka.probe import refusal
from pipeline.settings import Settings


def test_plaintext_adds_nothing():
    assert client_security(Settings.load(env={})) == {}
    assert faust_credentials(Settings.load(env={})) is None


def test_sasl_ssl_passes_mechanism_credentials_and_a_tls_context():
    settings = Settings.load(env={"COUNTERSCAN_SECURITY_PROTOCOL": "SASL_SSL", "COUNTERSCAN_SASL_USERNAME": "scanner",
                                  "COUNTERSCAN_SASL_PASSWORD": "s3cret"})
    options = client_security(settings)
    assert options["security_protocol"] == "SASL_SSL"
    assert options["sasl_mechanism"] == "SCRAM-SHA-512"
    assert (options["sasl_plain_username"], options["sasl_plain_password"]) == ("scanner", "s3cret")
    assert isinstance(options["ssl_context"], ssl.SSLContext)
    credentials = faust_credentials(settings)
    assert credentials.username == "scanner" and credentials.mechanism.value == "SCRAM-SHA-512"
    assert "s3cret" not in repr(settings)


def test_sasl_without_credentials_is_refused_by_name():
    with pytest.raises(ValueError, match="needs --sasl-username .* --sasl-password"):
        Settings.load(env={"COUNTERSCAN_SECURITY_PROTOCOL": "SASL_SSL"})
    with pytest.raises(ValueError, match="COUNTERSCAN_SECURITY_PROTOCOL"):
        Settings.load(env={"COUNTERSCAN_SECURITY_PROTOCOL": "TLS"})


@pytest.mark.parametrize("error", [
    errors.SaslAuthenticationFailed("Authentication failed during authentication due to invalid credentials"),
    errors.UnsupportedSaslMechanismError("Kafka broker does not support SCRAM-SHA-512 sasl mechanism"),
    errors.IllegalSaslStateError(),
    ssl.SSLCertVerificationError(1, "certificate verify failed: self-signed certificate in certificate chain"),
])
def test_refused_credentials_or_certificates_are_final(error):
    assert refusal(error) is not None


@pytest.mark.parametrize("error", [
    ConnectionRefusedError(111, "Connection refused"),
    errors.KafkaConnectionError("Connection at 127.0.0.1:9092 closed"),
    asyncio.TimeoutError(),
    OSError(-2, "Name or service not known"),
    errors.NodeNotReadyError("not ready"),
])
def test_a_broker_that_is_not_up_yet_is_worth_waiting_for(error):
    assert refusal(error) is None


def test_the_refusal_names_authentication_and_the_brokers_reason():
    cause = refusal(errors.SaslAuthenticationFailed("invalid credentials with SASL mechanism SCRAM-SHA-512"))
    assert "authentication" in cause and "invalid credentials" in cause


def _batch_bytes(settings: Settings) -> int:
    """Bytes of one record batch of 200 decision-like records, built by the hot path's producer options."""
    async def build() -> int:
        client = producer("127.0.0.1:9", **output_tuning(settings))
        batch = client.create_batch()
        for n in range(200):
            value = b'{"listing_id":"l-%d","route":"clear","score":0.013,"signals":[],"rules_version":"rules-1"}' % n
            assert batch.append(key=b"l-%d" % n, value=value, timestamp=None) is not None
        return len(batch._build())  # noqa: SLF001 - the bytes the producer sends, as sending builds them
    return asyncio.run(build())


@pytest.mark.parametrize("codec", ["lz4", "zstd", "snappy", "gzip"])
def test_every_codec_of_the_settings_compresses_the_hot_paths_batches(codec):
    plain = _batch_bytes(Settings.load(env={"COUNTERSCAN_PRODUCER_COMPRESSION": "none"}))
    compressed = _batch_bytes(Settings.load(env={"COUNTERSCAN_PRODUCER_COMPRESSION": codec}))
    assert compressed < plain / 3, (codec, compressed, plain)


def test_no_compression_is_aiokafkas_none():
    assert output_tuning(Settings.load(env={"COUNTERSCAN_PRODUCER_COMPRESSION": "none"}))["compression_type"] is None
