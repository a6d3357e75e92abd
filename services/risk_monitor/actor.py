"""The risk monitor.

Inputs: `ExposureReport`.
Outputs: one `RiskAssessment` per ledger version: margin per CEX venue, delta drift,
breaches and the required action (`reduce` beats `rebalance` beats `none`).
"""

from __future__ import annotations

from schemas import exposure as exposure_topic
from schemas import risk as risk_topic
from schemas.base import Event
from schemas.exposure import ExposureReport
from schemas.risk import NONE, REBALANCE, REDUCE, RiskAssessment
from services.cex_venue.margin import TierTable
from services.config.params import BasisParams
from services.risk_monitor.checks import (
    delta_breaches,
    delta_ratio,
    margin_breaches,
    venue_margins,
)
from services.runtime.actor import Actor, ActorContext, Out


class RiskMonitor(Actor):
    """Assesses every exposure report."""

    name = "risk_monitor"
    topics = (exposure_topic.TOPIC,)

    def __init__(self, ctx: ActorContext) -> None:
        super().__init__(ctx)
        self.params = ctx.config.typed_params()
        self.tables = {
            venue: {sym: TierTable(t) for sym, t in cfg.maintenance_tiers.items()}
            for venue, cfg in ctx.config.venues.items()
        }

    def on_event(self, topic: str, event: Event) -> list[Out]:
        """Assess one exposure report."""
        if not isinstance(event, ExposureReport):
            return []
        margins = venue_margins(event, self.tables)
        ratios = [m.ratio for m in margins if m.notional]
        drift = delta_ratio(event)
        breaches = []
        p = self.params
        if isinstance(p, BasisParams):
            breaches += margin_breaches(margins, p.margin_warn, p.margin_reduce)
            breaches += delta_breaches(drift, p.delta_report, p.delta_rebalance)
        levels = {b.level for b in breaches}
        action = (
            REDUCE
            if levels & {REDUCE, "liquidation"}
            else (REBALANCE if REBALANCE in levels else NONE)
        )
        assessment = self.make(
            RiskAssessment,
            event.step,
            phase=event.phase,
            version=event.version,
            margins=margins,
            worst_margin_ratio=min(ratios) if ratios else None,
            delta_ratio=drift,
            breaches=breaches,
            required_action=action,
        )
        return [(risk_topic.TOPIC, assessment)]
