"""The local market as deployed: its parameters read back from the contracts, revert
reasons, and deterministic addresses."""

from __future__ import annotations

import pytest

from services.chain.artifacts import Artifacts
from services.chain.deploy import bps, deploy_market
from services.chain.market import AaveMarket
from services.chain.node import Anvil
from services.chain.rpc import Chain, Reverted
from services.chain.verify.actions import BASE_PRICES
from services.config.onchain import load_onchain

AAVE = load_onchain().aave


def test_reserves_carry_the_configured_risk_parameters(market: AaveMarket) -> None:
    provider = Artifacts().get("AaveProtocolDataProvider")
    data = market.chain.contract(market.addresses.data_provider, provider.abi).functions
    for symbol, r in AAVE.reserves.items():
        asset = market.addresses.tokens[symbol]
        cfg = market.chain.call(data.getReserveConfigurationData(asset))
        decimals, ltv, lt, bonus, factor, collateral, borrowing, stable, active, frozen = cfg
        assert (decimals, ltv, lt) == (r.decimals, bps(r.ltv), bps(r.liquidation_threshold))
        assert (bonus, factor) == (10_000 + bps(r.liquidation_bonus), bps(r.reserve_factor))
        assert (collateral, borrowing, stable, active, frozen) == (True, True, False, True, False)
        fee = market.chain.call(data.getLiquidationProtocolFee(asset))
        assert fee == bps(r.liquidation_protocol_fee)
        assert market.price(symbol) == int(BASE_PRICES[symbol] * 1e8)
    e = market.chain.call(market.pool.functions.getEModeCategoryData(AAVE.emode.category))
    assert e[:3] == (9300, 9500, 10100)
    assert e[4] == "ETH correlated"


def test_a_reverted_transaction_reports_aaves_reason(market: AaveMarket) -> None:
    user = market.chain.accounts[5]
    with pytest.raises(Reverted, match=r"borrow USDT reverted: 34 \(COLLATERAL_BALANCE_IS_ZERO\)"):
        market.borrow(user, "USDT", 10**6)


def test_deployment_on_a_fresh_node_is_deterministic() -> None:
    addresses = []
    for _ in range(2):
        with Anvil() as node:
            chain = Chain(node.url)
            accounts = chain.accounts
            addresses.append(
                deploy_market(chain, Artifacts(), AAVE, BASE_PRICES, accounts[0], accounts[1])
            )
    assert addresses[0] == addresses[1]
