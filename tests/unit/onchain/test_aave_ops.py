"""Aave: index accounting, LTV refusals, the flash loop, liquidation."""

from __future__ import annotations

import pytest

from schemas.orders import FlashLoopOrder, LendingOrder
from services.aave_venue.ops import AaveOps, Rejection
from services.config.onchain import load_onchain
from services.onchain.aave import AaveRisk, account
from services.onchain.costs import Costs
from services.valuation.valuer import Valuer
from tests.stubs import envelope, market, run_config

LEV = run_config("eth_leveraged", ["costs=false"])
MODE = AaveRisk(load_onchain().aave, emode=True)
COMMON = {
    **envelope(0, "strategy"),
    "order_id": "0/0",
    "action": "entry_full",
    "venue": "aave_v3",
    "based_on": 0,
}
RATE, LIQ, BOR = 1.05, 1.02, 1.04


def _market(rate: float = RATE, peg: float | None = None, weth_usd: float = 3_000.0):
    return market(
        0,
        indices={
            "lst:weETH/ETH": rate,
            "aave:weETH:liquidity_index": LIQ,
            "aave:weETH:borrow_index": 1.0,
            "aave:WETH:liquidity_index": 1.01,
            "aave:WETH:borrow_index": BOR,
        },
        oracle={"WETH/USD": weth_usd, "USDT/USD": 1.0},
        pegs={"weETH/ETH": peg if peg is not None else rate},
        gas_gwei=10.0,
    )


def _ops(config=LEV) -> AaveOps:
    return AaveOps(MODE, Costs(config, Valuer(config)))


def _apply(ledger: dict[str, float], fields: dict) -> dict[str, float]:
    out = dict(ledger)
    for d in fields["deltas"]:
        out[d.key] = out.get(d.key, 0.0) + d.amount
    return out


def test_loop_entry_reaches_collateral_e_over_1_minus_ltv_and_debt_e_ltv_over_1_minus_ltv():
    order = FlashLoopOrder(**COMMON, direction="enter", lst="weETH", amount=10.0, target_ltv=0.9)
    fields = _ops().flash_loop(order, {"wallet:BaseToken:ETH": 10.0}, _market())
    assert not isinstance(fields, Rejection)
    after = _apply({"wallet:BaseToken:ETH": 10.0}, fields)
    assert after["wallet:BaseToken:ETH"] == pytest.approx(0.0, abs=1e-12)
    assert after["aave_v3:aToken:aweETH"] * LIQ * RATE == pytest.approx(10.0 / 0.1)
    assert after["aave_v3:debtToken:debtWETH"] * BOR == pytest.approx(10.0 * 0.9 / 0.1)
    acct = account(after, _market())
    assert acct.ltv() == pytest.approx(0.9)
    assert acct.health_factor(MODE) == pytest.approx(0.95 / 0.9)


def test_loop_above_the_modes_ltv_is_refused_with_the_ltv_it_would_reach() -> None:
    order = FlashLoopOrder(**COMMON, direction="enter", lst="weETH", amount=10.0, target_ltv=0.95)
    result = _ops().flash_loop(order, {"wallet:BaseToken:ETH": 10.0}, _market())
    assert isinstance(result, Rejection)
    assert "LTV 0.9500 above the limit 0.93" in result.reason


def _looped(ltv: float = 0.9) -> dict[str, float]:
    order = FlashLoopOrder(**COMMON, direction="enter", lst="weETH", amount=10.0, target_ltv=ltv)
    return _apply(
        {"wallet:BaseToken:ETH": 10.0},
        _ops().flash_loop(order, {"wallet:BaseToken:ETH": 10.0}, _market()),
    )


def test_delever_sells_just_enough_collateral_to_reach_the_target() -> None:
    ledger = _looped(0.92)
    order = FlashLoopOrder(**COMMON, direction="delever", lst="weETH", amount=0.0, target_ltv=0.85)
    fields = _ops().flash_loop(order, ledger, _market(peg=RATE * 0.998))
    assert not isinstance(fields, Rejection)
    after = _apply(ledger, fields)
    assert account(after, _market()).ltv() == pytest.approx(0.85, rel=1e-9)
    assert after.get("wallet:BaseToken:ETH", 0.0) == pytest.approx(0.0, abs=1e-9)


def test_exit_unwinds_a_fraction_and_returns_the_rest_after_the_peg_discount() -> None:
    ledger = _looped(0.9)
    order = FlashLoopOrder(**COMMON, direction="exit", lst="weETH", amount=1.0)
    peg = RATE * 0.99
    fields = _ops().flash_loop(order, ledger, _market(peg=peg))
    assert not isinstance(fields, Rejection)
    after = _apply(ledger, fields)
    assert after["aave_v3:aToken:aweETH"] == pytest.approx(0.0, abs=1e-9)
    assert after["aave_v3:debtToken:debtWETH"] == pytest.approx(0.0, abs=1e-9)
    # 100 ETH of collateral sold 1 % under the oracle rate, 90 ETH of debt repaid.
    assert after["wallet:BaseToken:ETH"] == pytest.approx(100.0 * 0.99 - 90.0)


def test_borrow_beyond_ltv_is_refused_and_within_is_index_accounted() -> None:
    ledger = {"aave_v3:aToken:aweETH": 100.0 / LIQ / RATE}
    ops = _ops()
    too_much = LendingOrder(**COMMON, operation="borrow", asset="WETH", amount=94.0)
    refused = ops.lending(too_much, ledger, _market())
    assert isinstance(refused, Rejection)
    assert "would leave LTV 0.9400 above the limit 0.93" in refused.reason
    fine = ops.lending(
        LendingOrder(**COMMON, operation="borrow", asset="WETH", amount=50.0), ledger, _market()
    )
    assert not isinstance(fine, Rejection)
    deltas = {d.key: d.amount for d in fine["deltas"]}
    assert deltas["aave_v3:debtToken:debtWETH"] == pytest.approx(50.0 / BOR)
    assert deltas["wallet:BaseToken:ETH"] == 50.0


def test_withdrawal_is_allowed_past_the_max_ltv_down_to_health_factor_one() -> None:
    # 100 ETH of collateral, 90 ETH of debt: HF 0.95 * (100 - 1.05 w) / 90 >= 1 for w <= 5.01.
    ledger = _looped(0.9)
    fine = LendingOrder(**COMMON, operation="withdraw", asset="weETH", amount=5.0)
    result = _ops().lending(fine, ledger, _market())
    assert not isinstance(result, Rejection)
    assert account(_apply(ledger, result), _market()).ltv() > MODE.params("weETH").ltv
    too_much = LendingOrder(**COMMON, operation="withdraw", asset="weETH", amount=5.1)
    refused = _ops().lending(too_much, ledger, _market())
    assert isinstance(refused, Rejection)
    assert "below 1" in refused.reason


def test_liquidation_repays_half_the_debt_and_seizes_it_plus_the_bonus() -> None:
    ledger = _looped(0.92)
    depegged = _market(rate=RATE * 0.96)
    acct = account(ledger, depegged)
    assert acct.health_factor(MODE) < 1.0
    deltas = _ops().liquidation(ledger, depegged)[0].deltas
    debt_units = -deltas[0].amount * BOR
    seized_units = -deltas[1].amount * LIQ
    assert debt_units == pytest.approx(0.5 * ledger["aave_v3:debtToken:debtWETH"] * BOR)
    # Seized value (in ETH) = repaid * 1.01 (e-mode bonus), at Aave's oracle.
    assert seized_units * RATE * 0.96 == pytest.approx(debt_units * 1.01)


def test_no_liquidation_above_health_factor_one() -> None:
    assert _ops().liquidation(_looped(0.92), _market()) is None


def test_gas_is_charged_in_the_share_class_when_costs_are_on() -> None:
    config = run_config("eth_leveraged")
    ops = _ops(config)
    order = LendingOrder(**COMMON, operation="supply", asset="WETH", amount=1.0)
    fields = ops.lending(order, {"wallet:BaseToken:ETH": 2.0}, _market())
    assert not isinstance(fields, Rejection)
    gas = [c for c in fields["costs"] if c.component == "gas"]
    assert gas[0].amount == pytest.approx(250_000 * 10.0 * 1e-9)
    assert gas[0].asset == "ETH"
