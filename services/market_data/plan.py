"""Which series a run needs, and under which instrument keys they appear in snapshots."""

from __future__ import annotations

from typing import NamedTuple

from services.config.params import BasisParams, LendingParams
from services.config.run import RunConfig


class Feed(NamedTuple):
    """One series feeding one snapshot field.

    Attributes:
        field: `prices`, `perp` (close + high + low), `funding`, `aave` or `oracle`.
        key: the snapshot key (`binance:perp:BTCUSDT`, `USDT` for Aave, `USDT/USD`).
        series: the data-layer series name.
    """

    field: str
    key: str
    series: str


def feeds_for(config: RunConfig) -> list[Feed]:
    """The feeds of a run, in a fixed order."""
    params = config.typed_params()
    venues = config.venues
    feeds: list[Feed] = [Feed("oracle", "USDT/USD", "oracle:USDT/USD")]
    if isinstance(params, LendingParams):
        feeds.append(Feed("aave", params.asset, f"aave:rates:{params.asset}"))
    if isinstance(params, BasisParams):
        symbol = f"{params.asset}USDT"
        spot = venues[params.spot_venue].spot_series[symbol]
        feeds.append(Feed("prices", f"{params.spot_venue}:spot:{symbol}", spot))
        for venue in sorted(params.hedge_allocation):
            instrument = f"{venue}:perp:{symbol}"
            feeds.append(Feed("perp", instrument, venues[venue].perp_series[symbol]))
            feeds.append(Feed("funding", instrument, venues[venue].funding_series[symbol]))
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
