"""Topic `carry.market`: everything the market tells the simulation at one step."""

from __future__ import annotations

from typing import Final

import msgspec

from schemas.base import Event
from schemas.codec import Codec
from schemas.topics import MARKET

TOPIC: Final = MARKET


class MarketSnapshot(Event, frozen=True, kw_only=True, tag="market_snapshot"):
    """The market at a step.

    Instrument keys are `venue:kind:symbol` (`binance:spot:BTCUSDT`, `okx:perp:BTCUSDT`).

    Attributes:
        prices: hourly close per instrument (perp close doubles as the mark price).
        highs: the hour's high per perp instrument (intrabar liquidation checks).
        lows: the hour's low per perp instrument.
        funding: per-period funding rate per perp instrument, present only at the
            step where that venue settles (00:00, 08:00, 16:00 UTC).
        indices: Aave reserve state: `aave:<ASSET>:liquidity_index`, `:borrow_index`,
            `:liquidity_rate`, `:borrow_rate` (annual rates, normalised indices).
        oracle: oracle prices, `USDT/USD`, `WETH/USD`, `weETH/ETH`, ...
        filled: names of series whose value at this step was carried from an earlier
            observation (within the configured staleness limit).
        pegs: market price of each LST in ETH (`weETH/ETH`), where the data has it;
            exits by market sale pay its discount to the protocol rate.
        gas_gwei: Ethereum gas price this hour, gwei.
        funding_now: live runs: each perp's current (next-period) funding rate.
        next_funding: live runs: each perp's next funding time, int ns UTC.
    """

    prices: dict[str, float]
    highs: dict[str, float] = msgspec.field(default_factory=dict)
    lows: dict[str, float] = msgspec.field(default_factory=dict)
    funding: dict[str, float] = msgspec.field(default_factory=dict)
    indices: dict[str, float] = msgspec.field(default_factory=dict)
    oracle: dict[str, float] = msgspec.field(default_factory=dict)
    filled: list[str] = msgspec.field(default_factory=list)
    pegs: dict[str, float] = msgspec.field(default_factory=dict)
    gas_gwei: float = 0.0
    funding_now: dict[str, float] = msgspec.field(default_factory=dict)
    next_funding: dict[str, int] = msgspec.field(default_factory=dict)


MarketEvent = MarketSnapshot
codec: Codec[MarketEvent] = Codec(MarketEvent)
