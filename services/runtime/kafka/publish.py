"""Publishing outputs and committing offsets only once those outputs are acknowledged."""

from __future__ import annotations

import asyncio
from collections import deque
from typing import Any

import anyio
import structlog
from aiokafka.errors import KafkaError

from schemas.base import Event
from schemas.topics import DEADLETTER
from services.runtime.kafka.client import Throttle, tp
from services.runtime.kafka.gate import TP
from services.runtime.kafka.url import KafkaUrl
from services.runtime.kafka.wire import STAMP, Incoming, deadletter_headers, encode_event

MAX_UNACKED = 20_000
"""Outputs in flight before publishing waits for acknowledgements (backpressure)."""
COMMIT_RETRY_S = 0.5
OUTAGE_WARN_S = 5.0
COMMIT_INTERVAL_S = 0.5
"""At most one commit per interval: a commit costs the broker a write, and a later one
covers an earlier one. Recovery replays (and drops) at most an interval's outputs."""


class Publisher:
    """One idempotent producer per process; every output carries its causal stamp.

    Args:
        url: the bus.
        producer: a started `AIOKafkaProducer`.
    """

    def __init__(self, url: KafkaUrl, producer: Any) -> None:
        self.url = url
        self.producer = producer
        self._unacked: deque[asyncio.Future[Any]] = deque()
        self.sent = 0
        self.log = structlog.get_logger().bind(component="publisher")

    async def send(self, topic: str, event: Event, stamp: bytes) -> asyncio.Future[Any]:
        """Queue `event` on `topic` keyed by its run id; return its delivery future."""
        fut = await self.producer.send(
            self.url.topic(topic),
            value=encode_event(topic, event),
            key=event.run_id.encode(),
            headers=[(STAMP, stamp)],
        )
        return self._track(fut)

    async def deadletter(self, rec: Incoming, group: str | None, actor: str) -> asyncio.Future[Any]:
        """Set an undecodable record aside on the dead-letter topic, raw, with its origin,
        the consumer group and actor that read it, and why it could not be decoded."""
        fut = await self.producer.send(
            self.url.topic(DEADLETTER),
            value=rec.value,
            key=rec.key,
            headers=deadletter_headers(rec, group, actor),
        )
        return self._track(fut)

    def _track(self, fut: asyncio.Future[Any]) -> asyncio.Future[Any]:
        self.sent += 1
        self._unacked.append(fut)
        return fut

    async def backpressure(self) -> None:
        """Wait while too many outputs are unacknowledged (waiting, never dropping)."""
        while self._unacked and self._unacked[0].done():
            self._unacked.popleft()
        while len(self._unacked) > MAX_UNACKED:
            await self._unacked.popleft()


class Committer:
    """Commits a loop's positions after the outputs published before them are acknowledged.

    Args:
        consumer: the loop's consumer (with a group).
        url: the bus.
        kind: actor kind, for logs.
    """

    def __init__(self, consumer: Any, url: KafkaUrl, kind: str) -> None:
        self.consumer = consumer
        self.url = url
        self._queue: deque[tuple[list[asyncio.Future[Any]], dict[TP, int]]] = deque()
        self._wake = anyio.Event()
        self._lock = anyio.Lock()
        self.committed: dict[TP, int] = {}
        self._warn = Throttle()
        self.log = structlog.get_logger().bind(actor=kind)

    def add(self, futures: list[asyncio.Future[Any]], positions: dict[TP, int]) -> None:
        """Commit `positions` once `futures` (and everything queued before) are acknowledged."""
        self._queue.append((futures, positions))
        self._wake.set()

    def idle(self) -> bool:
        """True when nothing waits to be committed."""
        return not self._queue

    async def run(self) -> None:
        """Commit forever (cancel to stop; `flush` first to commit what is queued)."""
        while True:
            await self._wake.wait()
            self._wake = anyio.Event()
            async with self._lock:
                await self._commit_queued()
            await anyio.sleep(COMMIT_INTERVAL_S)

    async def flush(self, owned: set[TP] | None = None) -> None:
        """Await every queued output and commit the last positions (of `owned`
        partitions; None: those assigned now)."""
        async with self._lock:
            await self._commit_queued(owned)

    async def _commit_queued(self, held: set[TP] | None = None) -> None:
        while self._queue:
            items = list(self._queue)
            futures = [f for fs, _ in items for f in fs]
            if futures:
                await self._acked(futures)
            owned = held
            if owned is None:
                owned = {(self.url.base(a.topic), a.partition) for a in self.consumer.assignment()}
            todo: dict[TP, int] = {}
            for _, positions in items:
                todo.update(positions)
            todo = {k: v for k, v in todo.items() if k in owned and self.committed.get(k, -1) < v}
            if todo and not await self._commit(todo):
                await anyio.sleep(COMMIT_RETRY_S)
                continue
            for _ in items:
                self._queue.popleft()

    async def _acked(self, futures: list[asyncio.Future[Any]]) -> None:
        # A failed delivery is fatal: crash, and recover from the last commit. A broker
        # that is down only delays the acknowledgements (the producer retries).
        waiting = asyncio.gather(*futures)
        waited = 0.0
        while True:
            with anyio.move_on_after(OUTAGE_WARN_S):
                await asyncio.shield(waiting)
                return
            waited += OUTAGE_WARN_S
            if self._warn():
                self.log.warning(
                    "waiting_for_broker", unacknowledged=len(futures), waited_s=round(waited)
                )

    async def _commit(self, todo: dict[TP, int]) -> bool:
        try:
            await self.consumer.commit({tp(self.url, t, p): off for (t, p), off in todo.items()})
        except KafkaError as e:
            if self._warn():
                self.log.warning("commit_failed_retrying", error=repr(e))
            return False
        self.committed.update(todo)
        return True
