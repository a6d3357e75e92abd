"""An Aave v3 account: balances from scaled amounts, health factor, LTV, liquidation.

Balances: supplied = scaled * liquidity index, owed = scaled debt * borrow index.
Values use Aave's oracle: USDT/USD, WETH/USD, and an LST at its exchange rate times
WETH/USD (how Aave prices weETH and wstETH). As in Aave's GenericLogic, the account's
liquidation threshold and maximum LTV are the collateral-weighted averages of its
reserves' (the e-mode category's for reserves in it when the account is in e-mode),
rounded down to whole basis points; HF = collateral * threshold / debt.
"""

from __future__ import annotations

import math
from typing import Final, NamedTuple

from schemas.market import MarketSnapshot
from services.config.onchain import AaveConfig, AaveMode
from services.valuation.keys import parse_key
from services.valuation.valuer import LSTS

RESERVES = ("USDT", "WETH", "weETH", "wstETH")
BPS: Final = 10_000


def oracle_usd(reserve: str, market: MarketSnapshot) -> float:
    """Aave's USD price of one unit of `reserve`."""
    if reserve == "USDT":
        return market.oracle["USDT/USD"]
    eth = market.oracle["WETH/USD"]
    if reserve in LSTS:
        return market.indices[f"lst:{reserve}/ETH"] * eth
    return eth


class AaveRisk:
    """How Aave weighs one account: per-reserve parameters, e-mode, close factor.

    Args:
        config: the market's parameters.
        emode: whether the account is in the e-mode category.
    """

    def __init__(self, config: AaveConfig, emode: bool) -> None:
        self.config = config
        self.emode = emode

    def params(self, reserve: str) -> AaveMode:
        """LTV, liquidation threshold and bonus of `reserve` for this account."""
        return self.config.mode(reserve, self.emode)

    def close_factor(self, health_factor: float) -> float:
        """Share of a debt one liquidation may repay at `health_factor`."""
        c = self.config
        return c.close_factor if health_factor > c.close_factor_hf else c.close_factor_max

    def with_emode(self, emode: bool) -> AaveRisk:
        """The same market for an account in (or out of) e-mode."""
        return AaveRisk(self.config, emode)


class Position(NamedTuple):
    """One reserve position of the account."""

    key: str
    reserve: str
    scaled: float
    amount: float
    usd: float


def _weighted_bps(positions: list[Position], values: list[float]) -> float:
    """Aave's collateral-weighted average of `values` (fractions), floored to whole bps."""
    used = [(p.usd, v) for p, v in zip(positions, values, strict=True) if p.usd > 0]
    total = sum(usd for usd, _ in used)
    if not total:
        return 0.0
    if len({v for _, v in used}) == 1:
        return used[0][1]
    avg = sum(usd * round(v * BPS) for usd, v in used) / total
    return math.floor(avg + 1e-9) / BPS


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

    def liquidation_threshold(self, risk: AaveRisk) -> float:
        """The account's liquidation threshold (0 without collateral)."""
        lts = [risk.params(p.reserve).liquidation_threshold for p in self.collateral]
        return _weighted_bps(self.collateral, lts)

    def max_ltv(self, risk: AaveRisk) -> float:
        """The account's maximum LTV (0 without collateral)."""
        ltvs = [risk.params(p.reserve).ltv for p in self.collateral]
        return _weighted_bps(self.collateral, ltvs)

    def health_factor(self, risk: AaveRisk) -> float | None:
        """HF, or None without debt."""
        if self.debt_usd <= 0.0:
            return None
        return self.collateral_usd * self.liquidation_threshold(risk) / self.debt_usd

    def ltv(self) -> float | None:
        """Debt / collateral, or None without debt."""
        if self.debt_usd <= 0.0:
            return None
        return self.debt_usd / self.collateral_usd if self.collateral_usd else float("inf")

    def reserve(self, key: str) -> Position | None:
        """The position held under `key`, if any."""
        return next((p for p in (*self.collateral, *self.debts) if p.key == key), None)


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


def emode_refusal(acct: Account, current: AaveRisk, target: AaveRisk) -> str | None:
    """Why Aave refuses to move the account from `current`'s mode to `target`'s, or None.

    Entering e-mode needs every borrowed reserve in the category; leaving it (or changing
    category) needs the health factor at least 1 in the new mode.
    """
    if target.emode:
        outside = sorted(
            p.reserve
            for p in acct.debts
            if p.amount > 0 and not target.config.reserves[p.reserve].emode
        )
        if outside:
            return (
                f"borrowed {', '.join(outside)} outside e-mode category "
                f"{target.config.emode.label!r}"
            )
    if current.emode:
        hf = acct.health_factor(target)
        if hf is not None and hf < 1.0:
            return f"health factor {hf:.4f} would be below 1"
    return None
