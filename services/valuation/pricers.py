"""Where an asset's share-class price comes from in a market snapshot.

One small native class per source, so a compiled valuer reads a price without a
Python-level call.
"""

from __future__ import annotations

import abc

from schemas.market import MarketSnapshot
from services.errors import InvariantError


class Pricer(abc.ABC):
    """An asset's share-class price in a market snapshot."""

    @abc.abstractmethod
    def price(self, market: MarketSnapshot) -> float:
        """The price at `market`."""


class ShareClass(Pricer):
    """The share class itself: 1."""

    def price(self, market: MarketSnapshot) -> float:
        """1."""
        return 1.0


class Close(Pricer):
    """An instrument's close, quoted in the share class."""

    def __init__(self, instrument: str) -> None:
        self.instrument = instrument

    def price(self, market: MarketSnapshot) -> float:
        """The instrument's close."""
        return market.prices[self.instrument]


class InverseClose(Pricer):
    """The inverse of an instrument's close (USDT in a BTC share class)."""

    def __init__(self, instrument: str) -> None:
        self.instrument = instrument

    def price(self, market: MarketSnapshot) -> float:
        """1 / the instrument's close."""
        return 1.0 / market.prices[self.instrument]


class OracleRatio(Pricer):
    """The ratio of two oracle prices (ETH in USDT, USDT in ETH)."""

    def __init__(self, numerator: str, denominator: str) -> None:
        self.numerator = numerator
        self.denominator = denominator

    def price(self, market: MarketSnapshot) -> float:
        """Oracle numerator / oracle denominator."""
        return market.oracle[self.numerator] / market.oracle[self.denominator]


class Token(Pricer):
    """A reward token: its Uniswap price in WETH times ETH's price; none before listing."""

    def __init__(self, asset: str, eth: Pricer) -> None:
        self.asset = asset
        self.key = f"uniswap:{asset}/WETH"
        self.eth = eth

    def price(self, market: MarketSnapshot) -> float:
        """The token's WETH price times ETH's."""
        prices = market.prices
        if self.key not in prices:
            raise InvariantError(f"{self.asset} has no market price at step {market.step}")
        return prices[self.key] * self.eth.price(market)
