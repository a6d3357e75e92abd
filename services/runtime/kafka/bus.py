"""`KafkaBus`: the `Bus` protocol over a real Kafka broker (aiokafka, msgpack).

Each attached host gets its own consumer and consumer group (`carry[.ns].<kind>`), so
every actor kind commits, recovers and scales on its own; the process shares one
idempotent producer. Records are keyed by run id: a run is ordered within each topic's
partition, and many runs spread over partitions.
"""

from __future__ import annotations

from typing import Any

import anyio
import structlog
from aiokafka.errors import KafkaError

from schemas.base import Event
from schemas.registry import CODECS
from schemas.topics import CLOSED, DEADLETTER
from services.runtime.bus import Done
from services.runtime.host import ActorHost
from services.runtime.kafka.client import (
    connect_admin,
    ensure_topics,
    make_producer,
    partition_counts,
    partition_for,
    quiet_client_logs,
    tp,
)
from services.runtime.kafka.loop import KindLoop
from services.runtime.kafka.publish import Publisher
from services.runtime.kafka.reader import read_closed
from services.runtime.kafka.url import KafkaUrl
from services.runtime.kafka.wire import Causality
from services.runtime.metrics import Lag, Metrics

CLOSE_TIMEOUT_S = 10.0


class KafkaBus:
    """Hosts' events through Kafka.

    Args:
        url: the broker and naming.
        follow_run: for a launcher's local recorder: no consumer group; read only this
            run's partitions, from their current end, and only its records.
        linger_ms: producer linger.
        instance: this process's static member id in its kinds' groups.
        metrics: the process's counters (None: not counted).
    """

    def __init__(
        self,
        url: KafkaUrl,
        follow_run: str | None = None,
        linger_ms: int = 0,
        instance: str = "0",
        metrics: Metrics | None = None,
    ) -> None:
        self.url = url
        self.instance = instance
        self.metrics = metrics
        self.follow_run = follow_run
        self.linger_ms = linger_ms
        self.hosts: list[ActorHost] = []
        self.loops: list[KindLoop] = []
        self.causality = Causality()
        self.admin: Any = None
        self.counts: dict[str, int] = {}
        self.producer: Any = None
        self.publisher: Publisher | None = None
        self.log = structlog.get_logger().bind(bus=str(url))

    def attach(self, host: ActorHost) -> None:
        """Consume `host`'s topics (call before `start`)."""
        self.hosts.append(host)

    async def start(self) -> None:
        """Connect (fail fast), create the topics, start the producer and the consumers."""
        quiet_client_logs()
        self.admin = await connect_admin(self.url)
        try:
            topics = {*CODECS, DEADLETTER, CLOSED, *(t for h in self.hosts for t in h.topics)}
            await ensure_topics(self.admin, self.url, topics)
            self.counts = await partition_counts(self.admin, self.url, topics)
            closed = set() if self.follow_run else await read_closed(self.url, self.counts[CLOSED])
            self.producer = make_producer(self.url, self.linger_ms)
            await self.producer.start()
            self.publisher = Publisher(self.url, self.producer)
            for host in self.hosts:
                group = None if self.follow_run else self.url.group(host.kind)
                loop = KindLoop(
                    host,
                    self.url,
                    self.publisher,
                    self.causality,
                    group,
                    self.follow_run,
                    self.instance,
                    closed,
                    self.metrics,
                )
                self.loops.append(loop)
                await loop.start(self.counts)
        except BaseException:
            await self.stop()
            raise

    async def publish(self, topic: str, event: Event) -> None:
        """Publish one event from outside any actor and wait for its acknowledgement."""
        if self.publisher is None:
            raise RuntimeError("KafkaBus.publish before start")
        await (await self.publisher.send(topic, event, self.causality.stamp(event.run_id)))

    async def close_run(self, run_id: str) -> None:
        """Mark `run_id` complete everywhere: processes that start or recover from now on
        skip its records instead of rebuilding its state (only once the run is quiet)."""
        if self.producer is None:
            raise RuntimeError("KafkaBus.close_run before start")
        await self.producer.send_and_wait(self.url.topic(CLOSED), b"", key=run_id.encode())

    async def run_until(self, done: Done) -> None:
        """Run every consumer loop until `done()`."""
        async with anyio.create_task_group() as tg:
            for loop in self.loops:
                tg.start_soon(loop.run, done)

    async def stop(self) -> None:
        """Commit, leave the groups, flush the producer, disconnect."""
        with anyio.move_on_after(CLOSE_TIMEOUT_S, shield=True):
            for loop in self.loops:
                await _quietly(loop.close())
            if self.producer is not None:
                await _quietly(self.producer.stop())
            if self.admin is not None:
                await _quietly(self.admin.close())
        self.loops = []

    def lags(self) -> list[Lag]:
        """Consumer lag of every loop, per assigned partition."""
        return [lag for loop in self.loops if loop.consumer is not None for lag in loop.lags()]

    def run_partitions(self, run_id: str, topics: list[str]) -> list[tuple[str, int]]:
        """`run_id`'s partition of each topic."""
        return [(base, partition_for(run_id, self.counts[base])) for base in topics]

    async def end_offsets(self, tps: list[tuple[str, int]]) -> dict[tuple[str, int], int]:
        """The current end offset of each (topic, partition)."""
        ends = await self.loops[0].consumer.end_offsets([tp(self.url, t, p) for t, p in tps])
        return {(self.url.base(a.topic), a.partition): off for a, off in ends.items()}

    async def group_offsets(
        self, group: str, tps: list[tuple[str, int]]
    ) -> dict[tuple[str, int], int]:
        """Committed offsets of consumer group `group` (missing: nothing committed)."""
        got = await self.admin.list_consumer_group_offsets(
            group, partitions=[tp(self.url, t, p) for t, p in tps]
        )
        return {
            (self.url.base(a.topic), a.partition): meta.offset
            for a, meta in got.items()
            if meta.offset >= 0
        }


async def _quietly(closing: Any) -> None:
    try:
        await closing
    except (KafkaError, OSError, RuntimeError) as e:
        structlog.get_logger().warning("kafka_close_failed", error=repr(e))
