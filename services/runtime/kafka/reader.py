"""Read one recorded run back from Kafka: its topics are its record.

Every topic's partition of the run is read from the beginning to its current end; the
run's records are merged in causal order (by their stamps) and de-duplicated by
`event_id` (a restarted actor may have published an output twice).
"""

from __future__ import annotations

from typing import Any

import structlog

from schemas.topics import ALL_TOPICS
from services.runtime.actor import Out
from services.runtime.kafka.client import (
    connect_admin,
    make_consumer,
    partition_counts,
    partition_for,
    quiet_client_logs,
    tp,
)
from services.runtime.kafka.gate import CausalGate
from services.runtime.kafka.url import KafkaUrl
from services.runtime.kafka.wire import decode_record

POLL_MS = 200


async def run_consumer(
    url: KafkaUrl, run_id: str, topics: tuple[str, ...] = ALL_TOPICS
) -> tuple[Any, list[Any]]:
    """A started consumer (no group) assigned `run_id`'s partition of each of `topics`
    that exists, and those partitions (the caller stops the consumer)."""
    admin = await connect_admin(url)
    try:
        existing = set(await admin.list_topics())
        present = [b for b in topics if url.topic(b) in existing]
        counts = await partition_counts(admin, url, present)
    finally:
        await admin.close()
    consumer: Any = make_consumer(url, None)
    await consumer.start()
    tps = [tp(url, b, partition_for(run_id, n)) for b, n in counts.items()]
    consumer.assign(tps)
    return consumer, tps


async def read_run(url: KafkaUrl, run_id: str, topics: tuple[str, ...] = ALL_TOPICS) -> list[Out]:
    """The run's events, causally ordered, without duplicates.

    Raises:
        BrokerError: no broker at `url`.
    """
    quiet_client_logs()
    log = structlog.get_logger().bind(run_id=run_id, bus=str(url))
    consumer, tps = await run_consumer(url, run_id, topics)
    try:
        begin = await consumer.beginning_offsets(tps)
        end = await consumer.end_offsets(tps)
        gate = CausalGate(max_buffer=1 << 30)
        for atp in tps:
            gate.assign((url.base(atp.topic), atp.partition), begin[atp])
            consumer.seek(atp, begin[atp])
        return await _drain(consumer, url, gate, end, run_id.encode(), log)
    finally:
        await consumer.stop()


async def _drain(
    consumer: Any, url: KafkaUrl, gate: CausalGate, end: dict[Any, int], key: bytes, log: Any
) -> list[Out]:
    out: list[Out] = []
    seen: set[str] = set()
    bad = 0
    remaining = {a for a, off in end.items() if off > gate.next[(url.base(a.topic), a.partition)]}
    while remaining or gate.buffered():
        batch = await consumer.getmany(timeout_ms=POLL_MS, max_records=10_000)
        for atp, records in batch.items():
            base = url.base(atp.topic)
            for r in records:
                if r.offset < end[atp]:
                    gate.add(
                        decode_record(base, atp.partition, r.offset, r.key, r.value, r.headers)
                    )
            if records and records[-1].offset >= end[atp] - 1:
                remaining.discard(atp)
        released = gate.ready()
        if not batch and not released and not remaining:
            break
        for rec, _ in released:
            if rec.key != key:
                continue
            if rec.event is None:
                bad += 1
            elif rec.event.event_id not in seen:
                seen.add(rec.event.event_id)
                out.append((rec.topic, rec.event))
    if gate.buffered():
        log.warning("records_never_released", count=gate.buffered())
    if bad:
        log.warning("undecodable_records_skipped", count=bad)
    return out
