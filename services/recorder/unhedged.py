"""What a liquidation left behind: the unhedged exposure, how large and for how long.

A venue that liquidates a perp hedge leaves the other leg alone: a static basis trade
whose shorts are liquidated holds spot from then on, and its APY and drawdown come from
the asset's price, not from the basis. For each step with liquidations this reports the
net delta right after them and how long the book stayed away from neutral (|net delta
value| / gross exposure above the mode's `delta_rebalance`) before it was hedged again,
or to the end of the run, with the price P&L made meanwhile.
"""

from __future__ import annotations

import math
from collections import defaultdict
from typing import Any

import numpy as np

from schemas.pnl import PERP_PRICE, SPOT_PRICE
from services.config.run import RunConfig
from services.recorder.actor import Recorder

HOUR_NS = 3_600_000_000_000


def after_liquidations(rec: Recorder, config: RunConfig) -> list[dict[str, Any]]:
    """One record per step with liquidations of a market-neutral mode (else none).

    Each record: ``time``, ``venues``, ``loss`` (share class), ``net_delta`` (asset
    units, right after), ``net_delta_value`` (share class), ``delta_ratio``,
    ``unhedged_hours``, ``hedged_again`` (ISO time, or None: unhedged to the end),
    ``peak_net_delta_value`` and ``price_pnl_while_unhedged`` (spot and perp price P&L
    over the unhedged span, share class).
    """
    limit = getattr(config.typed_params(), "delta_rebalance", None)
    if limit is None or not rec.liquidations:
        return []
    by_step: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for liq in rec.liquidations:
        by_step[liq["step"]].append(liq)
    steps = np.asarray(rec.exposure["step"], dtype=np.int64)
    value = np.asarray(rec.exposure["net_delta_value"], dtype=np.float64)
    gross = np.asarray(rec.exposure["gross"], dtype=np.float64)
    ratio = np.where(gross > 0, np.abs(value) / np.where(gross > 0, gross, 1.0), np.inf)
    ratio[value == 0] = 0.0
    at_step = {int(s): i for i, s in enumerate(rec.equity["step"])}
    times = [rec.equity["time"][at_step[int(s)]] for s in steps]
    price_pnl = np.array(
        [
            rec.equity[f"pnl_{SPOT_PRICE}"][at_step[int(s)]]
            + rec.equity[f"pnl_{PERP_PRICE}"][at_step[int(s)]]
            for s in steps
        ]
    )
    out = []
    for step, liqs in sorted(by_step.items()):
        at = int(np.searchsorted(steps, step))
        if at >= len(steps) or ratio[at] <= limit:
            continue  # still hedged after it
        later = np.flatnonzero(ratio[at + 1 :] <= limit)
        end = at + 1 + int(later[0]) if len(later) else len(steps) - 1
        out.append(
            {
                "time": _iso(times[at]),
                "venues": sorted({liq["venue"] for liq in liqs}),
                "loss": math.fsum(liq["loss"] for liq in liqs),
                "net_delta": _net_delta(rec, step, config.share_class),
                "net_delta_value": float(value[at]),
                "delta_ratio": float(ratio[at]),
                "unhedged_hours": int((times[end] - times[at]) // HOUR_NS)
                + (0 if len(later) else 1),
                "hedged_again": _iso(times[end]) if len(later) else None,
                "peak_net_delta_value": _peak(value[at : end + 1]),
                "price_pnl_while_unhedged": float(price_pnl[end] - price_pnl[at]),
            }
        )
    return out


def _net_delta(rec: Recorder, step: int, share_class: str) -> dict[str, float]:
    """Net exposure per asset (units) in the final positions of ``step``."""
    cols = rec.positions
    lo = cols["step"].index(step) if step in cols["step"] else len(cols["step"])
    net: dict[str, float] = defaultdict(float)
    for i in range(lo, len(cols["step"])):
        if cols["step"][i] != step:
            break
        if cols["asset"][i] != share_class:
            net[cols["asset"][i]] += cols["delta"][i]
    return {asset: delta for asset, delta in sorted(net.items()) if delta}


def _peak(values: np.ndarray) -> float:
    """The value of largest magnitude."""
    return float(values[int(np.argmax(np.abs(values)))])


def _iso(ns: int) -> str:
    return str(np.datetime64(int(ns), "ns").astype("datetime64[s]")) + "Z"


def unhedged_text(summary: dict[str, Any]) -> str:
    """One line per liquidation that left the book unhedged ("" when none did)."""
    cls = summary["share_class"]
    lines = []
    for u in summary.get("after_liquidation", []):
        delta = ", ".join(f"{v:+,.4f} {asset}" for asset, v in u["net_delta"].items())
        until = f"until {u['hedged_again']}" if u["hedged_again"] else "to the end of the run"
        lines.append(
            f"after the liquidation at {u['time']} ({', '.join(u['venues'])}) the book held "
            f"{delta} unhedged ({u['net_delta_value']:+,.2f} {cls}) for "
            f"{u['unhedged_hours']:,} h {until}; price P&L meanwhile "
            f"{u['price_pnl_while_unhedged']:+,.2f} {cls}"
        )
    return "\n".join(lines)
