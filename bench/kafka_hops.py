"""Per-hop latency of a run on Kafka, from the records themselves.

Every record carries its producer's timestamp (set when it was published, in ms) and
its causal stamp (the records its producer had consumed of that run). The newest record
in a record's stamp is the one whose handling produced it, so the difference of the two
timestamps is one hop: published, fetched by the next actor's process, decoded, handed
over, handled, and its output published. Millisecond resolution (Kafka's timestamps).
"""

from __future__ import annotations

import statistics

import msgspec

from services.runtime.kafka.reader import run_consumer
from services.runtime.kafka.url import KafkaUrl
from services.runtime.kafka.wire import STAMP, topic_id

_DEPS = msgspec.msgpack.Decoder(list[int])


async def hop_latencies(url: KafkaUrl, run_id: str) -> list[int]:
    """Each record's hop in ms (its timestamp minus that of the newest record it follows)."""
    consumer, tps = await run_consumer(url, run_id)
    stamps: dict[tuple[int, int, int], int] = {}
    follows: list[tuple[int, list[int]]] = []
    try:
        await consumer.seek_to_beginning(*tps)
        end = await consumer.end_offsets(tps)
        left = {a for a in tps if end[a] > await consumer.position(a)}
        key = run_id.encode()
        while left:
            batch = await consumer.getmany(timeout_ms=500, max_records=10_000)
            if not batch:
                break
            for atp, records in batch.items():
                tid = topic_id(url.base(atp.topic))
                for r in records:
                    if r.offset >= end[atp] - 1:
                        left.discard(atp)
                    if r.key != key:
                        continue
                    stamps[(tid, atp.partition, r.offset)] = r.timestamp
                    deps = next((_DEPS.decode(v) for n, v in r.headers if n == STAMP), [])
                    if deps:
                        follows.append((r.timestamp, deps))
    finally:
        await consumer.stop()
    hops = []
    for ts, deps in follows:
        parents = [stamps.get((deps[i], deps[i + 1], deps[i + 2])) for i in range(0, len(deps), 3)]
        known = [p for p in parents if p is not None]
        if known:
            hops.append(ts - max(known))
    return hops


def describe(hops: list[int]) -> str:
    """`median M ms, p90 P ms over N hops`."""
    if not hops:
        return "no hops measured"
    ordered = sorted(hops)
    p90 = ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))]
    mean = statistics.fmean(ordered)
    return (
        f"median {statistics.median(ordered):.0f} ms, mean {mean:.2f} ms, p90 {p90} ms "
        f"over {len(ordered):,} hops"
    )
