"""Topic `carry.positions.snapshots`: the ledger (amounts only) after each change."""

from __future__ import annotations

from typing import Final

import msgspec

from schemas.base import Event
from schemas.codec import Codec
from schemas.topics import POSITIONS
from schemas.triggers import Trigger

TOPIC: Final = POSITIONS

SETTLED: Final = "settled"
"""Phase: the step's settlement triggers are applied; the strategy may trade."""
ORDER: Final = "order"
"""Phase: one order's execution (or rejection) is applied."""
FINAL: Final = "final"
"""Phase: the step is closed after its orders; P&L is computed on this version.

A step whose strategy sent no order has no final snapshot: its `OrdersDone` is based
on the settled snapshot, which is then the step's closing ledger
(`services.runtime.barrier.closes_step`).
"""


class OrderResult(msgspec.Struct, frozen=True, gc=False, kw_only=True):
    """Outcome of the order a snapshot answers: `filled` or `rejected` (with `reason`)."""

    order_id: str
    status: str
    reason: str = ""


class Discrepancy(msgspec.Struct, frozen=True, gc=False, kw_only=True):
    """A `PositionRefresh` balance that differed from the ledger by more than tolerance.

    Attributes:
        key: the position key.
        ledger: the amount the ledger expected.
        venue: the amount the venue reported (applied: the venue is authoritative).
        value: the difference `venue - ledger` in the share class (perps: at notional).
    """

    key: str
    ledger: float
    venue: float
    value: float = 0.0


class PositionSnapshot(Event, frozen=True, kw_only=True, tag="position_snapshot"):
    """The ledger at a version.

    Attributes:
        phase: `settled`, `order` or `final`.
        version: increases by one with every snapshot of the run.
        positions: key -> amount (native units); zero positions are dropped.
        applied: the triggers applied since the previous snapshot, in application order.
        last_order: the order this snapshot answers (phase `order`).
        discrepancies: reconciliation differences found while applying `applied`.
        halted: why new orders are stopped until an operator acknowledges (a
            reconciliation difference above the halt threshold); empty: trading allowed.
    """

    phase: str
    version: int
    positions: dict[str, float]
    applied: list[Trigger] = msgspec.field(default_factory=list)
    last_order: OrderResult | None = None
    discrepancies: list[Discrepancy] = msgspec.field(default_factory=list)
    halted: str = ""


PositionEvent = PositionSnapshot
codec: Codec[PositionEvent] = Codec(PositionEvent)
