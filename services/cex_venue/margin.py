"""Tiered perp margin: maintenance, initial margin and the liquidation point."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from typing import Final

BISECT_ITERATIONS: Final = 80


class TierTable:
    """A venue's maintenance-margin tiers for one symbol.

    Maintenance = notional * rate - deduction, the deduction making it continuous
    across tiers; initial margin is twice maintenance (each tier's top leverage).

    Args:
        tiers: `(max_notional, rate)` pairs, increasing.
    """

    def __init__(self, tiers: Sequence[tuple[float, float]]) -> None:
        if not tiers:
            raise ValueError("a tier table needs at least one tier")
        self.caps = [cap for cap, _ in tiers]
        self.rates = [rate for _, rate in tiers]
        self.deductions: list[float] = []
        deduction, prev_cap, prev_rate = 0.0, 0.0, self.rates[0]
        for cap, rate in tiers:
            deduction += prev_cap * (rate - prev_rate)
            self.deductions.append(deduction)
            prev_cap, prev_rate = cap, rate

    @property
    def max_notional(self) -> float:
        """Largest notional the table allows."""
        return self.caps[-1]

    def maintenance(self, notional: float) -> float:
        """Maintenance margin of a position of `notional` (USDT, non-negative)."""
        i = min(bisect_left(self.caps, notional), len(self.caps) - 1)
        return notional * self.rates[i] - self.deductions[i]

    def initial(self, notional: float) -> float:
        """Initial margin: twice maintenance."""
        return 2.0 * self.maintenance(notional)


def liquidation_fraction(
    balance: float,
    sizes: list[float],
    marks: list[float],
    worst: list[float],
    tables: list[TierTable],
) -> float | None:
    """Where along the path from `marks` to `worst` prices equity meets maintenance.

    Equity at fraction `x` is `balance + sum(size * (p(x) - mark))` with
    `p(x) = mark + x * (worst - mark)`; maintenance is summed over the positions.

    Returns:
        None if equity stays above maintenance all the way to `worst`; else the
        smallest `x` in [0, 1] at which it falls to maintenance (0 if already below).
    """
    if _surplus(1.0, balance, sizes, marks, worst, tables) >= 0.0:
        return None
    if _surplus(0.0, balance, sizes, marks, worst, tables) < 0.0:
        return 0.0
    lo, hi = 0.0, 1.0
    for _ in range(BISECT_ITERATIONS):
        mid = 0.5 * (lo + hi)
        if _surplus(mid, balance, sizes, marks, worst, tables) >= 0.0:
            lo = mid
        else:
            hi = mid
    return hi


def _surplus(
    x: float,
    balance: float,
    sizes: list[float],
    marks: list[float],
    worst: list[float],
    tables: list[TierTable],
) -> float:
    """Equity less maintenance at fraction `x` of the path (see `liquidation_fraction`)."""
    equity = balance
    maintenance = 0.0
    for i in range(len(sizes)):
        size, mark = sizes[i], marks[i]
        price = mark + x * (worst[i] - mark)
        equity += size * (price - mark)
        maintenance += tables[i].maintenance(abs(size) * price)
    return equity - maintenance
