"""One follower for every run a process launches on Kafka.

A launcher that runs many runs at once (`carry sweep --bus`) reads their records
through one consumer and one recorder host instead of a bus per run: each partition is
fetched once, and every record reaches the recorder of its own run.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio

from services.registry import host
from services.runtime.host import ActorHost
from services.runtime.kafka.bus import KafkaBus
from services.runtime.kafka.follow import Following
from services.runtime.kafka.url import KafkaUrl
from services.runtime.kafka.watch import DEFAULT_BROKER_TIMEOUT_S


class SharedFollower:
    """The follower bus, its recorder host and the runs it follows (see `shared_follower`)."""

    def __init__(self, url: KafkaUrl, broker_timeout_s: float) -> None:
        self.following = Following()
        self.bus = KafkaBus(url, follow=self.following, broker_timeout_s=broker_timeout_s)
        self.recorder_host: ActorHost = host("recorder", dedup=True)
        self.bus.attach(self.recorder_host)
        self.ended = False

    def add(self, run_id: str) -> None:
        """Follow `run_id` (before its `RunStarted` is published)."""
        self.following.add(run_id)

    def remove(self, run_id: str) -> None:
        """Stop following `run_id` and drop its recorder."""
        self.following.remove(run_id)
        self.recorder_host.forget(lambda r: r == run_id)


@asynccontextmanager
async def shared_follower(
    url: KafkaUrl, broker_timeout_s: float = DEFAULT_BROKER_TIMEOUT_S
) -> AsyncIterator[SharedFollower]:
    """A follower that reads the bus while the block runs; pass it to `run_on_kafka`.

    Raises:
        BrokerError: as `KafkaBus.run_until` (the block is cancelled).
    """
    follower = SharedFollower(url, broker_timeout_s)
    await follower.bus.start()
    try:
        async with anyio.create_task_group() as tg:
            tg.start_soon(follower.bus.run_until, lambda: follower.ended)
            try:
                yield follower
            finally:
                follower.ended = True
    finally:
        with anyio.CancelScope(shield=True):
            await follower.bus.stop()
