"""The DEX venue.

Inputs: `MarketSnapshot` (LST market rates, reward-token prices, gas),
`PositionSnapshot`, `SwapOrder`s.
Outputs: a `VenueExecution` or `OrderRejected` per order.
Prices: an LST sells at its market rate (the peg series; its discount to the oracle
rate is the exit's slippage), a reward token at its Uniswap price; the pair's size
bucket of the cost table is the trading fee; the swap's gas is charged once.
"""

from __future__ import annotations

from typing import Any

from schemas import market as market_topic
from schemas import orders as orders_topic
from schemas import positions as positions_topic
from schemas import triggers as triggers_topic
from schemas.base import Event
from schemas.market import MarketSnapshot
from schemas.orders import SwapOrder
from schemas.pnl import SLIPPAGE, TRADING_FEES
from schemas.triggers import Cost, OrderRejected, PositionDelta, VenueExecution
from services.errors import InvariantError
from services.onchain.costs import Costs
from services.runtime.actor import ActorContext, Out
from services.runtime.follower import LedgerFollower
from services.valuation.keys import WALLET, cash, lst_key
from services.valuation.valuer import LSTS, TOKENS, Valuer

DEX = "uniswap"
TOLERANCE = 1e-9


class DexVenue(LedgerFollower):
    """Market sales on a DEX."""

    name = "dex_venue"
    topics = (market_topic.TOPIC, positions_topic.TOPIC, orders_topic.TOPIC)

    def __init__(self, ctx: ActorContext) -> None:
        super().__init__(ctx)
        self.valuer = Valuer(ctx.config)
        self.costs = Costs(ctx.config, self.valuer)
        self.share = ctx.config.share_class

    def on_event(self, topic: str, event: Event) -> list[Out]:
        """Dispatch one event."""
        if not self.follow(event) and isinstance(event, SwapOrder) and event.venue == DEX:
            return [(triggers_topic.TOPIC, self._execute(event))]
        return []

    def _execute(self, order: SwapOrder) -> Event:
        if order.based_on != self.version:
            raise InvariantError(
                f"order {order.order_id} is based on version "
                f"{order.based_on}, the venue holds {self.version}"
            )
        assert self.market is not None
        result = self._swap(order, self.market)
        if isinstance(result, str):
            self.log.info("order_rejected", step=order.step, order_id=order.order_id, reason=result)
            return self.make(
                OrderRejected, order.step, order_id=order.order_id, venue=order.venue, reason=result
            )
        return self.make(VenueExecution, order.step, **result)

    def _swap(self, order: SwapOrder, market: MarketSnapshot) -> dict[str, Any] | str:
        sell, buy, x = order.sell, order.buy, order.amount
        if sell in LSTS and buy == "ETH":
            source, pair = lst_key(sell), f"ETH/{sell}"
            price = market.pegs.get(f"{sell}/ETH", market.indices.get(f"lst:{sell}/ETH", 0.0))
        elif sell in TOKENS and buy == self.share:
            source, pair = cash(WALLET, sell), f"{sell}/{buy}"
            key = f"uniswap:{sell}/WETH"
            if key not in market.prices:
                return f"{sell} has no market price at this step"
            price = market.prices[key] * self.valuer.asset_price("ETH", market)
        else:
            return f"no {sell} -> {buy} market on the DEX venue"
        held = self.ledger.get(source, 0.0)
        if x <= 0 or x > held * (1 + TOLERANCE) + 1e-12:
            return f"{source} holds {held:.8f}, cannot sell {x}"
        gross = x * price
        bps = self.costs.dex_bps(pair, self.costs.usd(buy, gross, market))
        fee = gross * bps / 1e4
        target = cash(WALLET, buy)
        deltas = [PositionDelta(source, -x), PositionDelta(target, gross - fee)]
        costs = [Cost(TRADING_FEES, buy, fee)] if fee else []
        paid = self.costs.pay_gas("swap", market, self.ledger, deltas, costs)
        if isinstance(paid, str):
            return paid
        deltas, costs = paid
        return {
            "deltas": deltas,
            "order_id": order.order_id,
            "action": order.action,
            "venue": order.venue,
            "operation": "swap",
            "instrument": f"{sell}/{buy}",
            "side": "sell",
            "quantity": x,
            "price": price * (1 - bps / 1e4),
            "reference_price": price,
            "costs": costs,
            "cause": SLIPPAGE,
        }
