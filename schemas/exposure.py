"""Topic `carry.exposure`: the ledger valued in USD and in the share class."""

from __future__ import annotations

from typing import Final

import msgspec

from schemas.base import Event
from schemas.codec import Codec
from schemas.topics import EXPOSURE

TOPIC: Final = EXPOSURE


class Holding(msgspec.Struct, frozen=True, gc=False, kw_only=True):
    """One position valued.

    Attributes:
        key: the position key.
        amount: native amount (scaled balance for aTokens and debt tokens).
        asset: the underlying asset the position is exposed to (`BTC`, `USDT`, `ETH`).
        price: share-class value of one unit of `amount` (0 for perps: their P&L is
            settled into the venue balance every step).
        value: share-class value (`amount * price`).
        value_usd: USD value.
        delta: exposure in units of `asset` (perps: signed size).
        notional: share-class notional of a perp (`|size| * mark`), else 0.
    """

    key: str
    amount: float
    asset: str
    price: float
    value: float
    value_usd: float
    delta: float
    notional: float = 0.0


class ExposureReport(Event, frozen=True, kw_only=True, tag="exposure_report"):
    """Exposure at a ledger version.

    Attributes:
        phase: the snapshot phase this values (`settled`, `order`, `final`).
        version: the ledger version.
        share_class: `USDT` or `ETH`.
        equity: share-class value of all positions.
        equity_usd: USD value of all positions.
        holdings: every non-zero position, sorted by key.
        net_delta: net exposure per non-share-class asset, in asset units.
        gross: share-class gross exposure of the risky legs (spot, LST, perps notional).
        net_delta_value: share-class value of the net delta (`sum(delta * asset price)`).
        asset_prices: share-class price of each asset the run values.
        gas_gwei: the step's gas price (strategies size gas-sensitive actions with it).
    """

    phase: str
    version: int
    share_class: str
    equity: float
    equity_usd: float
    holdings: list[Holding]
    net_delta: dict[str, float]
    gross: float
    net_delta_value: float = 0.0
    asset_prices: dict[str, float] = msgspec.field(default_factory=dict)
    gas_gwei: float = 0.0


ExposureEvent = ExposureReport
codec: Codec[ExposureEvent] = Codec(ExposureEvent)
