"""Unit prices of position keys in the share class and in USD.

A key's share-class price is `factor * asset_price`: `factor` is the Aave index for
aTokens and debt tokens (negative for debt), the LST/ETH rate for LSTs, 1 for base
tokens, and 0 for perps (their P&L is settled into the venue balance every step).
Splitting the price this way lets the P&L attribute a revaluation to the factor
(interest, borrow cost, staking yield) and to the asset price.
"""

from __future__ import annotations

from functools import cache
from typing import NamedTuple

from schemas.market import MarketSnapshot
from schemas.pnl import BORROW_COST, LENDING_INTEREST, SPOT_PRICE, STAKING_YIELD
from services.config.params import BasisParams
from services.config.run import RunConfig
from services.errors import InvariantError
from services.valuation.keys import parse_key


class Rule(NamedTuple):
    """How one key is valued.

    Attributes:
        kind: the key's position type.
        asset: the underlying asset.
        factor_key: `MarketSnapshot.indices` key of the factor, or "" for a constant.
        factor_sign: +1, or -1 for debt.
        factor_component: attribution component of factor changes.
        perp_instrument: the perp's `prices` key (perps only), for the notional.
    """

    kind: str
    asset: str
    factor_key: str
    factor_sign: float
    factor_component: str
    perp_instrument: str


class Valuer:
    """Values keys for one run.

    Args:
        config: the run; fixes the share class and which instrument prices each asset.
    """

    def __init__(self, config: RunConfig) -> None:
        self.share_class = config.share_class
        params = config.typed_params()
        self.asset_instrument: dict[str, str] = {}
        if isinstance(params, BasisParams):
            self.asset_instrument[params.asset] = f"{params.spot_venue}:spot:{params.asset}USDT"
        self.assets = sorted({self.share_class, *self.asset_instrument})
        self.usd_oracle = f"{config.share_class}/USD"
        self._rule = cache(self._make_rule)

    def rule(self, key: str) -> Rule:
        """The valuation rule of `key` (cached)."""
        return self._rule(key)

    def _make_rule(self, key: str) -> Rule:
        venue, kind, symbol = parse_key(key)
        if kind == "BaseToken":
            return Rule(kind, symbol, "", 1.0, SPOT_PRICE, "")
        if kind == "Perp":
            return Rule(
                kind, symbol.removesuffix("USDT"), "", 0.0, SPOT_PRICE, f"{venue}:perp:{symbol}"
            )
        if kind == "aToken":
            asset = symbol.removeprefix("a")
            return Rule(kind, asset, f"aave:{asset}:liquidity_index", 1.0, LENDING_INTEREST, "")
        if kind == "debtToken":
            asset = symbol.removeprefix("debt")
            return Rule(kind, asset, f"aave:{asset}:borrow_index", -1.0, BORROW_COST, "")
        return Rule(kind, "ETH", f"lst:{symbol}/ETH", 1.0, STAKING_YIELD, "")

    def asset_price(self, asset: str, market: MarketSnapshot) -> float:
        """Share-class price of one unit of `asset`."""
        if asset == self.share_class:
            return 1.0
        instrument = self.asset_instrument.get(asset)
        if instrument is None:
            raise InvariantError(f"no price source for asset {asset} in this run")
        return market.prices[instrument]

    def factor(self, rule: Rule, market: MarketSnapshot) -> float:
        """The key's factor at this market."""
        if not rule.factor_key:
            return rule.factor_sign
        return rule.factor_sign * market.indices[rule.factor_key]

    def unit_price(self, key: str, market: MarketSnapshot) -> float:
        """Share-class value of one unit of `key`."""
        rule = self._rule(key)
        if rule.factor_sign == 0.0:
            return 0.0
        return self.factor(rule, market) * self.asset_price(rule.asset, market)

    def usd_rate(self, market: MarketSnapshot) -> float:
        """USD per unit of share class (the share class's oracle price)."""
        return market.oracle[self.usd_oracle]
