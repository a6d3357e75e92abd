"""An Aave v3 account: balances from scaled amounts, health factor, LTV, liquidation.

Balances: supplied = scaled * liquidity index, owed = scaled debt * borrow index.
Values use Aave's oracle: USDT/USD, WETH/USD, and an LST at its exchange rate times
WETH/USD (how Aave prices weETH and wstETH). HF = sum(collateral * LT) / sum(debt).
"""

from __future__ import annotations

from typing import NamedTuple

from schemas.market import MarketSnapshot
from services.config.onchain import AaveMode
from services.valuation.keys import parse_key
from services.valuation.valuer import LSTS

RESERVES = ("USDT", "WETH", "weETH", "wstETH")


def oracle_usd(reserve: str, market: MarketSnapshot) -> float:
    """Aave's USD price of one unit of `reserve`."""
    if reserve == "USDT":
        return market.oracle["USDT/USD"]
    eth = market.oracle["WETH/USD"]
    if reserve in LSTS:
        return market.indices[f"lst:{reserve}/ETH"] * eth
    return eth


class Position(NamedTuple):
    """One reserve position of the account."""

    key: str
    reserve: str
    scaled: float
    amount: float
    usd: float


class Account(NamedTuple):
    """The Aave account at one market.

    Attributes:
        collateral: supplied positions.
        debts: borrowed positions.
        collateral_usd: total collateral value.
        debt_usd: total debt value.
    """

    collateral: list[Position]
    debts: list[Position]
    collateral_usd: float
    debt_usd: float

    def health_factor(self, mode: AaveMode) -> float | None:
        """HF, or None without debt."""
        if self.debt_usd <= 0.0:
            return None
        return self.collateral_usd * mode.liquidation_threshold / self.debt_usd

    def ltv(self) -> float | None:
        """Debt / collateral, or None without debt."""
        if self.debt_usd <= 0.0:
            return None
        return self.debt_usd / self.collateral_usd if self.collateral_usd else float("inf")


NO_ACCOUNT = Account([], [], 0, 0)
"""The account of a ledger without Aave positions (what `account` returns for it)."""


def account(ledger: dict[str, float], market: MarketSnapshot) -> Account:
    """Read the Aave account out of a ledger."""
    collateral: list[Position] = []
    debts: list[Position] = []
    for key in sorted(ledger):
        venue, kind, symbol = parse_key(key)
        if venue != "aave_v3":
            continue
        scaled = ledger[key]
        if kind == "aToken":
            reserve = symbol.removeprefix("a")
            amount = scaled * market.indices[f"aave:{reserve}:liquidity_index"]
            collateral.append(
                Position(key, reserve, scaled, amount, amount * oracle_usd(reserve, market))
            )
        elif kind == "debtToken":
            reserve = symbol.removeprefix("debt")
            amount = scaled * market.indices[f"aave:{reserve}:borrow_index"]
            debts.append(
                Position(key, reserve, scaled, amount, amount * oracle_usd(reserve, market))
            )
    return Account(collateral, debts, sum(p.usd for p in collateral), sum(p.usd for p in debts))
