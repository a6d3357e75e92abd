"""Orders on chain: the leverage loop entered, delevered and unwound through the wallet's
CarryLoop contract, each execution's deltas the chain's own amounts, gas its cost."""

from __future__ import annotations

import pytest

from schemas.orders import FlashLoopOrder, LendingOrder
from services.aave_venue.ops import AaveOps, Rejection
from services.chain.artifacts import Artifacts
from services.chain.loop import deploy_local_staker, loop_contract, setup_loop
from services.chain.market import AaveMarket
from services.chain.signer import Signer
from services.chain.venue import ChainVenue
from services.chain.verify.carry_side import snapshot
from services.config.onchain import load_onchain
from services.onchain.aave import AaveRisk
from tests.chain.test_signer import dev_key

AAVE = load_onchain().aave
ORDER = {
    "run_id": "t",
    "step": 0,
    "ts": 0,
    "source": "strategy",
    "event_id": "strategy/0/0",
    "order_id": "0/0",
    "action": "entry_full",
    "venue": "aave_v3",
    "based_on": 0,
}


@pytest.fixture(scope="module")
def venue(market: AaveMarket) -> ChainVenue:
    chain, artifacts, addresses = market.chain, Artifacts(), market.addresses
    accounts = chain.accounts
    lender = accounts[4]
    market.mint(lender, "WETH", 10**24)
    market.approve(lender, "WETH")
    market.supply(lender, "WETH", 10**24)
    staker = deploy_local_staker(chain, artifacts, addresses, accounts[0])
    signer = Signer(chain, dev_key(6), poll_s=0.05)
    assert signer.send(market.tokens["WETH"].functions.mint(signer.address, 10 * 10**18), "mint").ok
    assert signer.send(market.pool.functions.setUserEMode(1), "e-mode").ok
    loop = setup_loop(signer, artifacts, addresses, staker, ["weETH"]).address
    ops = AaveOps(AaveRisk(AAVE, emode=True), None)
    return ChainVenue(market, signer, ops, loop_contract(chain, artifacts, loop))


def _market(v: ChainVenue):
    view = v.market.view(v.wallet)
    return snapshot(0, v.market.chain.timestamp(), view.reserves, view.prices)


def test_loop_enter_delever_and_exit_on_chain(venue: ChainVenue) -> None:
    ledger = venue.read().balances
    enter = FlashLoopOrder(**ORDER, direction="enter", lst="weETH", amount=10.0, target_ltv=0.9)
    planned = venue.ops.flash_loop(enter, ledger, _market(venue))
    done = venue.execute(enter, ledger, _market(venue))
    assert not isinstance(done, Rejection)
    got = {d.key: d.amount for d in done["deltas"]}
    want = {d.key: d.amount for d in planned["deltas"]}
    # The chain's amounts are the plan's: 100 ETH of weETH at 1.05, 90 WETH of debt.
    assert got["aave_v3:aToken:aweETH"] == pytest.approx(want["aave_v3:aToken:aweETH"], rel=1e-12)
    assert got["aave_v3:debtToken:debtWETH"] == pytest.approx(90.0, rel=1e-12)
    (gas,) = done["costs"]
    assert gas.component == "gas"
    assert gas.amount > 0
    assert got["wallet:BaseToken:ETH"] == pytest.approx(-10.0 - gas.amount, abs=1e-9)
    assert venue.read().health_factor == pytest.approx(0.95 / 0.9)

    delever = FlashLoopOrder(**ORDER, direction="delever", lst="weETH", amount=0.0, target_ltv=0.8)
    done = venue.execute(delever, venue.read().balances, _market(venue))
    assert not isinstance(done, Rejection)
    assert venue.read().health_factor == pytest.approx(0.95 / 0.8, rel=1e-5)

    leave = FlashLoopOrder(**ORDER, direction="exit", lst="weETH", amount=1.0)
    done = venue.execute(leave, venue.read().balances, _market(venue))
    assert not isinstance(done, Rejection)
    after = venue.read()
    assert after.balances["aave_v3:aToken:aweETH"] == 0.0
    assert after.balances["aave_v3:debtToken:debtWETH"] == 0.0
    assert after.health_factor is None


def test_orders_carry_refuses_or_the_chain_reverts_are_rejections(venue: ChainVenue) -> None:
    ledger = venue.read().balances
    usdt = LendingOrder(**ORDER, operation="borrow", asset="USDT", amount=100.0)
    refused = venue.execute(usdt, ledger, _market(venue))
    assert isinstance(refused, Rejection)
    assert "e-mode" in refused.reason
    # Carry's plan allows it (its ledger says the wallet holds wstETH), the chain does not.
    ledger = {**ledger, "lido:LST:wstETH": 5.0}
    supply = LendingOrder(**ORDER, operation="supply", asset="wstETH", amount=5.0)
    reverted = venue.execute(supply, ledger, _market(venue))
    assert isinstance(reverted, Rejection)
    assert reverted.reason.startswith("transaction refused: ")
