"""The funding settler.

Inputs: `MarketSnapshot` (funding rates appear at a venue's settlement steps: 00:00,
08:00, 16:00 UTC), `PositionSnapshot` (perp sizes).
Outputs: its `PhaseDone(settle)` marker every step, carrying one `M2MSettlement` (kind
`funding`) per held perp at each settlement.
Rule: payment = |size| * mark * rate, received by a short when the rate is positive,
paid by a long; posted to the venue's USDT balance. There is no mark-price series:
the mark is the perp's own hourly close at the settlement step.
"""

from __future__ import annotations

from schemas import market as market_topic
from schemas import orders as orders_topic
from schemas import positions as positions_topic
from schemas.base import Event
from schemas.market import MarketSnapshot
from schemas.triggers import M2MSettlement, Trigger
from services.cex_venue.settle import m2m_fields
from services.runtime.actor import Out
from services.runtime.follower import LedgerFollower
from services.valuation.keys import perp


class FundingSettler(LedgerFollower):
    """Emits funding settlements for every held perp."""

    name = "funding_settler"
    topics = (market_topic.TOPIC, positions_topic.TOPIC, orders_topic.TOPIC)
    settles = True

    def on_event(self, topic: str, event: Event) -> list[Out]:
        """Track the ledger; settle funding on each market snapshot."""
        if not self.follow(event) or not isinstance(event, MarketSnapshot):
            return []
        triggers: list[Trigger] = []
        step = event.step
        if event.funding:
            for instrument, rate in sorted(event.funding.items()):
                venue, _, symbol = instrument.split(":")
                size = self.ledger.get(perp(venue, symbol), 0.0)
                if size == 0.0:
                    continue
                mark = event.prices[instrument]
                amount = -size * mark * rate
                settlement = self.make(
                    M2MSettlement,
                    step,
                    **m2m_fields(venue, instrument, "funding", size, mark, amount, rate=rate),
                )
                triggers.append(settlement)
        return [self.settled_phase(step, triggers)]
