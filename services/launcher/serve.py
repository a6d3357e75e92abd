"""`carry serve`: host actor kinds on Kafka until stopped.

Startup and recovery are one path: a fresh bus replays each assigned partition from
its beginning (outputs dropped below the committed offsets) and then runs live. If
the group hands this process partitions whose history it does not hold, it starts
over the same way (crash-only, without exiting). `/healthz` and `/metrics` are served
on the metrics address throughout.
"""

from __future__ import annotations

import signal

import anyio
import structlog

from services.launcher.http import Listener, bound_port, listen, serve_http
from services.registry import host
from services.runtime.kafka.bus import KafkaBus
from services.runtime.kafka.loop import RestartNeeded
from services.runtime.kafka.url import KafkaUrl
from services.runtime.metrics import Metrics
from services.version import carry_version

DEFAULT_METRICS_ADDR = "127.0.0.1:0"
"""Loopback, any free port (the port is logged); containers set 0.0.0.0:9464."""


async def serve(
    kinds: list[str],
    url: KafkaUrl,
    stop: anyio.Event,
    instance: str = "0",
    metrics: Metrics | None = None,
) -> None:
    """Run `kinds` (one consumer group each) until `stop` is set, then drain and leave.

    Args:
        kinds: actor kinds.
        url: the bus.
        stop: set to drain and return.
        instance: static member id in each kind's group; give each process serving
            the same kind its own (a second process with the same id fences the first).
        metrics: counters and health state to keep up to date.

    Raises:
        BrokerError: no broker at `url` (within a few seconds).
    """
    metrics = metrics or Metrics()
    log = structlog.get_logger().bind(actors=kinds, bus=str(url))
    while not stop.is_set():
        bus = KafkaBus(url, instance=instance, metrics=metrics)
        for kind in kinds:
            bus.attach(host(kind, dedup=True))
        metrics.lags = bus.lags
        try:
            await bus.start()
            metrics.state = "serving"
            log.info("serving")
            await bus.run_until(stop.is_set)
        except* RestartNeeded as group:
            metrics.state = "restarting"
            log.warning("restarting_to_recover", reason=str(group.exceptions[0]))
        finally:
            if stop.is_set():
                metrics.state = "stopping"
            await bus.stop()
    log.info("stopped")


async def serve_until_signal(
    kinds: list[str], url: KafkaUrl, instance: str = "0", metrics_addr: str = DEFAULT_METRICS_ADDR
) -> None:
    """`serve` until SIGTERM or SIGINT (which drain), with `/healthz` and `/metrics` on
    `metrics_addr`; a second signal raises."""
    stop = anyio.Event()
    metrics = Metrics(carry_version())
    listener = await listen(metrics_addr)
    structlog.get_logger().info(
        "metrics_listening",
        addr=metrics_addr,
        port=bound_port(listener),
        paths=["/healthz", "/metrics"],
    )
    async with listener:
        await _serve_signals(kinds, url, instance, stop, metrics, listener)


async def _serve_signals(
    kinds: list[str],
    url: KafkaUrl,
    instance: str,
    stop: anyio.Event,
    metrics: Metrics,
    listener: Listener,
) -> None:
    with anyio.open_signal_receiver(signal.SIGTERM, signal.SIGINT) as signals:
        async with anyio.create_task_group() as tg:

            async def watch() -> None:
                async for signum in signals:
                    if stop.is_set():
                        raise KeyboardInterrupt
                    structlog.get_logger().info("draining", signal=signum)
                    metrics.state = "stopping"
                    stop.set()

            tg.start_soon(watch)
            tg.start_soon(serve_http, listener, metrics)
            await serve(kinds, url, stop, instance, metrics)
            tg.cancel_scope.cancel()
