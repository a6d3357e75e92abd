"""The `Bus` protocol: what every transport offers the supervisor."""

from __future__ import annotations

from typing import Protocol

from schemas.base import Event
from services.runtime.host import ActorHost


class Bus(Protocol):
    """A transport for actor hosts.

    `MemoryBus` delivers in one process in deterministic FIFO order; `KafkaBus`
    delivers through a Kafka broker. Actors see the same events in the same
    canonical order on either.
    """

    def attach(self, host: ActorHost) -> None:
        """Subscribe `host` to its topics."""
        ...

    async def start(self) -> None:
        """Connect (and create topics); raise `BrokerError` if the transport is unreachable."""
        ...

    async def publish(self, topic: str, event: Event) -> None:
        """Publish one event from outside any actor (the launcher)."""
        ...

    async def run_until(self, done: Done) -> None:
        """Deliver events until `done()` is true."""
        ...

    async def stop(self) -> None:
        """Flush and disconnect."""
        ...


class Done(Protocol):
    """A completion predicate polled by `Bus.run_until`."""

    def __call__(self) -> bool:
        """True when the run (or service) is finished."""
        ...
