"""`KafkaBus`: the `Bus` protocol over a real Kafka broker (aiokafka, msgpack).

Each attached host gets its own consumer and consumer group (`carry[.ns].<kind>`), so
every actor kind commits, recovers and scales on its own; the process shares one
idempotent producer. Records are keyed by run id: a run is ordered within each topic's
partition, and many runs spread over partitions. A process joins its groups under an
instance id no live process holds (`members`), begins each partition where the runs
still open begin (`marks`), and fails closed when the broker goes away (`watch`).
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import anyio
import structlog
from aiokafka.errors import KafkaError

from schemas.base import Event
from schemas.control import RunStarted, RunStopped
from schemas.registry import CODECS
from schemas.topics import CLOSED, CONTROL, DEADLETTER
from services.errors import BrokerError
from services.runtime.bus import Done
from services.runtime.host import ActorHost
from services.runtime.kafka.client import (
    connect_admin,
    ensure_topics,
    make_consumer,
    make_producer,
    partition_counts,
    partition_for,
    quiet_client_logs,
    tp,
)
from services.runtime.kafka.follow import Following
from services.runtime.kafka.gate import TP
from services.runtime.kafka.loop import KindLoop
from services.runtime.kafka.marks import Marks, RunMark, encode_mark, read_marks
from services.runtime.kafka.members import ClaimLock, claim, client_id
from services.runtime.kafka.publish import Publisher
from services.runtime.kafka.url import KafkaUrl
from services.runtime.kafka.watch import DEFAULT_BROKER_TIMEOUT_S, BrokerWatch
from services.runtime.kafka.wire import Causality
from services.runtime.metrics import Lag, Metrics

CLOSE_TIMEOUT_S = 10.0
JOIN_WAIT_S = 30.0
"""Longest a process keeps other processes of this host from claiming an instance id
while it joins its groups."""


class KafkaBus:
    """Hosts' events through Kafka.

    Args:
        url: the broker and naming.
        follow_run: for a launcher's local recorder: no consumer group; read only this
            run's partitions, from their current end, and only its records.
        follow: instead of `follow_run`, the runs a launcher's recorder follows, added
            and removed while the bus runs (every partition is read, from its end).
        linger_ms: producer linger.
        instance: this process's static member id in its kinds' groups (refused if a
            live process holds it); None derives a free one.
        metrics: the process's counters (None: not counted).
        broker_timeout_s: how long the bus waits for an unreachable broker while running.
    """

    def __init__(
        self,
        url: KafkaUrl,
        follow_run: str | None = None,
        follow: Following | None = None,
        linger_ms: int = 0,
        instance: str | None = "0",
        metrics: Metrics | None = None,
        broker_timeout_s: float = DEFAULT_BROKER_TIMEOUT_S,
    ) -> None:
        self.url = url
        self.wanted = instance
        self.instance = instance or ""
        self.metrics = metrics
        self.broker_timeout_s = broker_timeout_s
        self.marks = Marks()
        self._opened: dict[str, dict[str, int]] = {}
        self._offsets: Any = None
        self._claim: ClaimLock | None = None
        self._starts_lock = anyio.Lock()
        self._offsets_lock = anyio.Lock()
        self.follow = Following(follow_run) if follow_run is not None else follow
        self.linger_ms = linger_ms
        self.hosts: list[ActorHost] = []
        self.loops: list[KindLoop] = []
        self.causality = Causality()
        self.admin: Any = None
        self.counts: dict[str, int] = {}
        self.producer: Any = None
        self.publisher: Publisher | None = None
        self.watch: BrokerWatch | None = None
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
            grouped = bool(self.hosts) and self.follow is None
            if grouped:
                kinds = [h.kind for h in self.hosts]
                self._claim = ClaimLock(self.url.group(k) for k in kinds)
                await self._claim.acquire()
                self.instance = await claim(self.admin, self.url, kinds, self.wanted)
                self.log = self.log.bind(instance=self.instance)
            self.producer = make_producer(self.url, self.linger_ms, client_id(self.instance))
            await self.producer.start()
            self.publisher = Publisher(self.url, self.producer)
            starts = await self._starts() if grouped else None
            for host in self.hosts:
                group = None if self.follow is not None else self.url.group(host.kind)
                loop = KindLoop(
                    host,
                    self.url,
                    self.publisher,
                    self.causality,
                    group,
                    self.follow,
                    self.instance,
                    self.marks.closed,
                    self.metrics,
                    starts,
                    self._fresh_starts if grouped else None,
                )
                self.loops.append(loop)
                await loop.start(self.counts)
        except KafkaError as e:
            await self.stop()
            raise BrokerError(
                f"Kafka at {self.url.bootstrap} failed while this process joined: {e}",
                "retry; if it persists, check the broker log",
            ) from e
        except BaseException:
            await self.stop()
            raise

    async def _fresh_starts(self) -> tuple[dict[TP, int], set[bytes]]:
        """`_starts` now, and the runs closed now (for a loop taking partitions over)."""
        async with self._starts_lock:
            starts = await self._starts()
        return starts, self.marks.closed

    async def _starts(self) -> dict[TP, int]:
        """Where each partition of the hosts' topics begins: the lowest floor of the runs
        still open there, else (see `KindLoop`) the group's committed offset. The end
        offsets are read before the marks: a run opened later begins above them."""
        bases = sorted({t for h in self.hosts for t in h.topics})
        keys = [(b, p) for b in bases for p in range(self.counts[b])]
        ends = await self.end_offsets(keys)
        self.marks = await read_marks(self.url, self.counts[CLOSED])
        for key in self.marks.abandoned():
            await self._mark(
                key.decode(errors="replace"), RunMark(state="closed", reason="abandoned")
            )
            self.marks.closed.add(key)
            self.marks.open.pop(key, None)
            self.log.warning("abandoned_run_closed", run_id=key.decode(errors="replace"))
        starts = {}
        for base, partition in keys:
            floor = self.marks.floor(base, partition, self.counts[base])
            end_ = ends[(base, partition)]
            starts[(base, partition)] = end_ if floor is None else min(end_, floor)
        return starts

    async def publish(self, topic: str, event: Event) -> None:
        """Publish one event from outside any actor and wait for its acknowledgement
        (a `RunStarted` is preceded by the run's `open` mark)."""
        if self.publisher is None:
            raise RuntimeError("KafkaBus.publish before start")
        if topic == CONTROL and isinstance(event, RunStarted):
            await self.open_run(event.run_id)
        await (await self.publisher.send(topic, event, self.causality.stamp(event.run_id)))

    async def open_run(self, run_id: str) -> None:
        """Mark `run_id` open, with the current end of its partition in every topic."""
        keys = [(t, partition_for(run_id, self.counts[t])) for t in CODECS]
        floors = {t: off for (t, _), off in (await self.end_offsets(keys)).items()}
        self._opened[run_id] = floors
        await self._mark(run_id, RunMark(state="open", floors=floors))

    async def renew_runs(self) -> None:
        """Renew the `open` marks of the runs this bus opened (a launcher's heartbeat)."""
        for run_id, floors in list(self._opened.items()):
            await self._mark(run_id, RunMark(state="open", floors=floors))

    async def close_run(self, run_id: str, reason: str = "complete") -> None:
        """Mark `run_id` closed everywhere: processes that start or recover from now on
        skip its records instead of rebuilding its state (once the run is quiet, or
        abandoned)."""
        self._opened.pop(run_id, None)
        await self._mark(run_id, RunMark(state="closed", reason=reason))

    async def stop_run(self, stopped: RunStopped) -> None:
        """Tell the serving actors to drop a run that will not complete, and close it;
        as far as the broker still answers (a failure is logged, not raised)."""
        try:
            await self.publish(CONTROL, stopped)
            await self.close_run(stopped.run_id, "stopped")
        except (KafkaError, OSError, RuntimeError) as e:
            self.log.warning("run_not_marked_stopped", run_id=stopped.run_id, error=repr(e))

    async def _mark(self, run_id: str, mark: RunMark) -> None:
        if self.producer is None:
            raise RuntimeError("KafkaBus marks a run before start")
        await self.producer.send_and_wait(
            self.url.topic(CLOSED), encode_mark(mark), key=run_id.encode()
        )

    async def run_until(self, done: Done) -> None:
        """Run every consumer loop until `done()`; `BrokerError` if the broker goes away
        for longer than the deadline or loses Carry's topics."""
        self.watch = watch = BrokerWatch(
            self.url, self.admin, self.counts, self.loops, self.broker_timeout_s, self.metrics
        )
        async with anyio.create_task_group() as tg:
            tg.start_soon(watch.run, done)
            if self._claim is not None:
                tg.start_soon(self._release_claim_once_joined, done)
            for loop in self.loops:
                tg.start_soon(loop.run, done)

    async def _release_claim_once_joined(self, done: Done) -> None:
        deadline = time.monotonic() + JOIN_WAIT_S
        while not done() and time.monotonic() < deadline:
            if all(loop.joined.is_set() for loop in self.loops):
                break
            await anyio.sleep(0.05)
        self._release_claim()

    def _release_claim(self) -> None:
        if self._claim is not None:
            self._claim.release()
            self._claim = None

    async def stop(self) -> None:
        """Commit, leave the groups, flush the producer, disconnect."""
        self._release_claim()
        with anyio.move_on_after(CLOSE_TIMEOUT_S, shield=True):
            for loop in self.loops:
                await _quietly(loop.close())
            if self._offsets is not None:
                await _quietly(self._offsets.stop())
                self._offsets = None
            if self.producer is not None:
                await _quietly(self.producer.stop())
            if self.admin is not None:
                await _quietly(self.admin.close())
        self.loops = []

    def broker_unreachable(self) -> bool:
        """True while the running bus's last probe of the broker went unanswered."""
        return self.watch is not None and self.watch.unreachable

    def lags(self) -> list[Lag]:
        """Consumer lag of every loop, per assigned partition."""
        return [lag for loop in self.loops if loop.consumer is not None for lag in loop.lags()]

    def run_partitions(self, run_id: str, topics: list[str]) -> list[tuple[str, int]]:
        """`run_id`'s partition of each topic."""
        return [(base, partition_for(run_id, self.counts[base])) for base in topics]

    async def end_offsets(self, tps: list[tuple[str, int]]) -> dict[tuple[str, int], int]:
        """The current end offset of each (topic, partition)."""
        async with self._offsets_lock:  # runs sharing the bus ask at once
            if self._offsets is None:
                offsets = make_consumer(self.url, None, client_id=client_id(self.instance))
                await offsets.start()
                self._offsets = offsets
        ends = await self._offsets.end_offsets([tp(self.url, t, p) for t, p in tps])
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
    except asyncio.CancelledError:
        # aiokafka's consumer re-raises the cancellation of its own fetch tasks from
        # `stop()` when a fetch was backing off from a lost broker. A real cancellation
        # of this scope is delivered again at the next checkpoint.
        structlog.get_logger().warning("kafka_close_interrupted")
