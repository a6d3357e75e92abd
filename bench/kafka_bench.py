"""`make bench-kafka`: KafkaBus throughput on loopback and one month of btc_basis on Kafka.

1. Producer: N recorded events (a real run's mix of sizes) published through the
   KafkaBus publisher (idempotent, acks=all), per linger setting, until all are acked.
2. Consumer: the same N events consumed by one KafkaBus consumer group (fetch, decode,
   causal gate, hand-over, commit), per fetch setting.
3. One month of btc_basis with every actor in its own `carry serve` process (started
   by the launcher), next to the in-process MemoryBus run of the same inputs.

Uses `$CARRY_KAFKA` if set, else starts a private broker (deploy/kafka/kafka.sh,
KAFKA_HOME=.kafka-bench, port 19552) and stops it at the end.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import tempfile
import time
import uuid
from pathlib import Path

import anyio

from bench.broker import session_broker
from bench.kafka_hops import describe, hop_latencies
from schemas.base import Event
from schemas.topics import CONTROL
from services.cli.commands.backtest import resolve_data
from services.config.run import RunConfig, build_run_config
from services.launcher.kafka_run import run_on_kafka
from services.launcher.run import run_on_bus
from services.recorder.results import write_results
from services.replay.record import RecordingTap
from services.runtime.actor import Out
from services.runtime.host import ActorHost
from services.runtime.kafka.bus import KafkaBus
from services.runtime.kafka.client import make_producer
from services.runtime.kafka.publish import Publisher
from services.runtime.kafka.url import KafkaUrl, parse_kafka_url
from services.runtime.logs import configure_logging
from services.runtime.memory import MemoryBus

EVENTS = 100_000


class _Count(ActorHost):
    def __init__(self, topics: tuple[str, ...]) -> None:
        super().__init__("bench_count", topics, lambda ctx: None)  # type: ignore[arg-type,return-value]
        self.count = 0

    def deliver(self, topic: str, event: Event) -> list[Out]:
        self.count += 1
        return []


def _month(data: str | None) -> RunConfig:
    spec, window = resolve_data(data)
    start = dt.date(2024, 9, 1) if window is None else dt.date(2024, 1, 1)
    sets = [f"start={start}", f"end={start + dt.timedelta(days=30)}"]
    return build_run_config("btc_basis", spec, sets, f"bench-{uuid.uuid4().hex[:8]}", window)


async def _sample_events(config: RunConfig, n: int) -> list[Out]:
    bus = MemoryBus()
    tap = RecordingTap()
    bus.attach(tap)
    await run_on_bus(config, bus, config.actors)
    events = [(t, e) for t, e in tap.events if t != CONTROL]
    return [events[i % len(events)] for i in range(n)]


async def _produce(url: KafkaUrl, events: list[Out], linger_ms: int) -> float:
    producer = make_producer(url, linger_ms)
    await producer.start()
    publisher = Publisher(url, producer)
    try:
        started = time.perf_counter()
        futures = []
        for topic, event in events:
            futures.append(await publisher.send(topic, event, b"\x90"))
            if len(futures) >= 5000:
                await futures[-1]
                futures.clear()
        await producer.flush()
        for f in futures:
            await f
        return len(events) / (time.perf_counter() - started)
    finally:
        await producer.stop()


async def _consume(url: KafkaUrl, topics: tuple[str, ...], n: int) -> float:
    bus = KafkaBus(url)
    host = _Count(topics)
    bus.attach(host)
    await bus.start()
    try:
        started = time.perf_counter()
        with anyio.fail_after(300):
            await bus.run_until(lambda: host.count >= n)
        return n / (time.perf_counter() - started)
    finally:
        await bus.stop()


async def _throughput(bootstrap: str, events: list[Out]) -> list[str]:
    lines = []
    topics = tuple(sorted({t for t, _ in events}))
    for linger in (0, 5, 20):
        url = parse_kafka_url(f"kafka://{bootstrap}?namespace=bench{uuid.uuid4().hex[:8]}")
        probe = KafkaBus(url)  # creates the topics
        await probe.start()
        # A consumer begins where the open runs begin: mark the sampled run open.
        for run_id in sorted({e.run_id for _, e in events}):
            await probe.open_run(run_id)
        await probe.stop()
        rate = await _produce(url, events, linger)
        lines.append(
            f"producer  {len(events):>7,} events  linger_ms={linger:<3} max_batch=256KiB "
            f"acks=all idempotent   {rate:>9,.0f} events/s"
        )
        if linger == 0:
            rate = await _consume(url, topics, len(events))
            lines.append(
                f"consumer  {len(events):>7,} events  max_records=1000 fetch_max_wait=500ms "
                f"(decode, gate, hand-over, commit)   {rate:>9,.0f} events/s"
            )
    return lines


async def _kafka_month(
    bootstrap: str, config: RunConfig, out: Path, partitions: int
) -> tuple[float, float, str, float]:
    ns = f"bench{uuid.uuid4().hex[:8]}"
    url = parse_kafka_url(f"kafka://{bootstrap}?partitions={partitions}&namespace={ns}")
    first: list[float] = []
    cpu: list[float] = []

    def progress(done: int, total: int) -> None:
        if done >= 1 and not first:
            first.append(time.perf_counter())
            cpu.append(_children_cpu())
        if done >= total and len(cpu) == 1:
            cpu.append(_children_cpu())

    started = time.perf_counter()
    rec = await run_on_kafka(config, url, progress=progress)
    ended = time.perf_counter()
    write_results(out, rec, config)
    hops = describe(await hop_latencies(url, config.run_id))
    used = cpu[-1] - cpu[0] if len(cpu) == 2 else float("nan")
    return ended - started, ended - (first[0] if first else started), hops, used


def _children_cpu() -> float:
    """CPU seconds (user and system) the live child processes (the actors) used so far."""
    me, tick = str(os.getpid()), os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if fields[1] == me:
                total += int(fields[11]) + int(fields[12])
    return total / tick


def main() -> None:
    """Print the figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", help="market data folder (default: $CARRY_DATA or the sample)")
    parser.add_argument("--events", type=int, default=EVENTS)
    parser.add_argument("--partitions", type=int, default=4, help="partitions per topic")
    parser.add_argument(
        "--month-only", action="store_true", help="skip the producer and consumer figures"
    )
    args = parser.parse_args()
    configure_logging("warning", json=False)
    broker = session_broker("bench", 19552, 19553)
    try:
        config = _month(args.data or os.environ.get("CARRY_DATA"))
        if not args.month_only:
            events = anyio.run(_sample_events, config, args.events)
            for line in anyio.run(_throughput, broker.bootstrap, events):
                print(line, flush=True)
        tmp = Path(tempfile.mkdtemp(prefix="carry-bench-"))
        started = time.perf_counter()
        rec = anyio.run(run_on_bus, config, MemoryBus(), config.actors)
        memory_s = time.perf_counter() - started
        write_results(tmp / "memory", rec, config)
        wall, running, hops, cpu = anyio.run(
            _kafka_month, broker.bootstrap, config, tmp / "kafka", args.partitions
        )
        same = all(
            (tmp / "memory" / f.name).read_bytes() == f.read_bytes()
            for f in (tmp / "kafka").iterdir()
        )
        steps = config.steps
        print(f"btc_basis one month ({steps} steps, {config.data.description})")
        print(
            f"  in-process MemoryBus      {memory_s:7.2f} s wall  {steps / memory_s:9,.0f} steps/s"
        )
        print(
            f"  Kafka, 1 process/actor    {wall:7.2f} s wall  {steps / running:9,.0f} steps/s "
            f"({running:.2f} s from the first step; the rest is starting 9 processes)"
        )
        print(
            f"  actor processes' CPU        {cpu:7.2f} s      {1000 * cpu / steps:9.2f} ms/step "
            "(user+system, first to last step)"
        )
        print(f"  per hop (publish to next publish, {args.partitions} partitions/topic): {hops}")
        print(f"  results byte-identical: {same}")
    finally:
        broker.stop()


if __name__ == "__main__":
    main()
