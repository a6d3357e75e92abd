"""An account's positions on an Aave v3 market, in Carry's position keys.

The wallet's tokens (`wallet:BaseToken:USDT`; WETH and the native ETH that pays gas as
`wallet:BaseToken:ETH`; LSTs under their staking venue, `etherfi:LST:weETH`), the
scaled aToken and variable debt balances (`aave_v3:aToken:aweETH`, scaled as Carry's
ledger holds them), the account data (`getUserAccountData`) and the LSTs' exchange rates
as Aave's oracle prices them (LST/USD over WETH/USD).
"""

from __future__ import annotations

from typing import NamedTuple

from services.aave_venue.ops import holding_key
from services.chain.market import AaveMarket, AccountData
from services.valuation.keys import atoken, debt
from services.valuation.valuer import LSTS

WAD = 10**18
NO_DEBT_HF = 2**256 - 1


class ChainPositions(NamedTuple):
    """One read of an account.

    Attributes:
        balances: Carry position key -> amount (native units; Aave positions scaled).
        health_factor: the contracts' HF (None without debt).
        account: `getUserAccountData` as returned.
        lst_rates: LST -> its ETH exchange rate from the oracle.
        prices: symbol -> oracle price (8 decimals of USD).
        block: the block number read.
    """

    balances: dict[str, float]
    health_factor: float | None
    account: AccountData
    lst_rates: dict[str, float]
    prices: dict[str, int]
    block: int


def read_positions(market: AaveMarket, wallet: str, block: int | None = None) -> ChainPositions:
    """Read `wallet`'s positions as of `block` (default the latest): one batch of calls
    and its ETH balance, all at that one block."""
    chain = market.chain
    if block is None:
        block = int(chain.request("eth_blockNumber", []), 16)
    view = market.view(wallet, block)
    native = int(chain.request("eth_getBalance", [wallet, hex(block)]), 16)
    balances: dict[str, float] = {}
    h = view.holdings
    for s in market.symbols:
        unit = 10 ** market.decimals[s]
        key = holding_key(s)
        balances[key] = balances.get(key, 0.0) + h.wallet[s] / unit
        balances[atoken(s)] = h.supplied_scaled[s] / unit
        balances[debt(s)] = h.owed_scaled[s] / unit
    eth_key = holding_key("WETH")
    balances[eth_key] = balances.get(eth_key, 0.0) + native / WAD
    hf = view.account.health_factor
    eth = view.prices.get("WETH")
    rates = {s: view.prices[s] / eth for s in LSTS if s in view.prices and eth}
    return ChainPositions(
        balances=balances,
        health_factor=None if hf == NO_DEBT_HF else hf / WAD,
        account=view.account,
        lst_rates=rates,
        prices=view.prices,
        block=block,
    )
