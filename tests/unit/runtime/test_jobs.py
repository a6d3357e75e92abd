"""Jobs: awaitable work of actor handlers, handed back through the transport."""

from __future__ import annotations

import anyio

from schemas import clock
from schemas.base import Event
from schemas.clock import Tick
from services.runtime.actor import Actor, ActorContext, Out
from services.runtime.host import ActorHost
from services.runtime.memory import MemoryBus
from tests.stubs import Tap, context, envelope, run_config

CONFIG = run_config("btc_basis")


class _Echo(Actor):
    """On each tick, waits a little off the chain, then publishes the next tick."""

    name = "echo"
    topics = (clock.TOPIC,)

    def on_event(self, topic: str, event: Event) -> list[Out]:
        if not isinstance(event, Tick) or event.step >= 3:
            return []

        async def work() -> int:
            await anyio.sleep(0.01)
            return event.step + 1

        def then(result: object) -> list[Out]:
            assert isinstance(result, int)
            return [(clock.TOPIC, self.make(Tick, result))]

        self.jobs.start(work, then)
        return []


class _Host(ActorHost):
    def __init__(self) -> None:
        super().__init__("echo", (clock.TOPIC,), _Echo)
        self.actor = _Echo(context(CONFIG))
        self.actor.jobs = self.jobs

    def deliver(self, topic: str, event: Event) -> list[Out]:
        return self.actor.on_event(topic, event)


async def test_memory_bus_waits_for_jobs_and_publishes_their_outputs() -> None:
    bus = MemoryBus()
    host = _Host()
    tap = Tap((clock.TOPIC,))
    bus.attach(host)
    bus.attach(tap)
    await bus.publish(clock.TOPIC, Tick(**envelope(0, "clock")))
    with anyio.fail_after(5):
        await bus.run_until(lambda: False)
    assert [e.step for e in tap.seen[clock.TOPIC]] == [0, 1, 2, 3]
    assert not host.jobs.busy


async def test_a_failing_job_hands_its_exception_to_then() -> None:
    ctx: ActorContext = context(CONFIG)
    seen: list[object] = []

    async def work() -> None:
        raise TimeoutError("venue timed out")

    def then(result: object) -> list[Out]:
        seen.append(result)
        return []

    ctx.jobs.start(work, then)
    async with anyio.create_task_group() as tg:
        tg.start_soon(ctx.jobs.run)
        with anyio.fail_after(5):
            while not seen:
                ctx.jobs.take()
                await anyio.sleep(0.01)
        tg.cancel_scope.cancel()
    assert isinstance(seen[0], TimeoutError)
