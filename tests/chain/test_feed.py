"""The market read from the chain as Carry's market data publishes it, and the stale-data
rules when the node stops answering."""

from __future__ import annotations

import pytest

from services.chain.artifacts import Artifacts
from services.chain.deploy import deploy_market
from services.chain.feed import ChainFeed, StaleChain, read_market
from services.chain.market import AaveMarket
from services.chain.node import Anvil
from services.chain.rpc import Chain
from services.chain.verify.actions import BASE_PRICES
from services.config.onchain import load_onchain

HOUR_NS = 3600 * 10**9


def test_the_market_reads_as_snapshot_fields(market: AaveMarket) -> None:
    got = read_market(market, market.addresses.treasury)
    assert got.indices["aave:WETH:liquidity_index"] == 1.0
    assert got.indices["lst:weETH/ETH"] == pytest.approx(1.05)
    assert got.indices["lst:wstETH/ETH"] == pytest.approx(1.2)
    assert got.oracle == {"USDT/USD": 1.0, "WETH/USD": 3000.0}
    assert got.gas_gwei > 0


def test_a_silent_node_is_carried_within_the_limit_then_stops_the_run() -> None:
    node = Anvil().start()
    try:
        chain = Chain(node.url)
        accounts = chain.accounts
        addresses = deploy_market(
            chain, Artifacts(), load_onchain().aave, BASE_PRICES, accounts[0], accounts[1]
        )
        market = AaveMarket(chain, Artifacts(), addresses)
        feed = ChainFeed(market, accounts[2], max_age_ns=2 * HOUR_NS)
        first, filled = feed.read(0)
        assert not filled
    finally:
        node.stop()
    market.chain = Chain(node.url, timeout=0.2, retries=1, backoff=0.01)
    carried, filled = feed.read(HOUR_NS)
    assert filled
    assert carried == first
    with pytest.raises(StaleChain, match="within the staleness limit"):
        feed.read(3 * HOUR_NS)
