"""Intents shared by the USDT-margined hedges (basis and hedged staking modes):
moving margin between the wallet and the perp venues, resizing the shorts, and the
cost of buying spot on a CEX."""

from __future__ import annotations

from collections.abc import Callable

from schemas.orders import PerpOrder, TransferOrder
from services.cex_venue.fills import slippage_bps
from services.config.venues import VenueConfig
from services.strategies.base import Book, Intent, OrderSpec
from services.valuation.keys import WALLET, cash, perp

Amount = Callable[[Book], float]


def spot_unit_cost(venue: VenueConfig, notional: float, costs: bool) -> float:
    """Cost of buying one USDT of spot in a trade of `notional`, beyond the USDT itself
    (slippage, then the taker fee)."""
    if not costs:
        return 0.0
    slip = slippage_bps(venue.slippage_buckets, notional) / 10_000.0
    return (1.0 + slip) * (1.0 + venue.spot_taker_fee) - 1.0


def margin_out(venue: str, target: Amount, minimum: float) -> Intent:
    """Withdraw the venue's USDT above `target` to the wallet."""

    def intent(book: Book) -> OrderSpec | None:
        excess = book.amount(cash(venue, "USDT")) - target(book)
        if excess < minimum:
            return None
        return OrderSpec(
            TransferOrder,
            venue,
            {"asset": "USDT", "from_account": venue, "to_account": WALLET, "amount": excess},
        )

    return intent


def margin_in(venue: str, target: Amount, spare: Amount, minimum: float) -> Intent:
    """Top the venue's USDT up to `target` from the wallet's `spare` USDT."""

    def intent(book: Book) -> OrderSpec | None:
        amount = min(target(book) - book.amount(cash(venue, "USDT")), spare(book))
        if amount < minimum:
            return None
        return OrderSpec(
            TransferOrder,
            venue,
            {"asset": "USDT", "from_account": WALLET, "to_account": venue, "amount": amount},
        )

    return intent


def resize_short(venue: str, asset: str, share: float, exposure: Amount, minimum: float) -> Intent:
    """Set the venue's `asset` perp to `-exposure * share` (base units)."""
    symbol = f"{asset}USDT"

    def intent(book: Book) -> OrderSpec | None:
        change = -exposure(book) * share - book.amount(perp(venue, symbol))
        if abs(change) * book.asset_price(asset) < minimum:
            return None
        side = "buy" if change > 0 else "sell"
        return OrderSpec(
            PerpOrder, venue, {"symbol": symbol, "side": side, "quantity": abs(change)}
        )

    return intent
