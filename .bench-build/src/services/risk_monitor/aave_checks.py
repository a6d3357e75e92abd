"""Aave risk checks: health factor and LTV drift, from the exposure and Aave's oracle."""

from __future__ import annotations

from schemas.exposure import ExposureReport
from schemas.market import MarketSnapshot
from schemas.risk import REBALANCE, REDUCE, Breach
from services.config.onchain import AaveMode
from services.onchain.aave import Account, account


def aave_account(report: ExposureReport, market: MarketSnapshot) -> Account:
    """The Aave account of the exposure's ledger version."""
    return account({h.key: h.amount for h in report.holdings}, market)


def aave_breaches(
    acct: Account,
    mode: AaveMode,
    hf_reduce: float | None,
    target_ltv: float | None,
    drift: float | None,
) -> list[Breach]:
    """HF < 1 -> liquidation, HF < hf_reduce -> reduce, |LTV - target| > drift -> rebalance."""
    out: list[Breach] = []
    hf, ltv = acct.health_factor(mode), acct.ltv()
    if hf is None or ltv is None:
        return out
    if hf < 1.0:
        out.append(
            Breach(
                check="health_factor",
                level="liquidation",
                subject="aave_v3",
                value=hf,
                threshold=1.0,
            )
        )
    if hf_reduce is not None and hf < hf_reduce:
        out.append(
            Breach(
                check="health_factor",
                level=REDUCE,
                subject="aave_v3",
                value=hf,
                threshold=hf_reduce,
            )
        )
    if target_ltv is not None and drift is not None and abs(ltv - target_ltv) > drift:
        out.append(
            Breach(
                check="aave_ltv",
                level=REBALANCE,
                subject="aave_v3",
                value=ltv,
                threshold=target_ltv,
            )
        )
    return out
