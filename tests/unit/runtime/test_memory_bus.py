"""MemoryBus: deterministic FIFO delivery, bounded queue, clock-driven run."""

from __future__ import annotations

import pytest

from schemas.base import Event
from schemas.clock import Tick
from services.errors import InvariantError
from services.runtime.actor import Actor, Out
from services.runtime.host import ActorHost, Mailbox, PastParked, ToActor, ToMailbox
from services.runtime.memory import MemoryBus
from tests.stubs import envelope, run_config

RUN = run_config()


class _Echo(Actor):
    """Forwards every event on `src` to `dst` `fanout` times."""

    name = "echo"

    def __init__(self, ctx, src: str, dst: str, fanout: int, log: list[str]) -> None:
        super().__init__(ctx)
        self.topics = (src,)  # type: ignore[misc]
        self.src, self.dst, self.fanout, self.trace = src, dst, fanout, log

    def on_event(self, topic: str, event: Event) -> list[Out]:
        self.trace.append(f"{self.src}->{self.dst}:{event.step}")
        return [(self.dst, self.make(Tick, event.step)) for _ in range(self.fanout)]


def _host(kind: str, src: str, dst: str, fanout: int, trace: list[str]) -> ActorHost:
    host = ActorHost(kind, (src,), lambda ctx: _Echo(ctx, src, dst, fanout, trace))
    host.boxes[RUN.run_id] = Mailbox(host.factory(host.context(RUN)), dedup=False)
    return host


async def test_memory_bus_delivers_breadth_first_in_attachment_order() -> None:
    trace: list[str] = []
    bus = MemoryBus()
    bus.attach(_host("h1", "a", "b", 2, trace))
    bus.attach(_host("h2", "a", "c", 1, trace))
    bus.attach(_host("h3", "b", "d", 1, trace))
    await bus.publish("a", Tick(**{**envelope(0, "src"), "run_id": RUN.run_id}))
    assert bus.drain() == 6
    assert trace == ["a->b:0", "a->c:0", "b->d:0", "b->d:0"]


async def test_memory_bus_runaway_loop_is_an_invariant_error() -> None:
    trace: list[str] = []
    bus = MemoryBus(max_pending=50)
    bus.attach(_host("loop", "a", "a", 2, trace))
    await bus.publish("a", Tick(**{**envelope(0, "src"), "run_id": RUN.run_id}))
    with pytest.raises(InvariantError, match="exceeded 50"):
        bus.drain()


class _Talker(Actor):
    """Logs once per event; never parks, so the bus calls its handler directly."""

    name = "talker"
    topics = ("a",)

    def on_event(self, topic: str, event: Event) -> list[Out]:
        self.log.warning("heard", topic=topic)
        return []


async def test_records_logged_by_a_directly_called_handler_carry_the_step() -> None:
    import io
    import json

    from services.runtime.logs import configure_logging

    stream = io.StringIO()
    configure_logging("warning", json=True, stream=stream)
    try:
        host = ActorHost("talker", ("a",), _Talker)
        host.boxes[RUN.run_id] = Mailbox(host.factory(host.context(RUN)), dedup=False)
        assert isinstance(host.route(RUN.run_id, "a"), ToActor)
        bus = MemoryBus()
        bus.attach(host)
        ts = 1_704_070_800_000_000_000  # 2024-01-01T01:00:00Z
        await bus.publish("a", Tick(**{**envelope(1, "src", ts=ts), "run_id": RUN.run_id}))
        assert bus.drain() == 1
    finally:
        configure_logging("warning", json=False)
    (record,) = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert (record["event"], record["step"], record["sim_time"]) == (
        "heard",
        1,
        "2024-01-01T01:00:00Z",
    )


class _Gated(Actor):
    """Handles `b` events only after the `a` event of the same step; `c` never waits."""

    name = "gated"
    topics = ("a", "b", "c")
    parks_on = ("b",)

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        self.have: set[int] = set()
        self.handled: list[str] = []

    def waits_for(self, topic: str, event: Event) -> bool:
        return topic == "b" and event.step not in self.have

    def on_event(self, topic: str, event: Event) -> list[Out]:
        if topic == "a":
            self.have.add(event.step)
        self.handled.append(f"{topic}{event.step}")
        return []


async def test_a_topic_that_never_waits_goes_direct_until_something_is_parked() -> None:
    host = ActorHost("gated", _Gated.topics, _Gated)
    bus = MemoryBus()
    bus.attach(host)
    box = host.boxes[RUN.run_id] = Mailbox(host.factory(host.context(RUN)), False, host._reroute)
    actor = box.actor
    assert isinstance(host.route(RUN.run_id, "c"), ToActor)
    assert isinstance(host.route(RUN.run_id, "b"), ToMailbox)

    def tick(step: int) -> Tick:
        return Tick(**{**envelope(step, "src"), "run_id": RUN.run_id})

    await bus.publish("c", tick(0))
    await bus.publish("b", tick(1))  # parks: routes cached for "c" are stale
    await bus.publish("c", tick(1))  # handled, then the parked b1 is retried (still waits)
    assert bus.drain() == 3
    assert actor.handled == ["c0", "c1"]
    assert box.parked
    assert isinstance(host.route(RUN.run_id, "c"), PastParked)
    await bus.publish("a", tick(1))
    await bus.publish("c", tick(2))
    assert bus.drain() == 2
    assert actor.handled == ["c0", "c1", "a1", "b1", "c2"]
    assert not box.parked
    assert isinstance(host.route(RUN.run_id, "c"), ToActor)
