"""`carry serve`: host actor kinds on Kafka until stopped.

Startup and recovery are one path: a fresh bus replays each assigned partition from
where the runs still open begin (outputs dropped below the committed offsets) and then
runs live. Partitions the group hands over later are taken on the same way, in place;
if setting up an assignment fails, the process starts over (crash-only, without
exiting). `/healthz` and `/metrics`
are served on the metrics address throughout. One SIGTERM (or SIGINT) ends it: a start
in progress is abandoned, a running bus drains for at most a few seconds. Started by a
launcher (`parent`), it also ends when that process dies.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
from dataclasses import dataclass

import anyio
import structlog

from services.launcher.http import Listener, bound_port, listen, serve_http
from services.registry import host
from services.runtime.kafka.bus import KafkaBus
from services.runtime.kafka.loop import RestartNeeded
from services.runtime.kafka.url import KafkaUrl
from services.runtime.kafka.watch import DEFAULT_BROKER_TIMEOUT_S
from services.runtime.metrics import Metrics
from services.version import carry_version

DEFAULT_METRICS_ADDR = "127.0.0.1:0"
"""Loopback, any free port (the port is logged); containers set 0.0.0.0:9464."""
PR_SET_PDEATHSIG = 1
PARENT_CHECK_S = 1.0


@dataclass(frozen=True)
class ServeOptions:
    """How one `carry serve` process runs.

    Attributes:
        instance: its member id in each kind's group (None: derive a free one).
        metrics_addr: where `/healthz` and `/metrics` answer.
        broker_timeout_s: how long it waits for an unreachable broker before failing.
        parent: the pid of the launcher it dies with (None: none).
    """

    instance: str | None = None
    metrics_addr: str = DEFAULT_METRICS_ADDR
    broker_timeout_s: float = DEFAULT_BROKER_TIMEOUT_S
    parent: int | None = None


async def serve(
    kinds: list[str],
    url: KafkaUrl,
    stop: anyio.Event,
    options: ServeOptions | None = None,
    metrics: Metrics | None = None,
) -> None:
    """Run `kinds` (one consumer group each) until `stop` is set, then drain and leave.

    Raises:
        BrokerError: no broker at `url` (within a few seconds), or it went away for
            longer than the deadline, or it lost Carry's topics.
        ConfigError: the instance id is held by a live process.
    """
    options = options or ServeOptions()
    metrics = metrics or Metrics()
    log = structlog.get_logger().bind(actors=kinds, bus=str(url))
    while not stop.is_set():
        bus = KafkaBus(
            url,
            instance=options.instance,
            metrics=metrics,
            broker_timeout_s=options.broker_timeout_s,
        )
        for kind in kinds:
            bus.attach(host(kind, dedup=True))
        metrics.lags = bus.lags
        try:
            if not await _start_unless_stopped(bus, stop):
                break
            metrics.state = "serving"
            log.info("serving", instance=bus.instance)
            await bus.run_until(stop.is_set)
        except* RestartNeeded as group:
            metrics.state = "restarting"
            log.warning("restarting_to_recover", reason=str(group.exceptions[0]))
        finally:
            if stop.is_set():
                metrics.state = "stopping"
            await bus.stop()
    log.info("stopped")


async def _start_unless_stopped(bus: KafkaBus, stop: anyio.Event) -> bool:
    """Start `bus`; give up at once if `stop` is set meanwhile (then return False)."""
    async with anyio.create_task_group() as tg:

        async def cancel_on_stop() -> None:
            await stop.wait()
            tg.cancel_scope.cancel()

        tg.start_soon(cancel_on_stop)
        await bus.start()
        tg.cancel_scope.cancel()
    return not stop.is_set()


async def serve_until_signal(
    kinds: list[str], url: KafkaUrl, options: ServeOptions | None = None
) -> None:
    """`serve` until SIGTERM or SIGINT (which drain), or the parent's death, with
    `/healthz` and `/metrics` on the metrics address; a second signal raises."""
    options = options or ServeOptions()
    stop = anyio.Event()
    metrics = Metrics(carry_version())
    if options.parent is not None:
        die_with_parent()
    listener = await listen(options.metrics_addr)
    structlog.get_logger().info(
        "metrics_listening",
        addr=options.metrics_addr,
        port=bound_port(listener),
        paths=["/healthz", "/metrics"],
    )
    async with listener:
        await _serve_signals(kinds, url, options, stop, metrics, listener)


def die_with_parent() -> None:
    """Ask the kernel for SIGTERM when the parent process dies (Linux; elsewhere the
    parent watch in `_serve_signals` does it, within a second)."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)


async def _serve_signals(
    kinds: list[str],
    url: KafkaUrl,
    options: ServeOptions,
    stop: anyio.Event,
    metrics: Metrics,
    listener: Listener,
) -> None:
    log = structlog.get_logger()

    def drain(why: str) -> None:
        log.info("draining", reason=why)
        metrics.state = "stopping"
        stop.set()

    with anyio.open_signal_receiver(signal.SIGTERM, signal.SIGINT) as signals:
        async with anyio.create_task_group() as tg:

            async def watch() -> None:
                async for signum in signals:
                    if stop.is_set():
                        raise KeyboardInterrupt
                    drain(signal.Signals(signum).name)

            async def watch_parent(parent: int) -> None:
                while not stop.is_set():
                    if os.getppid() != parent:
                        drain(f"parent process {parent} is gone")
                        return
                    await anyio.sleep(PARENT_CHECK_S)

            tg.start_soon(watch)
            if options.parent is not None:
                tg.start_soon(watch_parent, options.parent)
            tg.start_soon(serve_http, listener, metrics)
            await serve(kinds, url, stop, options, metrics)
            tg.cancel_scope.cancel()
