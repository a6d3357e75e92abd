"""The seeded random actions the verification drives through both sides.

Each action is chosen from the chain's state just before it, so that amounts are
meaningful: borrows are a fraction of what the account may borrow (sometimes more, to
be refused), withdrawals and repayments a fraction of the position or all of it, price
shocks sized to push the health factor to a chosen level below 1. Amounts stay a few
per cent away from each limit, where integer and float rounding could fall either way.
"""

from __future__ import annotations

import random
from typing import NamedTuple

from services.chain.market import MAX_UINT, AccountData, Holdings

PRICE_UNIT = 10**8
BASE_PRICES = {"USDT": 1.0, "WETH": 3000.0, "weETH": 3150.0, "wstETH": 3600.0}
"""Starting USD prices; the LSTs are the WETH price times 1.05 and 1.2."""
DUST_UNITS = 1000
"""Balances of at most this many smallest units are remainders the contracts' rounding
leaves after a liquidation seizes a position: no action is drawn on them."""


class Action(NamedTuple):
    """One step of the sequence.

    Attributes:
        kind: `supply`, `withdraw`, `borrow`, `repay`, `emode`, `jump`, `price`,
            `liquidate`.
        symbol: the reserve (the debt reserve of a liquidation).
        amount: smallest units (`MAX_UINT`: all of it), seconds for a jump, the e-mode
            category for `emode`.
        collateral: the collateral reserve of a liquidation.
        prices: new oracle answers (8 decimals of USD) for `price`.
    """

    kind: str
    symbol: str = ""
    amount: int = 0
    collateral: str = ""
    prices: dict[str, int] = {}  # noqa: RUF012 - never mutated

    def describe(self) -> str:
        """A short human-readable form."""
        if self.kind == "jump":
            return f"jump {self.amount / 3600:.1f} h"
        if self.kind == "price":
            moved = ", ".join(f"{s} {p / PRICE_UNIT:.4f}" for s, p in sorted(self.prices.items()))
            return f"price {moved}"
        if self.kind == "emode":
            return f"e-mode {self.amount}"
        amount = "all" if self.amount == MAX_UINT else str(self.amount)
        if self.kind == "liquidate":
            return f"liquidate {self.symbol} debt for {self.collateral}, {amount}"
        return f"{self.kind} {amount} {self.symbol}"


class State(NamedTuple):
    """What the generator sees: the user's chain state before the action."""

    holdings: Holdings
    account: AccountData
    prices: dict[str, int]
    decimals: dict[str, int]
    emode: int
    thresholds: dict[str, float]


def _units(usd: float, symbol: str, s: State) -> int:
    return int(usd * PRICE_UNIT / s.prices[symbol] * 10 ** s.decimals[symbol])


def _fraction(rng: random.Random, amount: int, full: float) -> int:
    """All of `amount` with probability `full`, else 5-90 % of it."""
    if rng.random() < full:
        return MAX_UINT
    return max(1, int(amount * rng.uniform(0.05, 0.9)))


def next_action(rng: random.Random, s: State) -> Action:
    """Draw the next action."""
    hf = s.account.health_factor / 1e18 if s.account.debt_base else float("inf")
    supplied = [k for k, v in s.holdings.supplied.items() if v > DUST_UNITS]
    owed = [k for k, v in s.holdings.owed.items() if v > DUST_UNITS]
    symbols = sorted(s.prices)
    if hf < 1.0 and rng.random() < 0.7:
        return _liquidation(rng, s, supplied, owed)
    kind = rng.choices(
        ["supply", "withdraw", "borrow", "repay", "emode", "jump", "price", "shock", "probe"],
        weights=[18, 10, 18, 12, 5, 14, 12, 6 if owed else 0, 5 if owed else 0],
    )[0]
    if kind == "supply" or (kind == "withdraw" and not supplied):
        symbol = rng.choice(symbols)
        return Action("supply", symbol, _units(rng.uniform(500, 200_000), symbol, s))
    if kind == "withdraw":
        symbol = rng.choice(sorted(supplied))
        return Action("withdraw", symbol, _fraction(rng, s.holdings.supplied[symbol], 0.25))
    if kind == "borrow":
        symbol = rng.choice(symbols)
        room = s.account.available_borrows_base / PRICE_UNIT
        factor = rng.uniform(1.03, 1.5) if rng.random() < 0.15 else rng.uniform(0.1, 0.97)
        return Action("borrow", symbol, max(1, _units(max(room, 100.0) * factor, symbol, s)))
    if kind == "repay" and owed:
        symbol = rng.choice(sorted(owed))
        return Action("repay", symbol, _fraction(rng, s.holdings.owed[symbol], 0.3))
    if kind == "emode":
        return Action("emode", amount=0 if s.emode else 1)
    if kind == "shock":
        return _shock(rng, s, hf)
    if kind == "probe":
        return _liquidation(rng, s, supplied, owed)
    if kind == "price":
        return _walk(rng, s)
    seconds = rng.randint(60, 72 * 3600) if rng.random() < 0.85 else rng.randint(30, 180) * 86400
    return Action("jump", amount=seconds)


def _liquidation(rng: random.Random, s: State, supplied: list[str], owed: list[str]) -> Action:
    if not supplied or not owed:
        return Action("jump", amount=3600)
    debt, coll = rng.choice(sorted(owed)), rng.choice(sorted(supplied))
    amount = (
        MAX_UINT
        if rng.random() < 0.7
        else max(1, int(s.holdings.owed[debt] * rng.uniform(0.05, 0.4)))
    )
    return Action("liquidate", debt, amount, collateral=coll)


def _walk(rng: random.Random, s: State) -> Action:
    """A random move of ETH (the LSTs follow it at their rates), an LST rate or USDT."""
    prices = dict(s.prices)
    eth = prices["WETH"]
    which = rng.choice(["WETH", "WETH", "weETH", "wstETH", "USDT"])
    if which == "WETH":
        moved = _bounded(eth * rng.lognormvariate(0, 0.05), "WETH")
        for lst in ("weETH", "wstETH"):
            prices[lst] = int(prices[lst] * moved / eth)
        prices["WETH"] = moved
    elif which == "USDT":
        prices["USDT"] = _bounded(prices["USDT"] * rng.uniform(0.995, 1.005), "USDT")
    else:
        prices[which] = _bounded(prices[which] * rng.lognormvariate(0, 0.004), which)
    return Action("price", prices={k: v for k, v in prices.items() if v != s.prices[k]})


def _bounded(units: float, symbol: str) -> int:
    base = BASE_PRICES[symbol] * PRICE_UNIT
    return int(min(max(units, 0.3 * base), 3.0 * base))


def _shock(rng: random.Random, s: State, hf: float) -> Action:
    """Move one price so that the health factor lands at a chosen level below 1.

    With C = sum of collateral * threshold and D = debt, moving asset k's price by f
    gives HF(f) = (C + c_k lt_k (f - 1)) / (D + d_k (f - 1)); solved for HF(f) = target.
    """
    target = rng.uniform(0.88, 0.995)
    debt = s.account.debt_base
    if hf == float("inf") or not debt:
        return _walk(rng, s)
    weighted = hf * debt
    moves = {}
    for k in sorted(s.prices):
        unit = 10 ** s.decimals[k]
        c = s.holdings.supplied[k] * s.prices[k] / unit * s.thresholds[k]
        d = s.holdings.owed[k] * s.prices[k] / unit
        slope = c - target * d
        if slope:
            f = 1.0 + (target * debt - weighted) / slope
            if 0.3 <= f <= 3.0 and (c or d):
                moves[k] = f
    if not moves:
        return _walk(rng, s)
    k = rng.choice(sorted(moves))
    return Action("price", prices={k: max(1, int(s.prices[k] * moves[k]))})
