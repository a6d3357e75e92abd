"""Settlement phase of the CEX venue: variation margin and liquidation per venue account."""

from __future__ import annotations

from typing import NamedTuple

from schemas.market import MarketSnapshot
from schemas.pnl import FUNDING, PERP_PRICE
from schemas.triggers import PositionDelta
from services.cex_venue.margin import TierTable, liquidation_fraction
from services.valuation.keys import cash


class PerpMove(NamedTuple):
    """One perp's settlement over a step.

    Attributes:
        key: the perp position key.
        instrument: its `prices` key.
        size: signed size held over the step.
        reference: previous mark.
        mark: price settled to (the close, or the liquidation price).
    """

    key: str
    instrument: str
    size: float
    reference: float
    mark: float


class AccountSettlement(NamedTuple):
    """What happened to one venue account over a step."""

    venue: str
    moves: list[PerpMove]
    liquidated: bool
    remaining: float
    """USDT left after variation margin at the liquidation price (lost if liquidated)."""


class Perp(NamedTuple):
    """A perp position key with its `prices` key and its maintenance tiers."""

    key: str
    instrument: str
    table: TierTable


def settle_account(
    venue: str,
    ledger: dict[str, float],
    perps: list[Perp],
    previous: MarketSnapshot,
    market: MarketSnapshot,
) -> AccountSettlement | None:
    """Settle a venue's perps from `previous` to `market`, liquidating on the way if the
    hour's adverse extreme (high for shorts, low for longs) breaks maintenance.

    Returns None when the account holds no perp.
    """
    held = [(p, ledger[p.key]) for p in perps if ledger.get(p.key, 0.0) != 0.0]
    if not held:
        return None
    prices, highs, lows = market.prices, market.highs, market.lows
    sizes: list[float] = []
    refs: list[float] = []
    closes: list[float] = []
    worst: list[float] = []
    for p, size in held:
        close = prices[p.instrument]
        # The path must include the close: a gap can put the close beyond the extreme.
        if size < 0:
            worst.append(max(highs.get(p.instrument, close), close))
        else:
            worst.append(min(lows.get(p.instrument, close), close))
        sizes.append(size)
        refs.append(previous.prices[p.instrument])
        closes.append(close)
    balance = ledger.get(cash(venue, "USDT"), 0.0)
    x = liquidation_fraction(balance, sizes, refs, worst, [p.table for p, _ in held])
    marks = closes if x is None else [r + x * (w - r) for r, w in zip(refs, worst, strict=True)]
    moves = [
        PerpMove(p.key, p.instrument, size, ref, mark)
        for (p, size), ref, mark in zip(held, refs, marks, strict=True)
    ]
    remaining = balance + sum(m.size * (m.mark - m.reference) for m in moves)
    return AccountSettlement(venue, moves, x is not None, remaining)


def m2m_fields(
    venue: str,
    instrument: str,
    kind: str,
    size: float,
    mark: float,
    amount: float,
    rate: float = 0.0,
    reference: float = 0.0,
) -> dict[str, object]:
    """The fields of an `M2MSettlement` posting `amount` USDT to `venue` (funding or
    variation margin), simulated or read from a venue."""
    return {
        "deltas": [PositionDelta(cash(venue, "USDT"), amount)],
        "venue": venue,
        "instrument": instrument,
        "kind": kind,
        "size": size,
        "mark": mark,
        "reference": reference,
        "rate": rate,
        "amount": amount,
        "cause": FUNDING if kind == "funding" else PERP_PRICE,
    }
