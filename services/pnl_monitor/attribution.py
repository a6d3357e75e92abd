"""Attribution of one step's balance-based P&L.

Equity changes over a step because (a) the positions held since the previous step
were revalued and (b) triggers changed positions. With key value `a * f * P`
(amount, factor, asset price):

    E1 - E0 = sum_open a * (f1*P1 - f0*P0) + sum_triggers sum_deltas d * f1 * P1

The first term splits exactly into `a*(f1-f0)*P0` (interest, borrow cost, staking yield;
telescoped over several factors) and `a*f1*(P1-P0)` (price). Each trigger's value
change is split into its declared costs and a residual booked to its cause. External
flows (the initial capital) are not P&L. The parts therefore sum to the total up to
float rounding.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Final

from schemas.market import MarketSnapshot
from schemas.pnl import SPOT_PRICE
from schemas.triggers import InitialCapital, Trigger, VenueExecution
from services.valuation.valuer import Valuer

CAPITAL: Final = "capital"
"""Cause of a trigger that is an external flow, not P&L (a run's opening balances)."""


def revaluation(
    valuer: Valuer,
    positions: dict[str, float],
    before: MarketSnapshot,
    after: MarketSnapshot,
    parts: defaultdict[str, float],
) -> None:
    """Add the revaluation of `positions` from `before` to `after` to `parts`."""
    old_indices, new_indices = before.indices, after.indices
    for key in sorted(positions):
        rule = valuer.rule(key)
        if rule.sign == 0.0:
            continue
        amount = positions[key] * rule.sign
        p0 = valuer.asset_price(rule.asset, before)
        p1 = valuer.asset_price(rule.asset, after)
        indices = rule.indices
        news = [new_indices[k] for k in indices]
        if indices:
            # Telescoping over the factors: f1..f(i-1) at `after`, f(i+1).. at `before`.
            olds = [old_indices[k] for k in indices]
            for i, component in enumerate(rule.components):
                if news[i] != olds[i]:
                    change = amount * (news[i] - olds[i]) * p0
                    for j in range(i):
                        change *= news[j]
                    for j in range(i + 1, len(olds)):
                        change *= olds[j]
                    parts[component] += change
        if p1 != p0:
            grown = amount
            for f in news:
                grown *= f
            parts[SPOT_PRICE] += grown * (p1 - p0)


def trigger_values(
    valuer: Valuer,
    triggers: list[Trigger],
    market: MarketSnapshot,
    parts: defaultdict[str, float],
) -> float:
    """Add the value change of `triggers` to `parts`; return the external flows."""
    flows = 0.0
    for trigger in triggers:
        value = sum([d.amount * valuer.unit_price(d.key, market) for d in trigger.deltas])
        if isinstance(trigger, InitialCapital) or trigger.cause == CAPITAL:
            flows += value  # the capital, or a run's opening balances read from its venues
            continue
        residual = value
        if isinstance(trigger, VenueExecution):
            for cost in trigger.costs:
                cost_value = cost.amount * valuer.asset_price(cost.asset, market)
                parts[cost.component] -= cost_value
                residual += cost_value
        parts[trigger.cause] += residual
    return flows
