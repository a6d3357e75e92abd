"""`carry serve`: host actor kinds on Kafka until stopped.

Startup and recovery are one path: a fresh bus replays each assigned partition from
its beginning (outputs dropped below the committed offsets) and then runs live. If
the group hands this process partitions whose history it does not hold, it starts
over the same way (crash-only, without exiting).
"""

from __future__ import annotations

import signal

import anyio
import structlog

from services.registry import host
from services.runtime.kafka.bus import KafkaBus
from services.runtime.kafka.loop import RestartNeeded
from services.runtime.kafka.url import KafkaUrl


async def serve(kinds: list[str], url: KafkaUrl, stop: anyio.Event, instance: str = "0") -> None:
    """Run `kinds` (one consumer group each) until `stop` is set, then drain and leave.

    Args:
        kinds: actor kinds.
        url: the bus.
        stop: set to drain and return.
        instance: static member id in each kind's group; give each process serving
            the same kind its own (a second process with the same id fences the first).

    Raises:
        BrokerError: no broker at `url` (within a few seconds).
    """
    log = structlog.get_logger().bind(actors=kinds, bus=str(url))
    while not stop.is_set():
        bus = KafkaBus(url, instance=instance)
        for kind in kinds:
            bus.attach(host(kind, dedup=True))
        try:
            await bus.start()
            log.info("serving")
            await bus.run_until(stop.is_set)
        except* RestartNeeded as group:
            log.warning("restarting_to_recover", reason=str(group.exceptions[0]))
        finally:
            await bus.stop()
    log.info("stopped")


async def serve_until_signal(kinds: list[str], url: KafkaUrl, instance: str = "0") -> None:
    """`serve` until SIGTERM or SIGINT (which drain); a second signal raises."""
    stop = anyio.Event()
    with anyio.open_signal_receiver(signal.SIGTERM, signal.SIGINT) as signals:
        async with anyio.create_task_group() as tg:

            async def watch() -> None:
                async for signum in signals:
                    if stop.is_set():
                        raise KeyboardInterrupt
                    structlog.get_logger().info("draining", signal=signum)
                    stop.set()

            tg.start_soon(watch)
            await serve(kinds, url, stop, instance)
            tg.cancel_scope.cancel()
