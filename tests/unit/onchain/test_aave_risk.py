"""Aave's account rules as the real contracts apply them (per-reserve thresholds, close
factor, liquidation bonus and protocol fee, e-mode), on hand-computed accounts."""

from __future__ import annotations

import pytest

from schemas.orders import LendingOrder
from services.aave_venue.liquidation import liquidation
from services.aave_venue.ops import AaveOps, Rejection
from services.config.onchain import load_onchain
from services.onchain.aave import AaveRisk, account, emode_refusal
from tests.stubs import envelope, market

AAVE = load_onchain().aave
STANDARD, EMODE = AaveRisk(AAVE, emode=False), AaveRisk(AAVE, emode=True)


def _market(weth_usd: float = 2000.0, usdt: float = 1.0):
    idx = {
        f"aave:{s}:{k}": 1.0
        for s in ("USDT", "WETH", "weETH")
        for k in ("liquidity_index", "borrow_index")
    }
    return market(
        0, indices={**idx, "lst:weETH/ETH": 1.05}, oracle={"WETH/USD": weth_usd, "USDT/USD": usdt}
    )


def test_threshold_is_the_collateral_weighted_average_floored_to_whole_bps() -> None:
    # $2,000 of WETH at 83 % and $1,000 of USDT at 78 %: 8133.33 bps -> 8133.
    ledger = {"aave_v3:aToken:aWETH": 1.0, "aave_v3:aToken:aUSDT": 1000.0}
    acct = account(ledger, _market())
    assert acct.liquidation_threshold(STANDARD) == 0.8133
    assert acct.max_ltv(STANDARD) == pytest.approx(0.7866)  # (2000*8050 + 1000*7500)/3000


def test_emode_uses_the_category_for_its_reserves_only() -> None:
    ledger = {"aave_v3:aToken:aweETH": 1.0, "aave_v3:aToken:aUSDT": 2100.0}
    acct = account(ledger, _market())
    # weETH ($2,100) at the category's 95 %, USDT ($2,100) at its own 78 %.
    assert acct.liquidation_threshold(EMODE) == 0.865


def _liquidatable(weth_usd: float) -> dict[str, float]:
    return {"aave_v3:aToken:aWETH": 1.0, "aave_v3:debtToken:debtUSDT": 0.8 * 2000.0 * 0.99}


def test_close_factor_is_half_above_hf_095_and_all_below() -> None:
    ledger = _liquidatable(2000.0)
    above = _market(weth_usd=1930.0)  # HF = 1930 * 0.83 / 1584 = 1.011 -> not liquidatable
    assert liquidation(ledger, above, STANDARD) is None
    half = _market(weth_usd=1850.0)  # HF 0.969
    liq, _ = liquidation(ledger, half, STANDARD)
    assert liq.close_factor == 0.5
    assert liq.repaid == pytest.approx(0.5 * 1584.0)
    full = _market(weth_usd=1600.0)  # HF 0.838: 100 %, limited by the collateral
    liq, _ = liquidation(ledger, full, STANDARD)
    assert liq.close_factor == 1.0
    assert liq.seized == pytest.approx(1.0)
    assert liq.repaid == pytest.approx(1600.0 / 1.05)
    assert liq.deltas[1].amount == -1.0  # all of the collateral: closed exactly


def test_protocol_fee_is_its_share_of_the_bonus_part_of_the_seized_collateral() -> None:
    liq, _ = liquidation(_liquidatable(2000.0), _market(weth_usd=1850.0), STANDARD)
    seized = 0.5 * 1584.0 / 1850.0 * 1.05
    assert liq.seized == pytest.approx(seized)
    assert liq.protocol_fee == pytest.approx((seized - seized / 1.05) * 0.10)
    assert liq.to_liquidator == pytest.approx(seized - liq.protocol_fee)


def test_entering_emode_with_a_debt_outside_the_category_is_refused() -> None:
    ledger = {"aave_v3:aToken:aweETH": 1.0, "aave_v3:debtToken:debtUSDT": 100.0}
    refused = emode_refusal(account(ledger, _market()), STANDARD, EMODE)
    assert refused is not None
    assert "USDT" in refused
    eth_debt = {"aave_v3:aToken:aweETH": 1.0, "aave_v3:debtToken:debtWETH": 0.9}
    assert emode_refusal(account(eth_debt, _market()), STANDARD, EMODE) is None
    # Leaving e-mode at 90 % LTV on weETH: HF 0.85 / 0.857 < 1 in the standard mode.
    assert "below 1" in emode_refusal(account(eth_debt, _market()), EMODE, STANDARD)


def test_an_account_in_emode_cannot_borrow_outside_the_category() -> None:
    order = LendingOrder(
        **envelope(0, "strategy"),
        order_id="0/0",
        action="entry_partial",
        venue="aave_v3",
        based_on=0,
        operation="borrow",
        asset="USDT",
        amount=10.0,
    )
    result = AaveOps(EMODE, None).lending(order, {"aave_v3:aToken:aweETH": 1.0}, _market())
    assert isinstance(result, Rejection)
    assert "e-mode" in result.reason
    assert not isinstance(
        AaveOps(STANDARD, None).lending(order, {"aave_v3:aToken:aweETH": 1.0}, _market()), Rejection
    )
