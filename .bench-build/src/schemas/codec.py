"""Reusable msgpack and JSON codecs for a topic's union."""

from __future__ import annotations

from typing import Any, Generic, TypeVar

import msgspec

T = TypeVar("T")

_MSGPACK = msgspec.msgpack.Encoder()
_JSON = msgspec.json.Encoder()


class Codec(Generic[T]):
    """Encode and decode one topic's union, in msgpack (the wire) and JSON (for people).

    Args:
        union: the tagged union (or single Struct type) of the topic.
    """

    def __init__(self, union: Any) -> None:
        self.union = union
        self._msgpack = msgspec.msgpack.Decoder(union)
        self._json = msgspec.json.Decoder(union)

    def encode(self, event: T) -> bytes:
        """Return the msgpack bytes of `event`."""
        return _MSGPACK.encode(event)

    def decode(self, data: bytes) -> T:
        """Decode msgpack bytes; raises `msgspec.DecodeError` on garbage or unknown tags."""
        return self._msgpack.decode(data)  # type: ignore[no-any-return]

    def encode_json(self, event: T) -> bytes:
        """Return the JSON bytes of `event`."""
        return _JSON.encode(event)

    def decode_json(self, data: bytes) -> T:
        """Decode JSON bytes."""
        return self._json.decode(data)  # type: ignore[no-any-return]
