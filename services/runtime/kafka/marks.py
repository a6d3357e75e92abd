"""Run marks on the closed-runs topic: which runs are open, from where, and which are done.

Keyed by run id. When a run starts, an `open` mark records the run's floors: for each
topic, the end offset of the run's partition at that moment (every record of the run
lies at or above it). When the run is complete everywhere, or abandoned, a `closed`
mark follows. A process that starts reads the marks and begins each partition at the
lowest floor of the runs still open there (or its group's committed offset): records
of finished runs are never fetched again. A run whose last `open` mark (a launcher
renews it every minute) is older than `ABANDONED_AFTER_S` is closed as abandoned.
An empty value is a `closed` mark (the format before marks had fields).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Literal

import msgspec

from schemas.topics import CLOSED
from services.runtime.kafka.client import make_consumer, partition_for, tp
from services.runtime.kafka.url import KafkaUrl

POLL_MS = 200
HEARTBEAT_S = 60.0
"""How often a launcher renews the `open` mark of its run."""
ABANDONED_AFTER_S = 15 * 60.0
"""An open run whose mark is this old has lost its launcher."""


class RunMark(msgspec.Struct, frozen=True, kw_only=True):
    """A mark's value.

    Attributes:
        state: `open` or `closed`.
        floors: open marks: topic constant -> lowest offset of the run in its partition.
        reason: closed marks: why (`complete`, `stopped`, `abandoned`).
    """

    state: Literal["open", "closed"]
    floors: dict[str, int] = msgspec.field(default_factory=dict)
    reason: str = ""


_ENCODE = msgspec.msgpack.Encoder()
_DECODE = msgspec.msgpack.Decoder(RunMark)


def encode_mark(mark: RunMark) -> bytes:
    """The value of a mark record."""
    return _ENCODE.encode(mark)


def decode_mark(value: bytes | None) -> RunMark | None:
    """A mark record's value (empty: closed); None if it is not a mark."""
    if not value:
        return RunMark(state="closed")
    try:
        return _DECODE.decode(value)
    except (msgspec.DecodeError, msgspec.ValidationError):
        return None


@dataclass
class Marks:
    """The runs as the marks left them.

    Attributes:
        closed: keys of closed runs.
        open: run key -> floors of runs still open.
        renewed: run key -> wall time (s) of the open run's last mark.
    """

    closed: set[bytes] = field(default_factory=set)
    open: dict[bytes, dict[str, int]] = field(default_factory=dict)
    renewed: dict[bytes, float] = field(default_factory=dict)

    def add(self, key: bytes, mark: RunMark, timestamp_ms: int) -> None:
        """Fold one mark in (marks come in order per run)."""
        if mark.state == "closed":
            self.closed.add(key)
            self.open.pop(key, None)
            self.renewed.pop(key, None)
        elif key not in self.closed:
            self.open[key] = dict(mark.floors)
            self.renewed[key] = timestamp_ms / 1000.0

    def abandoned(self, now: float | None = None) -> list[bytes]:
        """Open runs whose last mark is older than `ABANDONED_AFTER_S`."""
        now = time.time() if now is None else now
        return sorted(k for k, at in self.renewed.items() if now - at > ABANDONED_AFTER_S)

    def floor(self, base: str, partition: int, partitions: int) -> int | None:
        """The lowest floor in `base`'s `partition` (of `partitions`) among open runs
        (None: no open run there)."""
        floors = [
            f[base]
            for key, f in self.open.items()
            if base in f and partition_for(key.decode(errors="replace"), partitions) == partition
        ]
        return min(floors) if floors else None


async def read_marks(url: KafkaUrl, partitions: int) -> Marks:
    """Every mark on the closed-runs topic, folded."""
    consumer: Any = make_consumer(url, None)
    await consumer.start()
    try:
        tps = [tp(url, CLOSED, p) for p in range(partitions)]
        consumer.assign(tps)
        end = await consumer.end_offsets(tps)
        await consumer.seek_to_beginning(*tps)
        remaining = {a for a in tps if end[a] > 0}
        marks = Marks()
        while remaining:
            batch = await consumer.getmany(timeout_ms=POLL_MS, max_records=10_000)
            for atp, records in batch.items():
                for r in records:
                    mark = decode_mark(r.value) if r.key else None
                    if mark is not None:
                        marks.add(r.key, mark, r.timestamp)
                if records and records[-1].offset >= end[atp] - 1:
                    remaining.discard(atp)
        return marks
    finally:
        await consumer.stop()
