"""What travels on Kafka besides the event: the causal stamp and dead-letter headers.

A record's value is its event in msgpack (the topic's codec), its key the run id. Its
`carry-stamp` header lists, for the producing process and that run, the highest offset
it had consumed in every (topic, partition): the record's causal past. A consumer
never hands an actor a record before that past (in the partitions it reads) has been
handed over, so every actor sees a causally consistent order: live, after a restart
(replaying from the start of the log) and when a run is exported. Kafka orders records
only within a partition; without the stamp a consumer reading several topics could see
step t+2's market before step t's ledger.
"""

from __future__ import annotations

import typing
import zlib
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

import msgspec

from schemas.base import Event
from schemas.registry import CODECS

STAMP = "carry-stamp"
ORIGIN_TOPIC = "carry-origin-topic"
ORIGIN_PARTITION = "carry-origin-partition"
ORIGIN_OFFSET = "carry-origin-offset"
ERROR = "carry-error"
GROUP = "carry-group"
ACTOR = "carry-actor"

_ENCODE = msgspec.msgpack.Encoder()
_STAMP = msgspec.msgpack.Decoder(list[int])


def topic_id(base: str) -> int:
    """A stable 32-bit id of a topic constant (namespace-free), for compact stamps."""
    return zlib.crc32(base.encode())


_IDS = {topic_id(t): t for t in CODECS}
if len(_IDS) != len(CODECS):  # pragma: no cover - a new topic name collided
    raise RuntimeError("two topic names share a crc32 id; rename one")


@dataclass(slots=True)
class Incoming:
    """One consumed record, decoded (or not).

    Attributes:
        topic: the topic constant (namespace removed).
        partition: partition number.
        offset: offset in the partition.
        key: the record key (the run id).
        value: the raw value.
        deps: the causal stamp, flat `[topic id, partition, offset, ...]`.
        event: the decoded event, or None if it could not be decoded.
        error: why decoding failed.
    """

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    deps: list[int] = field(default_factory=list)
    event: Event | None = None
    error: str = ""


def decode_record(
    topic: str,
    partition: int,
    offset: int,
    key: bytes | None,
    value: bytes | None,
    headers: Any,
) -> Incoming:
    """Decode a record's event and stamp; a failure is recorded in `error`, never raised."""
    rec = Incoming(topic, partition, offset, key, value)
    try:
        for name, raw in headers or ():
            if name == STAMP and raw:
                try:
                    rec.deps = _STAMP.decode(raw)
                except (msgspec.DecodeError, msgspec.ValidationError) as e:
                    raise ValueError(f"header {STAMP} is not a list of integers: {e}") from e
        if len(rec.deps) % 3:
            raise ValueError(f"header {STAMP} holds {len(rec.deps)} integers, not triples")
        codec = CODECS.get(topic)
        if codec is None:
            raise ValueError(f"no codec for topic {topic}")
        if value is None:
            raise ValueError("record has no value")
        try:
            rec.event = codec.decode(value)
        except (msgspec.DecodeError, msgspec.ValidationError) as e:
            raise ValueError(explain(topic, value, e)) from e
    except ValueError as e:
        rec.event, rec.deps, rec.error = None, [], str(e)
    return rec


def explain(topic: str, value: bytes, error: Exception) -> str:
    """Why `value` is not an event of `topic`, in the terms of the wire format."""
    if not value:
        return "the value is empty"
    head = f"{len(value)} bytes starting {value[:12].hex(' ')}"
    try:
        raw = msgspec.msgpack.decode(value)
    except msgspec.DecodeError as e:
        return f"not MessagePack ({head}): {e}"
    if not isinstance(raw, dict):
        return f"a MessagePack {type(raw).__name__}, not an event map ({head})"
    tags = event_tags(topic)
    tag = raw.get("type")
    if tag not in tags:
        return f"event type {tag!r} is not one of {topic}'s: {', '.join(sorted(tags))}"
    return f"event {tag!r} does not fit its schema: {error}"


def event_tags(topic: str) -> set[str]:
    """The event tags a topic's union accepts."""
    union = CODECS[topic].union
    members = typing.get_args(union) or (union,)
    return {str(m.__struct_config__.tag) for m in members}


def encode_event(topic: str, event: Event) -> bytes:
    """The wire bytes of `event` on `topic`."""
    return CODECS[topic].encode(event)


def deadletter_headers(rec: Incoming, group: str | None, actor: str) -> list[tuple[str, bytes]]:
    """Headers naming where a dead-lettered record came from, which consumer group (and
    actor) set it aside (each group that reads it does), and why."""
    return [
        (ORIGIN_TOPIC, rec.topic.encode()),
        (ORIGIN_PARTITION, str(rec.partition).encode()),
        (ORIGIN_OFFSET, str(rec.offset).encode()),
        (GROUP, (group or "").encode()),
        (ACTOR, actor.encode()),
        (ERROR, rec.error.encode()[:1000]),
    ]


class Causality:
    """Per run, the highest offset this process has consumed in each (topic, partition).

    Args:
        keep: runs remembered (least recently used first out).
    """

    def __init__(self, keep: int = 256) -> None:
        self._runs: OrderedDict[str, dict[tuple[int, int], int]] = OrderedDict()
        self._keep = keep

    def see(self, run_id: str, rec: Incoming) -> None:
        """Fold a consumed record and its own causal past into `run_id`'s knowledge."""
        seen = self._runs.get(run_id)
        if seen is None:
            seen = self._runs[run_id] = {}
            while len(self._runs) > self._keep:
                self._runs.popitem(last=False)
        else:
            self._runs.move_to_end(run_id)
        deps = rec.deps
        for i in range(0, len(deps), 3):
            key = (deps[i], deps[i + 1])
            if seen.get(key, -1) < deps[i + 2]:
                seen[key] = deps[i + 2]
        key = (topic_id(rec.topic), rec.partition)
        if seen.get(key, -1) < rec.offset:
            seen[key] = rec.offset

    def stamp(self, run_id: str) -> bytes:
        """The stamp of a record `run_id`'s actors publish now."""
        seen = self._runs.get(run_id)
        flat: list[int] = []
        for (tid, partition), offset in (seen or {}).items():
            flat += (tid, partition, offset)
        return _ENCODE.encode(flat)


def topic_of(tid: int) -> str | None:
    """The topic constant of a stamp's topic id (None if unknown here)."""
    return _IDS.get(tid)
