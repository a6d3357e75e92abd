"""Topic `carry.clock`: simulation steps."""

from __future__ import annotations

from typing import Final

from schemas.base import Event
from schemas.codec import Codec
from schemas.topics import CLOCK

TOPIC: Final = CLOCK


class Tick(Event, frozen=True, kw_only=True, tag="tick"):
    """Start of step `step` at time `ts`; the clock sends the next only when this one is done."""


ClockEvent = Tick
codec: Codec[ClockEvent] = Codec(ClockEvent)
