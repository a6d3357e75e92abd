"""What is read from the chain after each action, and its comparison with Carry's ledger."""

from __future__ import annotations

from typing import NamedTuple

from schemas.market import MarketSnapshot
from services.chain.market import AaveMarket, AccountData, Holdings, ReserveState
from services.chain.verify.carry_side import RAY, CarryAccount, snapshot
from services.chain.verify.compare import Comparison

WAD = 10**18
PRICE_UNIT = 10**8
NO_DEBT_HF = 2**256 - 1
USD_UNIT = 1e-6
"""The market's resolution in USD: one smallest unit of USDT. A liquidation converts
amounts between reserves in integers, so a one-unit rounding of a USDT position can move
another reserve's balance by its value, 1e-6 USD."""


def resolution(symbol: str, decimals: int, prices: dict[str, int]) -> float:
    """The smallest difference in `symbol` the contracts can make: one unit of it, or the
    market's USD resolution converted to it, whichever is larger."""
    own: float = 0.1**decimals
    return max(own, USD_UNIT * PRICE_UNIT / prices[symbol])


class Observation(NamedTuple):
    """The user's and the market's state on the chain at one moment."""

    holdings: Holdings
    account: AccountData
    reserves: dict[str, ReserveState]
    prices: dict[str, int]
    emode: int
    timestamp: int


def observe(market: AaveMarket, user: str, timestamp: int) -> Observation:
    """Read everything the comparison needs (`timestamp`: the latest block's)."""
    v = market.view(user)
    return Observation(v.holdings, v.account, v.reserves, v.prices, v.emode, timestamp)


def compare_state(
    comparison: Comparison,
    where: str,
    carry: CarryAccount,
    used: MarketSnapshot,
    touched: list[str],
    after: Observation,
    decimals: dict[str, int],
) -> None:
    """Compare balances, the indices the action used, and the account data.

    Carry's ledger is valued at the chain's market after the action (`after`); the
    indices Carry used (`used`) are compared with those the contracts stored in the
    reserves the action `touched`.
    """
    now = snapshot(used.step, after.timestamp, after.reserves, after.prices)
    h = after.holdings
    for s, unit in ((s, 10**d) for s, d in decimals.items()):
        scaled_a, scaled_d = carry.scaled(s)
        li = now.indices[f"aave:{s}:liquidity_index"]
        bi = now.indices[f"aave:{s}:borrow_index"]
        one = resolution(s, decimals[s], after.prices)
        figure = comparison.figure
        figure(where, f"a{s} balance", scaled_a * li, h.supplied[s] / unit, unit=one)
        figure(where, f"a{s} scaled", scaled_a, h.supplied_scaled[s] / unit, unit=one)
        figure(where, f"debt{s} balance", scaled_d * bi, h.owed[s] / unit, unit=one)
        figure(where, f"debt{s} scaled", scaled_d, h.owed_scaled[s] / unit, unit=one)
        figure(where, f"wallet {s}", carry.wallet(s), h.wallet[s] / unit, unit=one)
    for s in touched:
        r = after.reserves[s]
        comparison.figure(
            where,
            f"{s} liquidity index",
            used.indices[f"aave:{s}:liquidity_index"],
            r.stored_liquidity_index / RAY,
        )
        comparison.figure(
            where,
            f"{s} borrow index",
            used.indices[f"aave:{s}:borrow_index"],
            r.stored_borrow_index / RAY,
        )
    acct = carry.account(now)
    a = after.account
    # Totals carry the market's resolution once per position, the health factor its
    # relative share of collateral and debt.
    n_coll = sum(1 for v in h.supplied.values() if v)
    n_debt = sum(1 for v in h.owed.values() if v)
    coll_usd, debt_usd = a.collateral_base / PRICE_UNIT, a.debt_base / PRICE_UNIT
    chain_hf = None if a.health_factor == NO_DEBT_HF else a.health_factor / WAD
    hf_unit = 0.0
    if chain_hf is not None and coll_usd and debt_usd:
        hf_unit = chain_hf * USD_UNIT * ((n_coll + 1) / coll_usd + n_debt / debt_usd)
    # Like a position's balance, the health factor is measured against the account's
    # size since its debt was opened: HF's share of the largest debt since then.
    peak = max(comparison.sizes.get("debt USD", 0.0), debt_usd)
    hf_scale = chain_hf * peak / debt_usd if chain_hf is not None and debt_usd else 0.0
    figure = comparison.figure
    hf = acct.health_factor(carry.risk)
    figure(where, "health factor", hf, chain_hf, part_of=hf_scale, unit=hf_unit)
    figure(where, "collateral USD", acct.collateral_usd, coll_usd, unit=USD_UNIT * n_coll)
    figure(where, "debt USD", acct.debt_usd, debt_usd, unit=USD_UNIT * n_debt)
    if a.collateral_base:
        lt = acct.liquidation_threshold(carry.risk)
        comparison.figure(where, "liquidation threshold", lt, a.liquidation_threshold / 1e4)
        comparison.figure(where, "max LTV", acct.max_ltv(carry.risk), a.ltv / 1e4)
    comparison.figure(where, "e-mode", float(carry.risk.emode), float(after.emode != 0))
