"""The chain tier: anvil and the Aave v3 contracts from deploy/chain (npm).

CI (`.ci/run`) starts anvil and sets CARRY_CHAIN; without it the tier starts a private
anvil on a free port from the npm install (`make chain-fetch`). If neither works, every
test fails with the missing piece named, never skips.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from services.chain.artifacts import Artifacts
from services.chain.deploy import deploy_market
from services.chain.market import AaveMarket
from services.chain.node import (
    ENV_RPC,
    Anvil,
    aave_artifacts,
    anvil_binary,
    carry_contracts,
    chain_id,
)
from services.chain.rpc import Chain
from services.chain.verify.actions import BASE_PRICES
from services.config.onchain import load_onchain
from services.errors import ChainError


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/chain/" in str(item.fspath).replace("\\", "/"):
            item.add_marker(pytest.mark.chain)


@pytest.fixture(scope="session")
def rpc() -> Iterator[str]:
    """The tier's node: $CARRY_CHAIN, else a private anvil (fails loudly, never skips)."""
    try:
        anvil_binary()  # some tests start private nodes, whatever CARRY_CHAIN says
        aave_artifacts()
        carry_contracts()
    except ChainError as e:
        pytest.fail(f"the chain tier cannot run: {e}")
    url = os.environ.get(ENV_RPC)
    if url:
        try:
            chain_id(url)
        except OSError as e:
            pytest.fail(f"the chain tier cannot run: no node answers at {ENV_RPC}={url}: {e}")
        yield url
        return
    try:
        node = Anvil().start()
    except ChainError as e:
        pytest.fail(f"the chain tier cannot run: {e}")
    yield node.url
    node.stop()


@pytest.fixture(scope="module")
def market(rpc: str) -> Iterator[AaveMarket]:
    """A market deployed for the module's tests; the node's state is restored after them."""
    artifacts = Artifacts()
    chain = Chain(rpc, errors=artifacts.error_names())
    snap = chain.snapshot()
    accounts = chain.accounts
    addresses = deploy_market(
        chain, artifacts, load_onchain().aave, BASE_PRICES, accounts[0], accounts[1]
    )
    yield AaveMarket(chain, artifacts, addresses)
    chain.revert(snap)
