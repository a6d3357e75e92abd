"""Unit prices of position keys in the share class and in USD.

A key's share-class price is `sign * product(factors) * asset_price`: the factors are
the Aave index of aTokens (lending interest) and debt tokens (borrow cost, sign -1)
and the LST/ETH exchange rate of LSTs (staking yield) -- an aToken of an LST has both;
base tokens have none; perps are worth 0 (their P&L is settled into the venue balance
every step). Keeping the factors apart lets the P&L attribute a revaluation to each
factor and to the asset price.
"""

from __future__ import annotations

from schemas.market import MarketSnapshot
from schemas.pnl import BORROW_COST, LENDING_INTEREST, STAKING_YIELD
from services.config.params import (
    BasisParams,
    DirectionalParams,
    HedgedParams,
    LendingParams,
    StakingParams,
)
from services.config.run import RunConfig
from services.errors import InvariantError
from services.valuation.keys import parse_key
from services.valuation.pricers import (
    Close,
    InverseClose,
    OracleRatio,
    Pricer,
    ShareClass,
    Token,
)

ETH_ALIASES = {"WETH": "ETH"}
LSTS = ("weETH", "wstETH")
TOKENS = ("EIGEN", "ETHFI")


def base_asset(symbol: str) -> str:
    """The asset a symbol is priced as (`WETH` -> `ETH`, an LST -> `ETH`)."""
    if symbol in LSTS:
        return "ETH"
    return ETH_ALIASES.get(symbol, symbol)


class Rule:
    """How one key is valued.

    Attributes:
        kind: the key's position type.
        asset: the asset its price follows.
        factors: `(MarketSnapshot.indices key, attribution component)` per factor.
        sign: +1, -1 for debt, 0 for perps.
        perp_instrument: the perp's `prices` key (perps only), for the notional.
    """

    def __init__(
        self,
        kind: str,
        asset: str,
        factors: tuple[tuple[str, str], ...],
        sign: float,
        perp_instrument: str,
    ) -> None:
        self.kind = kind
        self.asset = asset
        self.factors = factors
        self.sign = sign
        self.perp_instrument = perp_instrument
        self.perp = kind == "Perp"
        self.indices = tuple(index for index, _ in factors)
        """The `indices` keys of the factors, in order."""
        self.components = tuple(component for _, component in factors)
        """The attribution components of the factors, in order."""


class Valuer:
    """Values keys for one run.

    Args:
        config: the run; fixes the share class and the price source of each asset.
    """

    def __init__(self, config: RunConfig) -> None:
        self.share_class = config.share_class
        params = config.typed_params()
        self.instruments: dict[str, str] = {}
        if isinstance(params, BasisParams):
            self.instruments[params.asset] = f"{params.spot_venue}:spot:{params.asset}USDT"
        if isinstance(params, HedgedParams):
            self.instruments["ETH"] = f"{params.spot_venue}:spot:ETHUSDT"
        if isinstance(params, LendingParams):
            self.instruments["ETH"] = "uniswap:WETH/USDT"
        if isinstance(params, DirectionalParams):
            self.instruments["BTC"] = f"{params.venue}:spot:BTCUSDT"
        self.usd_oracle = "USDT/USD" if self.share_class == "USDT" else "WETH/USD"
        extra = {"ETH"} if isinstance(params, StakingParams) else set()
        if isinstance(params, DirectionalParams):
            extra = {"BTC", "USDT"}
        self.assets = sorted({self.share_class, *self.instruments, *extra})
        self._rules: dict[str, Rule] = {}
        self._pricers: dict[str, Pricer] = {}

    def rule(self, key: str) -> Rule:
        """The valuation rule of `key` (cached)."""
        rule = self._rules.get(key)
        if rule is None:
            rule = self._rules[key] = self._make_rule(key)
        return rule

    def _make_rule(self, key: str) -> Rule:
        venue, kind, symbol = parse_key(key)
        if kind == "BaseToken":
            return Rule(kind, base_asset(symbol), (), 1.0, "")
        if kind == "Perp":
            return Rule(kind, symbol.removesuffix("USDT"), (), 0.0, f"{venue}:perp:{symbol}")
        if kind == "LST":
            return Rule(kind, "ETH", ((f"lst:{symbol}/ETH", STAKING_YIELD),), 1.0, "")
        if kind == "aToken":
            reserve = symbol.removeprefix("a")
            factors = [(f"aave:{reserve}:liquidity_index", LENDING_INTEREST)]
            if reserve in LSTS:
                factors.append((f"lst:{reserve}/ETH", STAKING_YIELD))
            return Rule(kind, base_asset(reserve), tuple(factors), 1.0, "")
        reserve = symbol.removeprefix("debt")
        return Rule(
            kind, base_asset(reserve), ((f"aave:{reserve}:borrow_index", BORROW_COST),), -1.0, ""
        )

    def asset_price(self, asset: str, market: MarketSnapshot) -> float:
        """Share-class price of one unit of `asset`."""
        pricer = self._pricers.get(asset)
        if pricer is None:
            pricer = self._pricers[asset] = self._pricer(base_asset(asset))
        return pricer.price(market)

    def _pricer(self, asset: str) -> Pricer:
        share = self.share_class
        if asset == share:
            return ShareClass()
        instrument = self.instruments.get(asset)
        if instrument is not None:
            return Close(instrument)
        if asset == "ETH" and share == "USDT":
            return OracleRatio("WETH/USD", "USDT/USD")
        if asset == "USDT" and share == "ETH":
            return OracleRatio("USDT/USD", "WETH/USD")
        if asset == "USDT" and share == "BTC":
            return InverseClose(self.instruments["BTC"])
        if asset in TOKENS:
            return Token(asset, self._pricer("ETH"))
        raise InvariantError(f"no price source for asset {asset} in this run")

    def factor(self, rule: Rule, market: MarketSnapshot) -> float:
        """Product of the key's factors (and its sign) at this market."""
        value = rule.sign
        for key, _ in rule.factors:
            value *= market.indices[key]
        return value

    def unit_price(self, key: str, market: MarketSnapshot) -> float:
        """Share-class value of one unit of `key`."""
        rule = self.rule(key)
        if rule.sign == 0.0:
            return 0.0
        return self.factor(rule, market) * self.asset_price(rule.asset, market)

    def usd_rate(self, market: MarketSnapshot) -> float:
        """USD per unit of share class (the share class's oracle price; BTC: its USDT
        price x the USDT/USD oracle)."""
        if self.share_class == "BTC":
            return market.prices[self.instruments["BTC"]] * market.oracle["USDT/USD"]
        return market.oracle[self.usd_oracle]
