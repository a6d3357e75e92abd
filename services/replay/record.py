"""The record file: a length-prefixed msgpack stream of a run's events.

Frame = 4-byte big-endian length + msgpack. The first frame is a `RecordHeader`; each
following frame is `[topic, event bytes]` (the event in its topic's msgpack codec), in
a causally consistent order (the in-process bus's FIFO order, or Kafka's records
merged by their causal stamps).
"""

from __future__ import annotations

import struct
from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO

import msgspec

from schemas.base import Event
from schemas.registry import CODECS
from schemas.topics import ALL_TOPICS
from services.errors import CarryError
from services.outputs.swap import replace_file
from services.runtime.actor import Actor, ActorContext, Out
from services.runtime.host import ActorHost

FORMAT = "carry-record"
VERSION = 2
"""2: a step without orders has no final snapshot, exposure and risk."""
_LEN = struct.Struct(">I")
_ENC = msgspec.msgpack.Encoder()


class RecordHeader(msgspec.Struct, frozen=True, kw_only=True):
    """First frame of a record file.

    Attributes:
        format: always `carry-record`.
        version: format version.
        run_id: the recorded run.
        source: where it was recorded (`memory` or the bus URL).
        events: number of event frames that follow.
    """

    format: str
    version: int
    run_id: str
    source: str
    events: int


class _Frame(msgspec.Struct, frozen=True, array_like=True):
    topic: str
    data: bytes


_HEADER = msgspec.msgpack.Decoder(RecordHeader)
_FRAME = msgspec.msgpack.Decoder(_Frame)


class RecordError(CarryError):
    """A record file or a recorded run cannot be read or replayed."""


def write_record(
    path: Path,
    run_id: str,
    source: str,
    events: Iterable[Out],
    data: Path | None = None,
    flag: str = "--record",
) -> int:
    """Write `events` to `path` atomically; return how many were written.

    Only a record file may be replaced, and nothing is written inside `data`.

    Raises:
        OutputError: `path` may not be written, or writing it failed.
    """
    frames = [_ENC.encode(_Frame(topic, CODECS[topic].encode(e))) for topic, e in events]
    header = _ENC.encode(
        RecordHeader(
            format=FORMAT, version=VERSION, run_id=run_id, source=source, events=len(frames)
        )
    )

    def fill(stream: BinaryIO) -> None:
        for frame in (header, *frames):
            stream.write(_LEN.pack(len(frame)))
            stream.write(frame)

    replace_file(path, fill, is_record_file, data, flag)
    return len(frames)


def is_record_file(path: Path) -> bool:
    """True if `path` starts with a Carry record header (a file Carry may replace)."""
    try:
        with path.open("rb") as f:
            head = f.read(4)
            if len(head) < 4:
                return False
            (size,) = _LEN.unpack(head)
            if size > 4096:
                return False
            header = _HEADER.decode(f.read(size))
    except (OSError, msgspec.DecodeError):
        return False
    return header.format == FORMAT


def read_record(path: Path) -> tuple[RecordHeader, list[Out]]:
    """Read a record file; raise `RecordError` naming the file and the bad frame."""
    try:
        data = path.read_bytes()
    except OSError as e:
        raise RecordError(f"cannot read record {path}: {e}", "check the path") from e
    frames = []
    pos = 0
    while pos < len(data):
        if pos + 4 > len(data):
            raise RecordError(f"record {path} is truncated at byte {pos}", "export it again")
        (size,) = _LEN.unpack_from(data, pos)
        frames.append(data[pos + 4 : pos + 4 + size])
        pos += 4 + size
        if pos > len(data):
            raise RecordError(f"record {path} is truncated at byte {pos}", "export it again")
    try:
        header = _HEADER.decode(frames[0]) if frames else None
    except msgspec.DecodeError as e:
        raise RecordError(
            f"{path} is not a Carry record: {e}", "pass a file from carry export"
        ) from e
    if header is None or header.format != FORMAT or header.version != VERSION:
        raise RecordError(f"{path} is not a version-{VERSION} Carry record", "export it again")
    events: list[Out] = []
    for i, raw in enumerate(frames[1:], start=1):
        try:
            frame = _FRAME.decode(raw)
            events.append((frame.topic, CODECS[frame.topic].decode(frame.data)))
        except (msgspec.DecodeError, KeyError) as e:
            raise RecordError(
                f"record {path}: frame {i} cannot be decoded: {e}", "export it again"
            ) from e
    return header, events


class RecordingTap(ActorHost):
    """A host that keeps every event of every topic, in delivery order (the record)."""

    def __init__(self) -> None:
        super().__init__("record", ALL_TOPICS, _no_actor)
        self.events: list[Out] = []

    def deliver(self, topic: str, event: Event) -> list[Out]:
        """Keep the event; publish nothing."""
        self.events.append((topic, event))
        return []


def _no_actor(ctx: ActorContext) -> Actor:
    raise RuntimeError("a tap hosts no actor")
