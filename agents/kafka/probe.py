"""Is a Kafka cluster up, and will it let us in? Metadata probes for any cluster.

The launcher waits on these while its broker boots, ``counterscan broker status``
asks them about a detached broker, and the clients ask them before a worker
starts on a configured cluster. They tell "not up yet" (worth waiting for) from
a refusal of credentials or certificates (:class:`KafkaRefused`: waiting cannot
fix it), so each caller can wait or give up at once.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
import subprocess
import time


class BrokerError(RuntimeError):
    """The local broker could not be installed, started or reached."""


class KafkaRefused(BrokerError):
    """Kafka answered but refused the client's credentials, or the client refused the broker's
    certificate: a configuration error that no amount of waiting fixes."""


async def broker_metadata(bootstrap_servers: str, timeout_s: float = 5.0, **security: object) -> int:
    """Number of brokers a Metadata request returns; raises if no bootstrap server answers.

    Connects to each server itself rather than through ``AIOKafkaClient.bootstrap``,
    which only logs why a server failed: here the cause must survive, because a
    refused password means stop while a refused connection means wait."""
    from aiokafka.conn import collect_hosts, create_conn
    from aiokafka.protocol.metadata import MetadataRequest

    failure: Exception = BrokerError(f"no bootstrap servers in {bootstrap_servers!r}")
    for host, port, _family in collect_hosts(bootstrap_servers):
        conn = None
        try:
            conn = await asyncio.wait_for(
                create_conn(host, port, request_timeout_ms=int(timeout_s * 1000), **security), timeout_s)
            response = await asyncio.wait_for(conn.send(MetadataRequest([])), timeout_s)
            return len(response.brokers)
        except Exception as exc:
            cause = refusal(exc)
            if cause is not None:
                raise KafkaRefused(f"Kafka at {host}:{port} {cause}") from exc
            failure = exc
        finally:
            if conn is not None:
                conn.close()
    raise failure


def refusal(exc: BaseException) -> str | None:
    """What was refused, when a failed connection is a refusal that retrying cannot change
    (credentials or mechanism rejected, broker certificate not trusted); None when it may
    just mean "not up yet" (refused or reset connections, timeouts, unresolved names)."""
    from aiokafka import errors

    if isinstance(exc, errors.SaslAuthenticationFailed):
        return f"rejected the SASL authentication: {exc.args[0] if exc.args else exc.description}"
    if isinstance(exc, (errors.UnsupportedSaslMechanismError, errors.IllegalSaslStateError,
                        errors.AuthenticationFailedError, errors.AuthenticationMethodNotSupported)):
        return f"rejected the SASL authentication: {exc}"
    if isinstance(exc, ssl.SSLCertVerificationError):
        reason = getattr(exc, "verify_message", None) or exc
        return f"presented a TLS certificate that failed verification: {reason}"
    return None


def metadata_problem(bootstrap_servers: str, timeout_s: float, **security: object) -> str | None:
    """None when the cluster answers Metadata with a broker, else what went wrong.

    Raises :class:`KafkaRefused` when the cluster refuses the credentials (or its
    certificate is not trusted): waiting cannot fix that. aiokafka logs every refused
    connection itself; those are expected while a broker boots, so they are silenced
    here and the caller reports the problem once."""
    quiet = logging.getLogger("aiokafka")
    previous_level = quiet.level
    quiet.setLevel(logging.CRITICAL)
    try:
        if asyncio.run(broker_metadata(bootstrap_servers, timeout_s, **security)) > 0:
            return None
        return "no brokers in the Metadata answer"
    except KafkaRefused:
        raise
    except Exception as exc:  # refused, timed out, name not resolved: all mean "not yet"
        return str(exc) or type(exc).__name__
    finally:
        quiet.setLevel(previous_level)


def wait_until_ready(bootstrap_servers: str, timeout_s: float, process: subprocess.Popen[bytes] | None = None,
                     security: dict[str, object] | None = None) -> None:
    """Poll :func:`metadata_problem` until the cluster answers; raise :class:`BrokerError` when
    ``timeout_s`` passes first or ``process`` (the broker being waited for) exits."""
    deadline = time.monotonic() + timeout_s
    problem = None
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise BrokerError(f"the broker exited with code {process.returncode} during start-up")
        problem = metadata_problem(bootstrap_servers, 2.0, **(security or {}))
        if problem is None:
            return
        time.sleep(0.3)
    raise BrokerError(f"no Metadata answer from {bootstrap_servers} in time: {problem}")
