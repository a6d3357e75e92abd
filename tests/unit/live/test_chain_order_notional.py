"""The per-order limit of on-chain orders: what each Aave order moves, in USD."""

from __future__ import annotations

import pytest

from schemas.orders import FlashLoopOrder, LendingOrder
from services.live_chain_venue.actor import order_notional
from tests.stubs import envelope, market

ORDER = {
    **envelope(0, "strategy"),
    "order_id": "0/0",
    "action": "a",
    "venue": "aave_v3",
    "based_on": 0,
}
SNAP = market(
    oracle={"WETH/USD": 3000.0, "USDT/USD": 1.0},
    indices={"lst:wstETH/ETH": 1.2, "aave:wstETH:liquidity_index": 1.01},
)


def test_lending_orders_are_valued_at_the_oracle() -> None:
    supply = LendingOrder(**ORDER, operation="supply", asset="wstETH", amount=2.0)
    assert order_notional(supply, SNAP, {}) == pytest.approx(2.0 * 1.2 * 3000.0)
    borrow = LendingOrder(**ORDER, operation="borrow", asset="USDT", amount=500.0)
    assert order_notional(borrow, SNAP, {}) == pytest.approx(500.0)


def test_the_loop_counts_the_collateral_it_supplies_or_may_sell() -> None:
    enter = FlashLoopOrder(**ORDER, direction="enter", lst="wstETH", amount=1.0, target_ltv=0.9)
    assert order_notional(enter, SNAP, {}) == pytest.approx(30_000.0)
    ledger = {"aave_v3:aToken:awstETH": 10.0}
    exit_half = FlashLoopOrder(**ORDER, direction="exit", lst="wstETH", amount=0.5)
    assert order_notional(exit_half, SNAP, ledger) == pytest.approx(5 * 1.01 * 1.2 * 3000.0)
