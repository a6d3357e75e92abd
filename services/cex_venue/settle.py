"""Settlement phase of the CEX venue: variation margin and liquidation per venue account."""

from __future__ import annotations

from schemas.market import MarketSnapshot
from schemas.pnl import FUNDING, PERP_PRICE
from schemas.triggers import PositionDelta
from services.cex_venue.margin import TierTable, liquidation_fraction
from services.valuation.keys import cash


class PerpMove:
    """One perp's settlement over a step.

    Attributes:
        key: the perp position key.
        instrument: its `prices` key.
        size: signed size held over the step.
        reference: previous mark.
        mark: price settled to (the close, or the liquidation price).
    """

    def __init__(self, key: str, instrument: str, size: float, reference: float, mark: float):
        self.key = key
        self.instrument = instrument
        self.size = size
        self.reference = reference
        self.mark = mark


class AccountSettlement:
    """What happened to one venue account over a step.

    Attributes:
        venue: the venue.
        moves: one per perp held.
        liquidated: whether the hour's path broke maintenance.
        remaining: USDT left after variation margin at the liquidation price (lost if
            liquidated).
    """

    def __init__(self, venue: str, moves: list[PerpMove], liquidated: bool, remaining: float):
        self.venue = venue
        self.moves = moves
        self.liquidated = liquidated
        self.remaining = remaining


class Perp:
    """A perp position key with its `prices` key and its maintenance tiers."""

    def __init__(self, key: str, instrument: str, table: TierTable) -> None:
        self.key = key
        self.instrument = instrument
        self.table = table


class Account:
    """A venue account's settlement inputs: its USDT key and its perps (sorted by key)."""

    def __init__(self, venue: str, perps: list[Perp]) -> None:
        self.venue = venue
        self.usdt = cash(venue, "USDT")
        self.perps = perps


def settle_account(
    account: Account,
    ledger: dict[str, float],
    previous: MarketSnapshot,
    market: MarketSnapshot,
) -> AccountSettlement | None:
    """Settle a venue's perps from `previous` to `market`, liquidating on the way if the
    hour's adverse extreme (high for shorts, low for longs) breaks maintenance.

    Returns None when the account holds no perp.
    """
    prices, highs, lows, before = market.prices, market.highs, market.lows, previous.prices
    held: list[Perp] = []
    sizes: list[float] = []
    refs: list[float] = []
    closes: list[float] = []
    worst: list[float] = []
    for p in account.perps:
        size = ledger.get(p.key, 0.0)
        if size == 0.0:
            continue
        instrument = p.instrument
        close = prices[instrument]
        # The path must include the close: a gap can put the close beyond the extreme.
        if size < 0:
            worst.append(max(highs.get(instrument, close), close))
        else:
            worst.append(min(lows.get(instrument, close), close))
        held.append(p)
        sizes.append(size)
        refs.append(before[instrument])
        closes.append(close)
    if not held:
        return None
    balance = ledger.get(account.usdt, 0.0)
    x = liquidation_fraction(balance, sizes, refs, worst, [p.table for p in held])
    marks = closes if x is None else [r + x * (w - r) for r, w in zip(refs, worst, strict=True)]
    moves: list[PerpMove] = []
    change = 0.0
    for i, p in enumerate(held):
        size, ref, mark = sizes[i], refs[i], marks[i]
        moves.append(PerpMove(p.key, p.instrument, size, ref, mark))
        change += size * (mark - ref)
    return AccountSettlement(account.venue, moves, x is not None, balance + change)


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
