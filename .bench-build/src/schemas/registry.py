"""Topic name -> codec, for transports that encode (the Kafka bus, the run recorder)."""

from __future__ import annotations

from typing import Any

from schemas import clock, control, exposure, market, orders, pnl, positions, risk, triggers
from schemas.codec import Codec

CODECS: dict[str, Codec[Any]] = {
    control.TOPIC: control.codec,
    clock.TOPIC: clock.codec,
    market.TOPIC: market.codec,
    triggers.TOPIC: triggers.codec,
    orders.TOPIC: orders.codec,
    positions.TOPIC: positions.codec,
    exposure.TOPIC: exposure.codec,
    risk.TOPIC: risk.codec,
    pnl.TOPIC: pnl.codec,
}
