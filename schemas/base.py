"""The envelope every event carries, and the shared constraint aliases."""

from __future__ import annotations

from typing import Annotated

import msgspec

PositiveFloat = Annotated[float, msgspec.Meta(gt=0)]
NonNegativeFloat = Annotated[float, msgspec.Meta(ge=0)]
Fraction = Annotated[float, msgspec.Meta(ge=0, le=1)]
NonNegativeInt = Annotated[int, msgspec.Meta(ge=0)]


class Event(msgspec.Struct, frozen=True, gc=False, kw_only=True, tag_field="type"):
    """Base of every event: the envelope.

    Events, and the structs inside them, are trees of values that never refer back to
    themselves: `gc=False` keeps the cycle collector from tracking them.

    Attributes:
        run_id: the run this event belongs to (the Kafka message key).
        step: simulation step index, 0-based.
        ts: simulation (or venue) time of the step, int ns UTC.
        source: name of the producing actor.
        event_id: unique within the run and deterministic: `source/step/n`, so a
            replayed or redelivered event carries the same id and is de-duplicated.
    """

    run_id: str
    step: int
    ts: int
    source: str
    event_id: str
