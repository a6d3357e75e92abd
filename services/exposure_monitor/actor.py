"""The exposure monitor.

Inputs: `MarketSnapshot`, `PositionSnapshot`.
Outputs: one `ExposureReport` per ledger version, valued at that step's market.
"""

from __future__ import annotations

from schemas import exposure as exposure_topic
from schemas import market as market_topic
from schemas import positions as positions_topic
from schemas.base import Event
from schemas.exposure import ExposureReport, Holding
from schemas.market import MarketSnapshot
from schemas.positions import PositionSnapshot
from services.runtime.actor import Actor, ActorContext, Out
from services.valuation.valuer import Valuer


def value_positions(
    valuer: Valuer, positions: dict[str, float], market: MarketSnapshot
) -> tuple[list[Holding], dict[str, float], float, float]:
    """Holdings sorted by key, net delta per asset, gross risky exposure, net delta value."""
    usd = valuer.usd_rate(market)
    holdings: list[Holding] = []
    net: dict[str, float] = {}
    gross = 0.0
    net_value = 0.0
    for key in sorted(positions):
        amount = positions[key]
        rule = valuer.rule(key)
        asset_price = valuer.asset_price(rule.asset, market)
        price = 0.0 if rule.sign == 0.0 else valuer.factor(rule, market) * asset_price
        value = amount * price
        if rule.kind == "Perp":
            delta = amount
            notional = abs(amount) * market.prices[rule.perp_instrument]
        else:
            delta = value / asset_price if asset_price else 0.0
            notional = 0.0
        holdings.append(
            Holding(
                key=key,
                amount=amount,
                asset=rule.asset,
                price=price,
                value=value,
                value_usd=value * usd,
                delta=delta,
                notional=notional,
            )
        )
        if rule.asset != valuer.share_class:
            net[rule.asset] = net.get(rule.asset, 0.0) + delta
            gross += notional if rule.kind == "Perp" else abs(value)
            net_value += delta * asset_price
    return holdings, net, gross, net_value


class ExposureMonitor(Actor):
    """Values every ledger version."""

    name = "exposure_monitor"
    topics = (market_topic.TOPIC, positions_topic.TOPIC)

    def __init__(self, ctx: ActorContext) -> None:
        super().__init__(ctx)
        self.valuer = Valuer(ctx.config)
        self.markets: dict[int, MarketSnapshot] = {}

    def _asset_prices(self, holdings: list[Holding], market: MarketSnapshot) -> dict[str, float]:
        assets = sorted({*self.valuer.assets, *(h.asset for h in holdings)})
        return {a: self.valuer.asset_price(a, market) for a in assets}

    def waits_for(self, topic: str, event: Event) -> bool:
        """A snapshot needs its step's market."""
        return isinstance(event, PositionSnapshot) and event.step not in self.markets

    def on_event(self, topic: str, event: Event) -> list[Out]:
        """Store markets; value snapshots."""
        if isinstance(event, MarketSnapshot):
            self.markets[event.step] = event
            self.markets.pop(event.step - 2, None)
            return []
        if not isinstance(event, PositionSnapshot):
            return []
        market = self.markets[event.step]
        holdings, net, gross, net_value = value_positions(self.valuer, event.positions, market)
        equity = sum(h.value for h in holdings)
        report = self.make(
            ExposureReport,
            event.step,
            phase=event.phase,
            version=event.version,
            share_class=self.valuer.share_class,
            equity=equity,
            equity_usd=equity * self.valuer.usd_rate(market),
            holdings=holdings,
            net_delta=net,
            gross=gross,
            net_delta_value=net_value,
            asset_prices=self._asset_prices(holdings, market),
            gas_gwei=market.gas_gwei,
        )
        return [(exposure_topic.TOPIC, report)]
