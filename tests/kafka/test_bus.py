"""KafkaBus on the real broker: topics, de-duplication, commits and recovery, dead
letters, and a missing broker."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable
from typing import Any

import anyio
import msgspec
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient
from structlog.testing import capture_logs

from schemas import clock, control, pnl
from schemas.clock import Tick
from schemas.topics import ALL_TOPICS, DEADLETTER
from services.errors import BrokerError
from services.launcher.run import run_started
from services.registry import host
from services.runtime.kafka.bus import KafkaBus
from services.runtime.kafka.url import KafkaUrl, parse_kafka_url
from tests.kafka.helpers import CARRY, btc_config
from tests.stubs import Tap, pnl_report

pytestmark = pytest.mark.timeout(120)


async def _until(bus: KafkaBus, done: Callable[[], bool], seconds: float = 30) -> None:
    with anyio.fail_after(seconds):
        await bus.run_until(done)


async def _read_all(url: KafkaUrl, base: str) -> list[Any]:
    consumer = AIOKafkaConsumer(
        url.topic(base), bootstrap_servers=url.bootstrap, auto_offset_reset="earliest"
    )
    await consumer.start()
    try:
        records: list[Any] = []
        with anyio.move_on_after(3):
            while True:
                batch = await consumer.getmany(timeout_ms=500)
                if not batch and records:
                    break
                for recs in batch.values():
                    records.extend(recs)
        return records
    finally:
        await consumer.stop()


async def test_topics_are_created_with_the_partition_count_under_the_namespace(
    url: KafkaUrl,
) -> None:
    bus = KafkaBus(url)
    bus.attach(Tap((clock.TOPIC,)))
    await bus.start()
    await bus.stop()
    admin = AIOKafkaAdminClient(bootstrap_servers=url.bootstrap)
    await admin.start()
    try:
        described = await admin.describe_topics([url.topic(t) for t in (*ALL_TOPICS, DEADLETTER)])
    finally:
        await admin.close()
    assert {d["topic"]: len(d["partitions"]) for d in described} == {
        url.topic(t): url.partitions for t in (*ALL_TOPICS, DEADLETTER)
    }
    assert all(d["topic"].startswith(f"{url.namespace}.carry.") for d in described)


async def test_redelivered_event_changes_nothing_and_recovery_republishes_nothing(
    url: KafkaUrl,
) -> None:
    config = btc_config(1)
    run = config.run_id

    async def clock_bus() -> KafkaBus:
        bus = KafkaBus(url)
        bus.attach(host("clock", dedup=True))
        await bus.start()
        return bus

    tap_bus = KafkaBus(url, follow_run=run)
    tap = Tap((clock.TOPIC,))
    tap_bus.attach(tap)
    await tap_bus.start()
    bus = await clock_bus()
    try:
        await bus.publish(control.TOPIC, run_started(config))
        # (An actor's output depends causally on RunStarted; these hand-made ones do not,
        # so wait for it to be handled before sending them.)
        await _until(bus, lambda: bus.loops[0].handled >= 1)
        await bus.publish(pnl.TOPIC, pnl_report(0, run))
        await bus.publish(pnl.TOPIC, pnl_report(0, run))  # redelivered: same id, same bytes
        await _until(bus, lambda: bus.loops[0].handled >= 3)
        await bus.stop()

        # A new process of the same kind recovers: the three records are handled again
        # with their outputs dropped; the next record is live.
        bus = await clock_bus()
        await bus.publish(pnl.TOPIC, pnl_report(1, run))
        await _until(bus, lambda: bus.loops[0].handled >= 4)
        await bus.stop()
        await _until(tap_bus, lambda: len(tap.seen[clock.TOPIC]) >= 3)
        later = time.monotonic() + 1.0
        await _until(tap_bus, lambda: time.monotonic() > later)
    finally:
        await bus.stop()
        await tap_bus.stop()
    ticks = [e for e in tap.seen[clock.TOPIC] if isinstance(e, Tick)]
    assert [t.event_id for t in ticks] == ["clock/0/0", "clock/1/0", "clock/2/0"]
    raw = [r for r in await _read_all(url, clock.TOPIC) if r.key == run.encode()]
    assert len(raw) == 3, "nothing was published twice"


async def test_undecodable_records_are_set_aside_and_nothing_else_is_lost(url: KafkaUrl) -> None:
    tap = Tap((clock.TOPIC,))
    with capture_logs() as logs:
        bus = KafkaBus(url)
        bus.attach(tap)
        await bus.start()
        producer = AIOKafkaProducer(bootstrap_servers=url.bootstrap)
        await producer.start()
        try:
            topic = url.topic(clock.TOPIC)
            unknown = msgspec.msgpack.encode(
                {
                    "type": "mystery",
                    "run_id": "r",
                    "step": 0,
                    "ts": 0,
                    "source": "x",
                    "event_id": "x",
                }
            )
            good = [
                Tick(run_id="r", step=i, ts=0, source="clock", event_id=f"clock/{i}/0")
                for i in range(3)
            ]
            await producer.send_and_wait(topic, clock.codec.encode(good[0]), key=b"r", partition=0)
            await producer.send_and_wait(topic, b"\xc1garbage", key=b"r", partition=0)
            await producer.send_and_wait(topic, unknown, key=b"r", partition=0)
            for tick in good[1:]:
                await producer.send_and_wait(topic, clock.codec.encode(tick), key=b"r", partition=0)
        finally:
            await producer.stop()
        try:
            await _until(bus, lambda: len(tap.seen[clock.TOPIC]) >= 3)
            await _until(bus, lambda: bus.loops[0].deadlettered >= 2)
        finally:
            await bus.stop()
    assert [e.event_id for e in tap.seen[clock.TOPIC]] == [t.event_id for t in good]
    set_aside = [e for e in logs if e["event"] == "undecodable_record_set_aside"]
    assert [(e["topic"], e["partition"], e["offset"]) for e in set_aside] == [
        (clock.TOPIC, 0, 1),
        (clock.TOPIC, 0, 2),
    ]
    dead = await _read_all(url, DEADLETTER)
    assert [r.value for r in dead] == [b"\xc1garbage", unknown]
    headers = dict(dead[0].headers)
    assert headers["carry-origin-topic"] == clock.TOPIC.encode()
    assert headers["carry-origin-partition"] == b"0"
    assert headers["carry-origin-offset"] == b"1"


async def test_kafkabus_without_a_broker_fails_within_seconds_naming_the_address() -> None:
    url = parse_kafka_url("kafka://127.0.0.1:19999")
    bus = KafkaBus(url)
    started = time.monotonic()
    with pytest.raises(BrokerError, match=r"cannot reach Kafka at 127\.0\.0\.1:19999"):
        await bus.start()
    assert time.monotonic() - started < 20


@pytest.mark.parametrize(
    "args",
    [
        ["serve", "clock", "--bus", "kafka://127.0.0.1:19999"],
        ["backtest", "--mode", "btc_basis", "--quiet", "--bus", "kafka://127.0.0.1:19999"],
    ],
    ids=["serve", "backtest"],
)
def test_cli_without_a_broker_fails_within_seconds(args: list[str]) -> None:
    started = time.monotonic()
    done = subprocess.run([*CARRY, *args], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "cannot reach Kafka at 127.0.0.1:19999" in done.stderr
    assert "deploy/kafka/kafka.sh start" in done.stderr
    assert time.monotonic() - started < 45


async def test_a_closed_run_is_skipped_by_processes_that_start_later(url: KafkaUrl) -> None:
    closed, fresh = btc_config(1), btc_config(1)
    bus = KafkaBus(url)
    bus.attach(host("clock", dedup=True))
    await bus.start()
    try:
        await bus.publish(control.TOPIC, run_started(closed))
        await _until(bus, lambda: bus.loops[0].handled >= 1)
        await bus.close_run(closed.run_id)
    finally:
        await bus.stop()
    bus = KafkaBus(url)
    clock_host = host("clock", dedup=True)
    bus.attach(clock_host)
    await bus.start()
    loop = bus.loops[0]
    try:
        await bus.publish(control.TOPIC, run_started(fresh))
        await _until(bus, lambda: loop.handled >= 1)
    finally:
        await bus.stop()
    assert loop.skipped == 0, "the closed run's records are not even fetched"
    assert clock_host.instance(closed.run_id) is None
    assert clock_host.instance(fresh.run_id) is not None
