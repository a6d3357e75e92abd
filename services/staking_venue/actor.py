"""The liquid-staking venue.

Inputs: `MarketSnapshot` (LST/ETH rates, gas), `PositionSnapshot`, `StakeOrder`s.
Outputs: per order a `VenueExecution` or `OrderRejected`; per step, claims of EtherFi
withdrawals whose queue has ended (a `VenueExecution`, operation `claim`), inside its
`PhaseDone(settle)` marker.
Rules: staking mints the LST at the protocol (oracle) rate; an EtherFi unstake burns
the weETH at that rate and the ETH becomes claimable after the queue (7 days); Lido's
wstETH exits by market sale on the DEX venue, not here.
"""

from __future__ import annotations

from schemas import market as market_topic
from schemas import orders as orders_topic
from schemas import positions as positions_topic
from schemas import triggers as triggers_topic
from schemas.base import Event
from schemas.market import MarketSnapshot
from schemas.orders import StakeOrder
from schemas.pnl import TRANSFER
from schemas.triggers import Cost, OrderRejected, PositionDelta, Trigger, VenueExecution
from services.config.onchain import load_onchain
from services.errors import InvariantError
from services.onchain.costs import Costs
from services.runtime.actor import ActorContext, Out
from services.runtime.follower import LedgerFollower
from services.valuation.keys import LST_VENUES, WALLET, cash, lst_key
from services.valuation.valuer import Valuer

TOLERANCE = 1e-9


class StakingVenue(LedgerFollower):
    """EtherFi and Lido."""

    name = "staking_venue"
    topics = (market_topic.TOPIC, positions_topic.TOPIC, orders_topic.TOPIC)
    settles = True

    def __init__(self, ctx: ActorContext) -> None:
        super().__init__(ctx)
        self.costs = Costs(ctx.config, Valuer(ctx.config))
        days = load_onchain().staking.etherfi_unstake_days
        self.queue_steps = days * 86_400_000_000_000 // ctx.config.step_ns
        self.queue: list[tuple[int, float]] = []

    def on_event(self, topic: str, event: Event) -> list[Out]:
        """Dispatch one event."""
        if self.follow(event):
            if isinstance(event, MarketSnapshot):
                return [self.settled_phase(event.step, self._claims(event))]
            return []
        if isinstance(event, StakeOrder) and event.venue in LST_VENUES.values():
            return [(triggers_topic.TOPIC, self._execute(event))]
        return []

    def _claims(self, market: MarketSnapshot) -> list[Trigger]:
        due = [amount for step, amount in self.queue if step <= market.step]
        if not due:
            return []
        amount = sum(due)
        deltas = [
            PositionDelta(cash("etherfi", "ETH"), -amount),
            PositionDelta(cash(WALLET, "ETH"), amount),
        ]
        paid = self.costs.pay_gas("claim", market, self.ledger, deltas, [])
        if isinstance(paid, str):
            self.log.warning("claim_deferred_no_gas", step=market.step, amount=amount)
            return []
        deltas, costs = paid
        self.queue = [(s, a) for s, a in self.queue if s > market.step]
        event = self.make(
            VenueExecution,
            market.step,
            deltas=deltas,
            order_id=f"claim/etherfi/{market.step}",
            action="claim",
            venue="etherfi",
            operation="claim",
            instrument="ETH",
            quantity=amount,
            costs=costs,
            cause=TRANSFER,
        )
        return [event]

    def _execute(self, order: StakeOrder) -> Event:
        if order.based_on != self.version:
            raise InvariantError(
                f"order {order.order_id} is based on version "
                f"{order.based_on}, the venue holds {self.version}"
            )
        assert self.market is not None
        market, lst, x = self.market, order.lst, order.amount
        rate = market.indices.get(f"lst:{lst}/ETH")
        wallet = cash(WALLET, "ETH")
        reason = ""
        deltas: list[PositionDelta] = []
        if rate is None or LST_VENUES.get(lst) != order.venue:
            reason = f"{order.venue} does not issue {lst} in this run"
        elif x <= 0:
            reason = f"amount {x} not positive"
        elif order.operation == "stake":
            if x > self.ledger.get(wallet, 0.0) * (1 + TOLERANCE):
                reason = f"wallet ETH {self.ledger.get(wallet, 0.0):.6f} < {x}"
            deltas = [PositionDelta(wallet, -x), PositionDelta(lst_key(lst), x / rate)]
        elif order.operation == "unstake" and order.venue == "etherfi":
            if x > self.ledger.get(lst_key(lst), 0.0) * (1 + TOLERANCE):
                reason = f"{lst_key(lst)} {self.ledger.get(lst_key(lst), 0.0):.6f} < {x}"
            deltas = [
                PositionDelta(lst_key(lst), -x),
                PositionDelta(cash("etherfi", "ETH"), x * rate),
            ]
        else:
            reason = f"{order.operation} is not available on {order.venue}" + (
                ": wstETH exits by market sale (a swap order)" if order.venue == "lido" else ""
            )
        costs: list[Cost] = []
        if not reason:
            paid = self.costs.pay_gas(order.operation, market, self.ledger, deltas, costs)
            if isinstance(paid, str):
                reason = paid
            else:
                deltas, costs = paid
        if reason:
            self.log.info("order_rejected", step=order.step, order_id=order.order_id, reason=reason)
            return self.make(
                OrderRejected, order.step, order_id=order.order_id, venue=order.venue, reason=reason
            )
        if order.operation == "unstake":
            self.queue.append((order.step + self.queue_steps, x * (rate or 0.0)))
        return self.make(
            VenueExecution,
            order.step,
            deltas=deltas,
            order_id=order.order_id,
            action=order.action,
            venue=order.venue,
            operation=order.operation,
            instrument=lst,
            quantity=x,
            price=rate or 0.0,
            reference_price=rate or 0.0,
            costs=costs,
            cause=TRANSFER,
        )
