"""The run's notes (reward figures and estimates, filled and repaired data) and its APY."""

from __future__ import annotations

import math
from typing import Any

from schemas.pnl import SEASONAL_REWARDS_ESTIMATED
from services.config.run import RunConfig
from services.reward_emitter.actor import run_drops
from services.reward_emitter.schedule import EXTRA_YIELD, PER_EETH


def reward_notes(config: RunConfig, rewards: list[dict[str, Any]]) -> list[str]:
    """One note per drop whose figure is not the file's number as is.

    Args:
        config: the run.
        rewards: the drops paid (the recorder's reward records).
    """
    paid = {r["drop"]: r for r in rewards}
    notes = []
    for drop in run_drops(config):
        if not drop.estimated:
            if drop.note:
                notes.append(f"reward {drop.drop}: {drop.note}")
            continue
        text = (
            f"reward {drop.drop} is an estimate, booked to {SEASONAL_REWARDS_ESTIMATED} "
            f"apart from published drops: {drop.note}"
        )
        record = paid.get(drop.drop)
        if record is not None:
            figures = record["figures"]
            implied = figures.get(EXTRA_YIELD)
            if implied is not None:
                text += (
                    f"; per eETH that is {figures[PER_EETH]:.4f} {drop.token} by "
                    f"{PER_EETH} and {implied:.4f} by {EXTRA_YIELD} at the payout price"
                )
            elif drop.yield_fraction is not None:
                text += f"; {drop.token} has no market price at payout to apply {EXTRA_YIELD}"
            text += f"; paid the lower, {record['per_eeth']:.4f} {drop.token} per eETH"
        notes.append(text)
    return notes


def data_notes(fills: dict[str, dict[str, int]], repairs: list[str]) -> list[str]:
    """What the run's prices were filled from, and which bad rows were repaired."""
    notes = []
    for series, counts in sorted(fills.items()):
        marked = [f"{n} from {source}" for source, n in counts.items() if source != "forward"]
        if marked:
            notes.append(
                f"{series} has no price for {sum(counts.values())} steps: "
                f"{', '.join(marked)} (that venue's price x the last ratio observed between "
                f"the two), {counts.get('forward', 0)} carried forward"
            )
    notes += [f"data repaired: {r}" for r in repairs]
    return notes


def apy(initial: float, final: float, years: float) -> float:
    """Compound annual growth from `initial` to `final` over `years` (0 when undefined).

    A short window with a large gain annualises beyond any float: that is infinity.
    """
    if not (initial > 0 and final > 0 and years):
        return 0.0
    try:
        return float((final / initial) ** (1.0 / years) - 1.0)
    except OverflowError:
        return math.inf


def without_estimates(summary: dict[str, Any]) -> str:
    """` (x% without estimated rewards)` when the run credited estimated rewards, else ""."""
    if not summary["attribution"].get(SEASONAL_REWARDS_ESTIMATED):
        return ""
    return f" ({summary['apy_without_estimated_rewards']:.2%} without estimated rewards)"
