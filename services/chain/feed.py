"""An Aave v3 market's state as Carry's market data publishes it: reserve indices and
rates (`aave:<ASSET>:liquidity_index`, ...), the LSTs' exchange rates as Aave's oracle
prices them (`lst:weETH/ETH`), oracle prices (`WETH/USD`, `USDT/USD`) and the gas price."""

from __future__ import annotations

from typing import NamedTuple

from services.chain.market import AaveMarket, ReserveState
from services.chain.rpc import RpcUnavailable
from services.errors import ChainError
from services.valuation.valuer import LSTS

RAY = 10**27
PRICE_UNIT = 10**8
GWEI = 10**9


class ChainMarket(NamedTuple):
    """One read of the market: `MarketSnapshot` fields and when they were read."""

    indices: dict[str, float]
    oracle: dict[str, float]
    gas_gwei: float
    block: int
    timestamp: int


def market_fields(
    reserves: dict[str, ReserveState], prices: dict[str, int]
) -> tuple[dict[str, float], dict[str, float]]:
    """`indices` and `oracle` of a snapshot from reserve states and oracle prices."""
    indices: dict[str, float] = {}
    for s, r in reserves.items():
        indices[f"aave:{s}:liquidity_index"] = r.liquidity_index / RAY
        indices[f"aave:{s}:borrow_index"] = r.borrow_index / RAY
        indices[f"aave:{s}:liquidity_rate"] = r.liquidity_rate / RAY
        indices[f"aave:{s}:borrow_rate"] = r.borrow_rate / RAY
    eth = prices.get("WETH")
    if eth:
        for lst in LSTS:
            if lst in prices:
                indices[f"lst:{lst}/ETH"] = prices[lst] / eth
    oracle = {f"{s}/USD": p / PRICE_UNIT for s, p in prices.items() if s in ("USDT", "WETH")}
    return indices, oracle


def read_market(market: AaveMarket, wallet: str) -> ChainMarket:
    """The market now (the wallet's view batch, the gas price and the latest block)."""
    view = market.view(wallet)
    indices, oracle = market_fields(view.reserves, view.prices)
    block = market.chain.request("eth_getBlockByNumber", ["latest", False])
    gas = int(market.chain.request("eth_gasPrice", []), 16)
    return ChainMarket(
        indices, oracle, gas / GWEI, int(block["number"], 16), int(block["timestamp"], 16)
    )


class StaleChain(ChainError):
    """The chain has not been read within the staleness limit: the run must stop."""


class ChainFeed:
    """Reads the market every step; when the node does not answer (after the RPC's own
    retries) the last reading is carried within `max_age_ns` and marked as filled, and
    beyond it the read fails (`StaleChain`): live fails closed.

    Args:
        market: the market.
        wallet: whose view to batch with (any address).
        max_age_ns: how old a carried reading may be.
    """

    def __init__(self, market: AaveMarket, wallet: str, max_age_ns: int) -> None:
        self.market = market
        self.wallet = wallet
        self.max_age_ns = max_age_ns
        self.last: tuple[ChainMarket, int] | None = None

    def read(self, now_ns: int) -> tuple[ChainMarket, bool]:
        """The market at `now_ns`, and whether it is a carried (filled) reading."""
        try:
            got = read_market(self.market, self.wallet)
        except RpcUnavailable as e:
            if self.last is None or now_ns - self.last[1] > self.max_age_ns:
                since = (
                    "never read"
                    if self.last is None
                    else f"last read {(now_ns - self.last[1]) / 1e9:.0f} s ago"
                )
                raise StaleChain(
                    f"no reading of the chain within the staleness limit "
                    f"({self.max_age_ns / 3.6e12:g} h; {since}): {e.message}",
                    "check the RPC endpoint; the run stops rather than trade on stale data",
                ) from e
            return self.last[0], True
        self.last = (got, now_ns)
        return got, False
