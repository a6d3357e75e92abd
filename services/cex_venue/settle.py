"""Settlement phase of the CEX venue: variation margin and liquidation per venue account."""

from __future__ import annotations

from typing import NamedTuple

from schemas.market import MarketSnapshot
from services.cex_venue.margin import TierTable, liquidation_fraction
from services.valuation.keys import cash, parse_key


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


def settle_account(
    venue: str,
    ledger: dict[str, float],
    perp_keys: list[str],
    previous: MarketSnapshot,
    market: MarketSnapshot,
    tables: dict[str, TierTable],
) -> AccountSettlement | None:
    """Settle a venue's perps from `previous` to `market`, liquidating on the way if the
    hour's adverse extreme (high for shorts, low for longs) breaks maintenance.

    Returns None when the account holds no perp.
    """
    held = [(k, ledger[k]) for k in perp_keys if ledger.get(k, 0.0) != 0.0]
    if not held:
        return None
    instruments = [f"{venue}:perp:{parse_key(k).symbol}" for k, _ in held]
    sizes = [size for _, size in held]
    refs = [previous.prices[i] for i in instruments]
    closes = [market.prices[i] for i in instruments]
    worst = [
        market.highs.get(i, close) if size < 0 else market.lows.get(i, close)
        for i, size, close in zip(instruments, sizes, closes, strict=True)
    ]
    # The path must include the close: a gap can put the close beyond the extreme.
    worst = [
        max(w, c) if size < 0 else min(w, c)
        for w, c, size in zip(worst, closes, sizes, strict=True)
    ]
    balance = ledger.get(cash(venue, "USDT"), 0.0)
    symbol_tables = [tables[parse_key(k).symbol] for k, _ in held]
    x = liquidation_fraction(balance, sizes, refs, worst, symbol_tables)
    marks = closes if x is None else [r + x * (w - r) for r, w in zip(refs, worst, strict=True)]
    moves = [
        PerpMove(key, inst, size, ref, mark)
        for (key, size), inst, ref, mark in zip(held, instruments, refs, marks, strict=True)
    ]
    remaining = balance + sum(m.size * (m.mark - m.reference) for m in moves)
    return AccountSettlement(venue, moves, x is not None, remaining)
