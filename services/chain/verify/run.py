"""`carry verify aave`: one seeded random sequence of actions through the real Pool and
through Carry's Aave venue, compared after every action.

Accounts of the node: 0 deploys (every admin role), 1 is the treasury, 2 the verified
user, 3 the liquidator, 4 a lender that supplies and borrows in every reserve so that
rates are not zero. Every transaction is mined at the verification's own clock, which
only time jumps move, so Carry's snapshot before an action holds the indices the
contracts apply in it. The node's state is restored at the end (a snapshot).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from services.chain.artifacts import Artifacts
from services.chain.deploy import deploy_market
from services.chain.market import AaveMarket
from services.chain.rpc import Chain
from services.chain.verify.actions import BASE_PRICES, State, next_action
from services.chain.verify.carry_side import CarryAccount, snapshot
from services.chain.verify.compare import Comparison
from services.chain.verify.observe import compare_state, observe
from services.chain.verify.steps import Driver
from services.config.onchain import AaveConfig, load_onchain
from services.errors import ChainError

LENDER_SUPPLY_USD = 20_000_000
LENDER_BORROW_USD = 8_000_000
USER_FUNDS_USD = 1_000_000


@dataclass
class VerifyResult:
    """The outcome of a verification run.

    Attributes:
        comparison: every comparison, its mismatches and the largest relative difference.
        actions: actions run.
        deploy_s: seconds to deploy and fund the market.
        run_s: seconds to run and compare the actions.
        refused: actions the contracts refused.
        liquidations: liquidations executed.
    """

    comparison: Comparison
    actions: int
    deploy_s: float
    run_s: float
    refused: int
    liquidations: int


def _whole(usd: float, symbol: str, decimals: int) -> int:
    return int(usd / BASE_PRICES[symbol]) * int(10**decimals)


def setup(chain: Chain, artifacts: Artifacts, config: AaveConfig) -> Driver:
    """Deploy the market, fund the accounts and let the lender make rates non-zero."""
    accounts = chain.accounts
    if len(accounts) < 5:
        raise ChainError(f"the node has {len(accounts)} unlocked accounts; 5 are needed")
    deployer, treasury, user, liquidator, lender = accounts[:5]
    addresses = deploy_market(chain, artifacts, config, BASE_PRICES, deployer, treasury)
    market = AaveMarket(chain, artifacts, addresses)
    d = Driver(chain, market, CarryAccount(config), Comparison(), user, liquidator, treasury, 0)
    d.now = chain.timestamp() + 1
    steps: list[Callable[[], object]] = [
        partial(market.approve, who, s)
        for who in (user, liquidator, lender)
        for s in market.symbols
    ]
    for s in market.symbols:
        big = _whole(LENDER_SUPPLY_USD, s, market.decimals[s])
        steps += [
            partial(market.mint, lender, s, big),
            partial(market.mint, liquidator, s, big),
            partial(market.supply, lender, s, big),
        ]
    steps += [
        partial(market.borrow, lender, s, _whole(LENDER_BORROW_USD, s, market.decimals[s]))
        for s in market.symbols
    ]
    for step in steps:
        reverted = d.tx(step)
        if reverted:
            raise ChainError(f"setting up the market failed: {reverted}")
    for s in market.symbols:
        d.fund(s, _whole(USER_FUNDS_USD, s, market.decimals[s]))
    return d


def run_actions(d: Driver, rng: random.Random, count: int) -> None:
    """Draw and run `count` actions, comparing both sides after each."""
    before = observe(d.market, d.user, d.now)
    config = d.carry.risk.config
    for step in range(1, count + 1):
        lts = {s: config.mode(s, before.emode != 0).liquidation_threshold for s in d.market.symbols}
        state = State(
            before.holdings, before.account, before.prices, d.market.decimals, before.emode, lts
        )
        action = next_action(rng, state)
        where = f"action {step} ({action.describe()})"
        used = snapshot(step, d.now, before.reserves, before.prices)
        touched = d.act(action, before, used, where)
        after = observe(d.market, d.user, d.now)
        compare_state(d.comparison, where, d.carry, used, touched, after, d.market.decimals)
        before = after


def verify_aave(url: str, actions: int, seed: int) -> VerifyResult:
    """Deploy a market on the node at `url` and verify `actions` actions of `seed`."""
    artifacts = Artifacts()
    chain = Chain(url, errors=artifacts.error_names())
    snap = chain.snapshot()
    try:
        t0 = time.monotonic()
        driver = setup(chain, artifacts, load_onchain().aave)
        t1 = time.monotonic()
        run_actions(driver, random.Random(seed), actions)
        t2 = time.monotonic()
    finally:
        chain.revert(snap)
    return VerifyResult(
        driver.comparison, actions, t1 - t0, t2 - t1, driver.refused, driver.liquidations
    )
