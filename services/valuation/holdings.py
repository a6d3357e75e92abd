"""A ledger valued at one market: its holdings (exposure) or only its equity (P&L).

Both walk the keys in sorted order and compute each value as
`amount * (sign * factors... * asset_price)`, so the equity the P&L monitor sums is
bit for bit the equity of the exposure report.
"""

from __future__ import annotations

from schemas.exposure import Holding
from schemas.market import MarketSnapshot
from services.valuation.valuer import Valuer


class Valuation:
    """Holdings sorted by key, net delta per asset, gross risky exposure, net delta value,
    the share-class price of each asset the holdings or the run use, and the equity."""

    def __init__(
        self,
        holdings: list[Holding],
        net_delta: dict[str, float],
        gross: float,
        net_delta_value: float,
        asset_prices: dict[str, float],
    ) -> None:
        self.holdings = holdings
        self.net_delta = net_delta
        self.gross = gross
        self.net_delta_value = net_delta_value
        self.asset_prices = asset_prices
        self.equity = sum([h.value for h in holdings])
        """The share-class value of the holdings (summed in key order)."""


def value_positions(
    valuer: Valuer, positions: dict[str, float], market: MarketSnapshot
) -> Valuation:
    """Value every position of `positions` at `market`."""
    usd = valuer.usd_rate(market)
    share = valuer.share_class
    indices = market.indices
    mark = market.prices
    prices: dict[str, float] = {}
    holdings: list[Holding] = []
    net: dict[str, float] = {}
    gross = 0.0
    net_value = 0.0
    for key in sorted(positions):
        amount = positions[key]
        rule = valuer.rule(key)
        asset = rule.asset
        asset_price = prices.get(asset)
        if asset_price is None:
            asset_price = prices[asset] = valuer.asset_price(asset, market)
        if rule.sign == 0.0:
            price = 0.0
        else:
            price = rule.sign
            for index in rule.indices:
                price *= indices[index]
            price *= asset_price
        value = amount * price
        perp = rule.perp
        if perp:
            delta = amount
            notional = abs(amount) * mark[rule.perp_instrument]
        else:
            delta = value / asset_price if asset_price else 0.0
            notional = 0.0
        holdings.append(
            Holding(
                key=key,
                amount=amount,
                asset=asset,
                price=price,
                value=value,
                value_usd=value * usd,
                delta=delta,
                notional=notional,
            )
        )
        if asset != share:
            net[asset] = net.get(asset, 0.0) + delta
            gross += notional if perp else abs(value)
            net_value += delta * asset_price
    for asset in valuer.assets:
        if asset not in prices:
            prices[asset] = valuer.asset_price(asset, market)
    return Valuation(holdings, net, gross, net_value, {a: prices[a] for a in sorted(prices)})


def equity(valuer: Valuer, positions: dict[str, float], market: MarketSnapshot) -> float:
    """Share-class value of `positions`: the sum `value_positions` would give its holdings."""
    indices = market.indices
    prices: dict[str, float] = {}
    values: list[float] = []
    for key in sorted(positions):
        rule = valuer.rule(key)
        asset_price = prices.get(rule.asset)
        if asset_price is None:
            asset_price = prices[rule.asset] = valuer.asset_price(rule.asset, market)
        if rule.sign == 0.0:
            values.append(positions[key] * 0.0)
            continue
        price = rule.sign
        for index in rule.indices:
            price *= indices[index]
        values.append(positions[key] * (price * asset_price))
    return sum(values)
