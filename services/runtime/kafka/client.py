"""aiokafka clients configured for Carry: admin, producer, consumer, topic creation.

With the rest of `services/runtime/kafka/`, the only code that imports aiokafka.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Iterable
from typing import Any

import aiokafka.admin.client
import aiokafka.client
import anyio
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.coordinator.assignors.range import RangePartitionAssignor
from aiokafka.errors import KafkaError
from aiokafka.partitioner import murmur2
from aiokafka.protocol.metadata import MetadataRequest

from services.errors import BrokerError
from services.runtime.kafka.auth import client_options, refusal, scrub
from services.runtime.kafka.url import KafkaUrl

CONNECT_TIMEOUT_S = 10.0
"""How long `carry serve` / `carry backtest` wait for a broker before failing (a refused
connection fails at once; this bounds a broker that accepts but does not answer)."""
TOPIC_EXISTS = 36
UNKNOWN_TOPIC = 3
SEGMENT_SHARE = 4
"""A topic's segments roll after a quarter of its retention: retention deletes whole
segments, so records leave at most a quarter late."""


class _NoAutoCreate(MetadataRequest):  # type: ignore[misc]
    """A metadata request that never asks the broker to create the topics it names.

    aiokafka asks for auto-creation whenever a producer or consumer looks a topic up,
    so a broker that lost its data would get Carry's topics back with its default
    partition count. Carry creates its topics itself (`ensure_topics`), with its own.
    """

    def __init__(self, topics: list[str] | None = None, allow_auto_topic_creation: bool = False):
        super().__init__(topics, False)


aiokafka.client.MetadataRequest = _NoAutoCreate
aiokafka.admin.client.MetadataRequest = _NoAutoCreate
LINGER_MS = 0
"""Producer linger: outputs of one batch are sent together anyway (one send per await)."""
FETCH_MAX_WAIT_MS = 500
"""Broker long-poll bound when idle. The broker answers a waiting fetch as soon as a
record is appended (measured: 3.5 ms per produce-consume hop with 500 ms, the same as
with 10 ms), so a long wait costs no latency and spares idle fetch round trips."""
PRODUCE_TIMEOUT_MS = 300_000
"""A batch waits this long for the broker (idempotent: retried, never duplicated)."""


def quiet_client_logs(debug: bool = False) -> None:
    """aiokafka's records follow the process's log level (`configure_logging` routes
    them and repeats each of its messages at most once a minute: it logs every reconnect
    attempt); `debug` lets every record through at any level."""
    logging.getLogger("aiokafka").setLevel(logging.DEBUG if debug else logging.NOTSET)


def unreachable(url: KafkaUrl, why: object) -> BrokerError:
    """The error for a broker that does not answer (or does not let this client in)."""
    fix = "start it with deploy/kafka/kafka.sh start or check --bus"
    if url.security == "plaintext":
        fix += " (a secured broker needs ?security=sasl_ssl&ca=PATH)"
    else:
        fix += ", CARRY_KAFKA_USER and CARRY_KAFKA_PASSWORD (or CARRY_KAFKA_PASSWORD_FILE)"
    return BrokerError(scrub(f"cannot reach Kafka at {url.bootstrap}: {why}"), fix)


async def connect_admin(url: KafkaUrl, timeout_s: float = CONNECT_TIMEOUT_S) -> Any:
    """A started admin client; raise `BrokerError` within `timeout_s` if there is no broker
    (or it refuses this client's TLS or credentials)."""
    admin = AIOKafkaAdminClient(
        bootstrap_servers=url.bootstrap,
        request_timeout_ms=int(timeout_s * 1000),
        **client_options(url),
    )
    try:
        with anyio.fail_after(timeout_s):
            await admin.start()
            await admin.describe_cluster()
    except TimeoutError as e:
        await _close(admin)
        raise unreachable(url, f"no answer within {timeout_s:.0f} s") from e
    except (KafkaError, OSError) as e:
        await _close(admin)
        raise unreachable(url, await refusal(url, timeout_s) or e) from e
    return admin


async def _close(admin: Any) -> None:
    with contextlib.suppress(KafkaError, OSError, RuntimeError):
        await admin.close()


async def ensure_topics(admin: Any, url: KafkaUrl, bases: Iterable[str]) -> None:
    """Create the topics that do not exist yet, with `url.partitions` partitions each and
    `url.retention_ms` retention."""
    names = sorted({url.topic(b) for b in bases})
    existing = set(await admin.list_topics())
    missing = [n for n in names if n not in existing]
    if not missing:
        return
    configs = {
        "retention.ms": str(url.retention_ms),
        "segment.ms": str(max(60_000, url.retention_ms // SEGMENT_SHARE)),
    }
    response = await admin.create_topics(
        [NewTopic(n, url.partitions, 1, topic_configs=configs) for n in missing],
        timeout_ms=10_000,
    )
    for name, code, *rest in response.topic_errors:
        if code not in (0, TOPIC_EXISTS):
            message = rest[0] if rest else ""
            raise BrokerError(
                f"Kafka at {url.bootstrap} refused to create topic {name}: error {code} {message}",
                "check the broker log (deploy/kafka: .kafka/logs/broker.log)",
            )


async def partition_counts(
    admin: Any, url: KafkaUrl, bases: Iterable[str], timeout_s: float = 15.0
) -> dict[str, int]:
    """Partitions per topic, waiting until a fresh topic's partitions all have a leader
    (a consumer that subscribes earlier would be assigned only part of them)."""
    bases = list(bases)
    with anyio.fail_after(timeout_s):
        while True:
            described = await admin.describe_topics([url.topic(b) for b in bases])
            found = {
                d["topic"]: len(d["partitions"])
                for d in described
                if not d["error_code"] and all(p["leader"] >= 0 for p in d["partitions"])
            }
            counts = {b: found.get(url.topic(b), 0) for b in bases}
            if all(counts.values()):
                return counts
            await anyio.sleep(0.1)


def partition_for(run_id: str, partitions: int) -> int:
    """The partition the default partitioner puts a run's records in."""
    return int(murmur2(run_id.encode()) & 0x7FFFFFFF) % partitions


def make_producer(url: KafkaUrl, linger_ms: int = LINGER_MS, client_id: str = "carry") -> Any:
    """An idempotent producer (acks=all) that rides out a broker restart."""
    return AIOKafkaProducer(
        bootstrap_servers=url.bootstrap,
        client_id=client_id,
        **client_options(url),
        enable_idempotence=True,
        acks="all",
        linger_ms=linger_ms,
        max_batch_size=256 * 1024,
        request_timeout_ms=PRODUCE_TIMEOUT_MS,
        retry_backoff_ms=200,
    )


def make_consumer(
    url: KafkaUrl,
    group: str | None,
    instance: str | None = None,
    fetch_max_wait_ms: int = FETCH_MAX_WAIT_MS,
    fetch_min_bytes: int = 1,
    client_id: str = "carry",
) -> Any:
    """A consumer with manual commits, reading from the start of the log.

    Range assignment keeps partition p of every topic on one member, so a run's
    records (one partition per topic, by key) stay with one member of a scaled group.
    A group member is static (`instance`): a restarted process takes its predecessor's
    place at once instead of waiting for the session of the dead one to time out.
    """
    return AIOKafkaConsumer(
        bootstrap_servers=url.bootstrap,
        client_id=client_id,
        **client_options(url),
        group_id=group,
        group_instance_id=f"{group}.{instance}" if group and instance else None,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        fetch_max_wait_ms=fetch_max_wait_ms,
        fetch_min_bytes=fetch_min_bytes,
        max_partition_fetch_bytes=4 * 1024 * 1024,
        partition_assignment_strategy=(RangePartitionAssignor,),
        retry_backoff_ms=200,
        session_timeout_ms=30_000,
        heartbeat_interval_ms=3_000,
        max_poll_interval_ms=600_000,
    )


def tp(url: KafkaUrl, base: str, partition: int) -> Any:
    """The aiokafka `TopicPartition` of (topic constant, partition)."""
    return TopicPartition(url.topic(base), partition)


class Throttle:
    """True at most once per `interval_s` (wall time: transport code only)."""

    def __init__(self, interval_s: float = 5.0) -> None:
        self.interval_s = interval_s
        self._last = -float("inf")

    def __call__(self) -> bool:
        """Whether to speak now."""
        now = time.monotonic()
        if now - self._last >= self.interval_s:
            self._last = now
            return True
        return False
