"""`MemoryBus`: every actor in one process, deterministic FIFO, no encoding.

An event goes straight to the handlers of its topic and run (looked up once per topic
and run, again after each control event, which may start or end instances, and
whenever an instance starts or stops parking events).
"""

from __future__ import annotations

from collections import deque
from typing import Final

import anyio.lowlevel

from schemas.base import Event
from schemas.topics import CONTROL
from services.errors import InvariantError
from services.runtime.actor import Out
from services.runtime.bus import Done
from services.runtime.current import CURRENT
from services.runtime.host import ActorHost, Route

SLICE: Final = 4096
"""Events delivered between two cooperative yields to the event loop."""


class MemoryBus:
    """In-process bus: a FIFO of `(topic, event)`; each event goes to the hosts of its
    topic in attachment order, and what they return joins the end of the FIFO.

    Args:
        max_pending: bound of the FIFO; exceeding it is a runaway loop (an invariant).
    """

    def __init__(self, max_pending: int = 100_000) -> None:
        self._subs: dict[str, list[ActorHost]] = {}
        self._routes: dict[tuple[str, str], tuple[Route, ...]] = {}
        """Per (topic, run): who handles it (rebuilt after every control event)."""
        self._queue: deque[Out] = deque()
        self.max_pending = max_pending
        self.delivered = 0
        self.published = 0
        self._hosts: list[ActorHost] = []
        self._wake = anyio.Event()

    def attach(self, host: ActorHost) -> None:
        """Subscribe `host` to its topics."""
        for topic in host.topics:
            self._subs.setdefault(topic, []).append(host)
        self._routes.clear()
        self._hosts.append(host)
        host.jobs.notify = self._notify
        host.reroute = self._routes.clear

    async def start(self) -> None:
        """Nothing to connect."""

    async def stop(self) -> None:
        """Nothing to flush."""

    async def publish(self, topic: str, event: Event) -> None:
        """Queue one event (and wake a bus waiting for jobs)."""
        self._queue.append((topic, event))
        self._wake.set()

    def publish_nowait(self, topic: str, event: Event) -> None:
        """Queue one event from synchronous code."""
        self._queue.append((topic, event))
        self._wake.set()

    def drain(self, limit: int | None = None) -> int:
        """Deliver queued events (at most `limit`); return how many were delivered."""
        queue, subs, routes, current = self._queue, self._subs, self._routes, CURRENT
        pop = queue.popleft
        budget = -1 if limit is None else limit
        count = 0
        while queue and count != budget:
            topic, event = pop()
            count += 1
            if topic == CONTROL:
                routes.clear()
                for host in subs.get(topic, ()):
                    current.event = event
                    self._extend(host.deliver(topic, event))
                current.event = None
                continue
            key = (topic, event.run_id)
            found = routes.get(key)
            for route in self._route(key) if found is None else found:
                current.event = event  # for the records a handler logs (a mailbox resets it)
                out = route.deliver(topic, event)
                if out:
                    self._extend(out)
            current.event = None
        self.published += count
        return count

    def _extend(self, out: list[Out]) -> None:
        """Queue what a handler published; a queue beyond its bound is a runaway loop."""
        self._queue.extend(out)
        if len(self._queue) > self.max_pending:
            raise InvariantError(f"MemoryBus queue exceeded {self.max_pending} events")

    def _route(self, key: tuple[str, str]) -> tuple[Route, ...]:
        """The routes of a (topic, run), in attachment order, until the next control event."""
        topic, run_id = key
        found = (h.route(run_id, topic) for h in self._subs.get(topic, ()))
        targets = self._routes[key] = tuple(r for r in found if r is not None)
        return targets

    def _notify(self) -> None:
        self._wake.set()

    async def run_until(self, done: Done) -> None:
        """Deliver until `done()` or nothing is left (no event queued, no job running),
        yielding to the loop between slices."""
        async with anyio.create_task_group() as tg:
            for host in self._hosts:
                tg.start_soon(host.jobs.run)
            await self._deliver(done)
            tg.cancel_scope.cancel()

    async def _deliver(self, done: Done) -> None:
        hosts = self._hosts
        while not done():
            if self.drain(SLICE) == 0:
                taken = False
                for host in hosts:
                    out = host.take()
                    if out:
                        self._queue.extend(out)
                        taken = True
                if taken:
                    continue
                if not any(host.jobs.busy for host in hosts):
                    return
                await self._wake.wait()
                self._wake = anyio.Event()
                continue
            await anyio.lowlevel.checkpoint()
