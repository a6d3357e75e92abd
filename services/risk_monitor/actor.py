"""The risk monitor.

Inputs: `ExposureReport`, `MarketSnapshot` (Aave's oracle prices).
Outputs: one `RiskAssessment` per ledger version: margin per CEX venue, delta drift,
Aave health factor and LTV, breaches and the required action (`reduce` beats
`rebalance` beats `none`). An exposure report carrying the very holdings of the previous
one at the same market (a step without trades) reuses that assessment.
"""

from __future__ import annotations

from schemas import exposure as exposure_topic
from schemas import market as market_topic
from schemas import risk as risk_topic
from schemas.base import Event
from schemas.exposure import ExposureReport, Holding
from schemas.market import MarketSnapshot
from schemas.positions import ORDER
from schemas.risk import NONE, REBALANCE, REDUCE, Breach, RiskAssessment, VenueMargin
from services.cex_venue.margin import TierTable
from services.config.onchain import load_onchain
from services.config.params import (
    BasisParams,
    DirectionalParams,
    HedgedLeveragedParams,
    HedgedParams,
    LeveragedParams,
    hf_reduce_level,
    leverage_limits,
)
from services.onchain.aave import AaveRisk
from services.risk_monitor.aave_checks import aave_account, aave_breaches
from services.risk_monitor.checks import (
    delta_breaches,
    delta_ratio,
    margin_breaches,
    venue_margins,
)
from services.runtime.actor import Actor, ActorContext, Out
from services.valuation.keys import AAVE, declared_keys, parse_key


class Figures:
    """An assessment's figures: everything but the envelope, phase and version."""

    def __init__(
        self,
        margins: list[VenueMargin],
        worst_margin_ratio: float | None,
        delta_ratio: float,
        breaches: list[Breach],
        required_action: str,
        health_factor: float | None,
        ltv: float | None,
    ) -> None:
        self.margins = margins
        self.worst_margin_ratio = worst_margin_ratio
        self.delta_ratio = delta_ratio
        self.breaches = breaches
        self.required_action = required_action
        self.health_factor = health_factor
        self.ltv = ltv


class RiskMonitor(Actor):
    """Assesses every exposure report."""

    name = "risk_monitor"
    topics = (market_topic.TOPIC, exposure_topic.TOPIC)
    parks_on = (exposure_topic.TOPIC,)

    def __init__(self, ctx: ActorContext) -> None:
        super().__init__(ctx)
        p = self.params = ctx.config.typed_params()
        self.tables = {
            venue: {sym: TierTable(t) for sym, t in cfg.maintenance_tiers.items()}
            for venue, cfg in ctx.config.venues.items()
        }
        emode = bool(getattr(p, "emode", False))
        self.risk = AaveRisk(load_onchain().aave, emode)
        self.target_ltv: float | None = None
        self.hf_reduce: float | None = None
        self.ltv_drift: float | None = None
        if isinstance(p, LeveragedParams | HedgedLeveragedParams):
            loop = self.risk.params(p.lst)
            self.target_ltv = leverage_limits(p, loop.ltv)[0]
            self.hf_reduce = hf_reduce_level(p, loop.ltv, loop.liquidation_threshold)
            self.ltv_drift = p.ltv_drift
        self.margin_limits: tuple[float, float] | None = None
        """(warn, reduce) margin ratios of the modes that check CEX margin."""
        self.delta_limits: tuple[float, float] | None = None
        """(report, rebalance) delta drift of the hedged modes."""
        if isinstance(p, BasisParams | HedgedParams | DirectionalParams):
            self.margin_limits = (p.margin_warn, p.margin_reduce)
        if isinstance(p, BasisParams | HedgedParams):
            self.delta_limits = (p.delta_report, p.delta_rebalance)
        self.markets: dict[int, MarketSnapshot] = {}
        self.aave = any(parse_key(k).venue == AAVE for k in declared_keys(ctx.config))
        """False when the run can hold no Aave position (its account is always empty)."""
        self._last: tuple[MarketSnapshot, list[Holding], float, float, Figures] | None = None
        self.breached: set[tuple[str, str, str]] = set()

    def waits_for(self, topic: str, event: Event) -> bool:
        """An exposure report needs its step's market."""
        return isinstance(event, ExposureReport) and event.step not in self.markets

    def on_event(self, topic: str, event: Event) -> list[Out]:
        """Store markets; assess exposure reports."""
        if isinstance(event, MarketSnapshot):
            self.markets[event.step] = event
            self.markets.pop(event.step - 2, None)
            return []
        if not isinstance(event, ExposureReport):
            return []
        step = event.step
        market = self.markets[step]
        last = self._last
        if (
            last is not None
            and last[0] is market
            and last[1] is event.holdings
            and last[2] == event.gross
            and last[3] == event.net_delta_value
        ):
            f = last[4]
        else:
            f = self._assess(event, market)
            self._last = (market, event.holdings, event.gross, event.net_delta_value, f)
        ts, event_id = self.stamp(step)
        assessment = RiskAssessment(
            run_id=self.run_id,
            step=step,
            ts=ts,
            source=self.source,
            event_id=event_id,
            phase=event.phase,
            version=event.version,
            margins=f.margins,
            worst_margin_ratio=f.worst_margin_ratio,
            delta_ratio=f.delta_ratio,
            breaches=f.breaches,
            required_action=f.required_action,
            health_factor=f.health_factor,
            ltv=f.ltv,
        )
        if event.phase != ORDER:  # the settled ledger, and the final one after orders
            self._log_crossings(f.breaches)
        return [(risk_topic.TOPIC, assessment)]

    def _log_crossings(self, breaches: list[Breach]) -> None:
        """Info when a limit is crossed or cleared (a change, not every step's state)."""
        if not breaches and not self.breached:
            return
        now = {(b.check, b.level, b.subject): b for b in breaches}
        for key in sorted(now.keys() - self.breached):
            b = now[key]
            self.log.info(
                "threshold_crossed",
                check=b.check,
                level=b.level,
                subject=b.subject,
                value=b.value,
                threshold=b.threshold,
            )
        for check, level, subject in sorted(self.breached - now.keys()):
            self.log.info("threshold_cleared", check=check, level=level, subject=subject)
        self.breached = set(now)

    def _assess(self, event: ExposureReport, market: MarketSnapshot) -> Figures:
        """The assessment's figures."""
        margins = venue_margins(event, self.tables)
        ratios = [m.ratio for m in margins if m.notional]
        drift = delta_ratio(event)
        breaches: list[Breach] = []
        if self.margin_limits is not None:
            breaches += margin_breaches(margins, *self.margin_limits)
        if self.delta_limits is not None:
            breaches += delta_breaches(drift, *self.delta_limits)
        health_factor = ltv = None
        if self.aave:
            acct = aave_account(event, market)
            breaches += aave_breaches(
                acct, self.risk, self.hf_reduce, self.target_ltv, self.ltv_drift
            )
            health_factor, ltv = acct.health_factor(self.risk), acct.ltv()
        if self.config.live is not None:
            # Live quotes carried from an earlier reading (within the staleness limits).
            breaches += [
                Breach(check="stale_data", level="warn", subject=s, value=1.0, threshold=0.0)
                for s in self.markets[event.step].filled
            ]
        action = NONE
        for b in breaches:
            if b.level == REDUCE or b.level == "liquidation":
                action = REDUCE
                break
            if b.level == REBALANCE:
                action = REBALANCE
        return Figures(
            margins,
            min(ratios) if ratios else None,
            drift,
            breaches,
            action,
            health_factor,
            ltv,
        )
