"""Which series a run needs, and under which keys they appear in snapshots."""

from __future__ import annotations

from typing import NamedTuple

from services.config.params import (
    BasisParams,
    DirectionalParams,
    EthLendingParams,
    HedgedLeveragedParams,
    HedgedParams,
    LendingParams,
    LeveragedParams,
    StakingParams,
)
from services.config.run import RunConfig

ETH_USDT = "uniswap:WETH/USDT"
"""The ETH price of USDT modes without a CEX ETH leg."""


class Feed(NamedTuple):
    """One series feeding one snapshot field.

    Attributes:
        field: `prices`, `perp` (close + high + low), `funding`, `aave`, `oracle`,
            `lst` (LST/ETH exchange rate into `indices`), `peg` (LST market rate into
            `pegs`), `gas` or `token` (a reward token's price, from its listing on).
        key: the snapshot key (`binance:perp:BTCUSDT`, `USDT` for Aave, `USDT/USD`).
        series: the data-layer series name.
    """

    field: str
    key: str
    series: str


def lst_symbol(params: StakingParams) -> str:
    """`weETH` or `wstETH`."""
    return params.lst


def _cex(
    feeds: list[Feed], config: RunConfig, asset: str, spot_venue: str, hedge: dict[str, float]
) -> None:
    venues = config.venues
    symbol = f"{asset}USDT"
    feeds.append(
        Feed("prices", f"{spot_venue}:spot:{symbol}", venues[spot_venue].spot_series[symbol])
    )
    for venue in sorted(hedge):
        instrument = f"{venue}:perp:{symbol}"
        feeds.append(Feed("perp", instrument, venues[venue].perp_series[symbol]))
        feeds.append(Feed("funding", instrument, venues[venue].funding_series[symbol]))


def feeds_for(config: RunConfig) -> list[Feed]:
    """The feeds of a run, in a fixed order."""
    p = config.typed_params()
    feeds: list[Feed] = [Feed("oracle", "USDT/USD", "oracle:USDT/USD")]
    if isinstance(p, BasisParams):
        _cex(feeds, config, p.asset, p.spot_venue, p.hedge_allocation)
        return feeds
    if isinstance(p, DirectionalParams):
        _cex(feeds, config, "BTC", p.venue, {p.venue: 1.0})
        return feeds
    feeds.append(Feed("gas", "gas", "gas:ethereum"))
    if isinstance(p, LendingParams):
        # Gas is paid in USDT at the Uniswap WETH/USDT price (the hourly WETH/USD oracle
        # starts an hour after 2024-01-01).
        feeds.append(Feed("prices", ETH_USDT, "uniswap:WETH/USDT"))
        feeds.append(Feed("aave", p.asset, f"aave:rates:{p.asset}"))
        return feeds
    feeds.append(Feed("oracle", "WETH/USD", "oracle:WETH/USD"))
    if isinstance(p, EthLendingParams):
        feeds.append(Feed("aave", p.asset, f"aave:rates:{p.asset}"))
        return feeds
    assert isinstance(p, StakingParams)
    lst = lst_symbol(p)
    feeds.append(Feed("lst", f"{lst}/ETH", f"oracle:{lst}/ETH"))
    feeds.append(Feed("peg", f"{lst}/ETH", f"peg:{lst}"))
    if isinstance(p, LeveragedParams | HedgedLeveragedParams):
        feeds.append(Feed("aave", "WETH", "aave:rates:WETH"))
        feeds.append(Feed("aave", lst, f"aave:rates:{lst}"))
    if lst == "weETH":
        feeds.append(Feed("token", "uniswap:EIGEN/WETH", "uniswap:EIGEN/WETH"))
        feeds.append(Feed("token", "uniswap:ETHFI/WETH", "uniswap:ETHFI/WETH"))
    if isinstance(p, HedgedParams):
        _cex(feeds, config, "ETH", p.spot_venue, p.hedge_allocation)
    return feeds


def price_proxies(config: RunConfig) -> dict[str, str]:
    """Instruments marked with another venue's series (reported in every output)."""
    proxies: dict[str, str] = {}
    for feed in feeds_for(config):
        if feed.field == "perp":
            venue = feed.key.split(":")[0]
            if not feed.series.startswith(f"{venue}:"):
                proxies[feed.key] = feed.series
    return proxies
