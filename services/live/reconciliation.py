"""Reconciliation of the ledger with a venue's authoritative report.

A venue report is authoritative for the keys it names; a key it does not name is left
alone (a missing report is not a flat position). Each difference is applied. One worth
more than the tolerance (share class; perps at their notional) is reported as a
`Discrepancy`; one worth more than the halt fraction of equity stops new orders until
an operator acknowledges it. Pure functions: the position monitor owns the state.
"""

from __future__ import annotations

from typing import NamedTuple

from schemas.market import MarketSnapshot
from schemas.positions import Discrepancy
from schemas.triggers import PositionDelta
from services.config.live import LiveConfig
from services.valuation.valuer import Valuer

DEFAULTS = LiveConfig(venues={})


class Reconciled(NamedTuple):
    """The outcome of one report: deltas to apply, differences to report, halt reason."""

    deltas: list[PositionDelta]
    found: list[Discrepancy]
    halt: str


def difference_value(
    valuer: Valuer, key: str, amount: float, market: MarketSnapshot | None
) -> float:
    """Share-class value of `amount` of `key` (perps: signed notional at the mark)."""
    if market is None:
        return amount
    rule = valuer.rule(key)
    if rule.kind == "Perp":
        return amount * market.prices.get(rule.perp_instrument, 0.0)
    return amount * valuer.unit_price(key, market)


def reconcile(
    positions: dict[str, float],
    reported: dict[str, float],
    valuer: Valuer,
    market: MarketSnapshot | None,
    live: LiveConfig | None,
) -> Reconciled:
    """Compare `reported` balances with `positions` (the ledger) at `market`.

    Args:
        positions: the ledger.
        reported: the venue's balances by position key (authoritative for those keys).
        valuer: values differences in the share class.
        market: the step's market (None before the first: differences are taken at 1).
        live: the run's thresholds (defaults when None).
    """
    cfg = live or DEFAULTS
    deltas: list[PositionDelta] = []
    found: list[Discrepancy] = []
    halt = ""
    equity = 0.0
    if market is not None:
        equity = sum(a * valuer.unit_price(k, market) for k, a in sorted(positions.items()))
    for key, venue_amount in sorted(reported.items()):
        ledger_amount = positions.get(key, 0.0)
        diff = venue_amount - ledger_amount
        if diff == 0.0:
            continue
        deltas.append(PositionDelta(key, diff))
        value = difference_value(valuer, key, diff, market)
        if abs(value) <= cfg.reconciliation_tolerance:
            continue
        found.append(Discrepancy(key=key, ledger=ledger_amount, venue=venue_amount, value=value))
        limit = cfg.reconciliation_halt * abs(equity)
        if abs(value) > limit and not halt:
            halt = (
                f"{key}: venue reports {venue_amount:.8g}, ledger {ledger_amount:.8g} "
                f"(difference worth {value:,.2f} > {limit:,.2f} = "
                f"{cfg.reconciliation_halt:g} of equity)"
            )
    return Reconciled(deltas, found, halt)
