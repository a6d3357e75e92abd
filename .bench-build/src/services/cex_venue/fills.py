"""Fill prices and costs of CEX market orders."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple


class Fill(NamedTuple):
    """A simulated market fill.

    Attributes:
        price: fill price (reference moved against the taker by the slippage).
        fee: taker fee in the quote asset.
        slippage: cost of the slippage against the reference, in the quote asset.
    """

    price: float
    fee: float
    slippage: float


def slippage_bps(buckets: Sequence[tuple[float, float]], notional: float) -> float:
    """Bps of the smallest size bucket at least as large as `notional` (the last above)."""
    for size, bps in buckets:
        if notional <= size:
            return bps
    return buckets[-1][1]


def market_fill(
    reference: float,
    quantity: float,
    buy: bool,
    fee_rate: float,
    buckets: Sequence[tuple[float, float]],
    costs: bool,
) -> Fill:
    """Fill `quantity` at `reference` moved by the bucket's slippage, paying `fee_rate`.

    With `costs` off the fill is at the reference with no fee.
    """
    if not costs:
        return Fill(reference, 0.0, 0.0)
    slip = slippage_bps(buckets, quantity * reference) / 10_000.0
    price = reference * (1.0 + slip) if buy else reference * (1.0 - slip)
    return Fill(price, quantity * price * fee_rate, quantity * abs(price - reference))
