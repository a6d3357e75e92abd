"""One Aave v3 liquidation call, as LiquidationLogic computes it.

Allowed below HF 1. The liquidator repays up to the close factor of the user's debt in
one reserve (50 %, or 100 % at HF <= 0.95) and receives collateral of one reserve worth
the repaid debt times (1 + bonus), where the bonus is the collateral's (the e-mode
category's when the account and the collateral are in it). If the user holds less
collateral than that, all of it is seized and only the debt it covers is repaid. Aave
keeps `liquidation_protocol_fee` of the bonus part for its treasury.
"""

from __future__ import annotations

from typing import NamedTuple

from schemas.market import MarketSnapshot
from schemas.triggers import PositionDelta
from services.onchain.aave import AaveRisk, Account, account, oracle_usd


class Liquidation(NamedTuple):
    """The outcome of one liquidation call, in native units of each reserve.

    Attributes:
        debt_reserve: the reserve repaid.
        collateral_reserve: the reserve seized.
        repaid: debt repaid by the liquidator.
        seized: collateral the user loses.
        protocol_fee: the part of `seized` that goes to Aave's treasury.
        health_factor: the user's HF before the call.
        close_factor: the share of the debt the call could repay.
        deltas: the user's ledger changes (scaled debt, scaled collateral).
    """

    debt_reserve: str
    collateral_reserve: str
    repaid: float
    seized: float
    protocol_fee: float
    health_factor: float
    close_factor: float
    deltas: list[PositionDelta]

    @property
    def to_liquidator(self) -> float:
        """Collateral the liquidator receives."""
        return self.seized - self.protocol_fee


def liquidation(
    ledger: dict[str, float],
    market: MarketSnapshot,
    risk: AaveRisk,
    debt_reserve: str | None = None,
    collateral_reserve: str | None = None,
    debt_to_cover: float = float("inf"),
) -> tuple[Liquidation, Account] | None:
    """The liquidation call, or None if the account is not liquidatable (HF >= 1, or no
    such debt or collateral). Without reserves named, the largest debt and collateral."""
    acct = account(ledger, market)
    hf = acct.health_factor(risk)
    debts = [p for p in acct.debts if p.amount > 0]
    colls = [p for p in acct.collateral if p.amount > 0]
    if hf is None or hf >= 1.0 or not debts or not colls:
        return None
    owed = (
        max(debts, key=lambda p: p.usd)
        if debt_reserve is None
        else next((p for p in debts if p.reserve == debt_reserve), None)
    )
    coll = (
        max(colls, key=lambda p: p.usd)
        if collateral_reserve is None
        else next((p for p in colls if p.reserve == collateral_reserve), None)
    )
    if owed is None or coll is None:
        return None
    close = risk.close_factor(hf)
    params = risk.params(coll.reserve)
    bonus = 1.0 + params.liquidation_bonus
    debt_price, coll_price = oracle_usd(owed.reserve, market), oracle_usd(coll.reserve, market)
    repaid = min(debt_to_cover, owed.amount * close)
    seized = repaid * debt_price / coll_price * bonus
    if seized > coll.amount:
        seized = coll.amount
        repaid = seized * coll_price / debt_price / bonus
    fee = (seized - seized / bonus) * risk.config.reserves[coll.reserve].liquidation_protocol_fee
    liq_index = market.indices[f"aave:{coll.reserve}:liquidity_index"]
    bor_index = market.indices[f"aave:{owed.reserve}:borrow_index"]
    # Repaying all of the debt, or seizing all of the collateral, closes it exactly.
    deltas = [
        PositionDelta(owed.key, -owed.scaled if repaid >= owed.amount else -repaid / bor_index),
        PositionDelta(coll.key, -coll.scaled if seized >= coll.amount else -seized / liq_index),
    ]
    return Liquidation(owed.reserve, coll.reserve, repaid, seized, fee, hf, close, deltas), acct
