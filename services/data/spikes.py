"""Bad ticks among prices: a price that jumps and reverts.

A price away from the median of its neighbours by more than its column's threshold is
a bad tick. Where the same instrument trades on other venues (`catalog.SIBLINGS`), a
price is a bad tick only if it also moves against every other venue observed then (and,
with one other venue, moves more than that venue itself): a move every venue made is
the market, not a tick. Runs after each venue's file was cleaned on its own
(`services.data.outliers`), on the final rows of the others.
"""

from __future__ import annotations

import numpy as np

from services.data.defects import DefectLog
from services.data.neighbours import neighbour_median
from services.data.outliers import Finding, FloatArray, LineOf, Table, drop
from services.data.specs import ColumnSpec, SeriesSpec

OWN_SPIKE = {"high": 0.5, "low": 0.5}
"""Log distance from the neighbours' median that makes a bad tick, by column, when no
other venue trades the instrument (default `OWN_SPIKE_DEFAULT`). The real data's
largest: 0.08 for a close, 0.20 for a high (thin Uniswap pools)."""
OWN_SPIKE_DEFAULT = 0.25
CROSS_SPIKE = {"high": 0.10, "low": 0.10}
"""The same against other venues (log change of the spread; default `CROSS_SPIKE_DEFAULT`).
The real data's largest between CEX venues: 0.0011 for a close, 0.017 for a low."""
CROSS_SPIKE_DEFAULT = 0.005


def _on(table: Table, other: Table, column: str) -> FloatArray:
    """``other``'s log value at each of ``table``'s stamps (NaN where it has none)."""
    out = np.full(len(table), np.nan)
    if not len(other):
        return out
    pos = np.minimum(np.searchsorted(other.ts, table.ts), len(other) - 1)
    hit = other.ts[pos] == table.ts
    out[hit] = np.log(other.values[column][pos[hit]])
    return out


def spikes(
    found: DefectLog,
    spec: SeriesSpec,
    table: Table,
    line_of: LineOf,
    siblings: dict[str, Table],
) -> Table:
    """Prices that jump and revert (see the module docstring)."""
    findings = []
    for column in (c for c in spec.columns if c.spikes):
        findings += _column_spikes(column, table, siblings)
    return drop(found, table, "outlier", findings, line_of)


def _column_spikes(column: ColumnSpec, table: Table, siblings: dict[str, Table]) -> list[Finding]:
    name = column.name
    x = np.log(table.values[name])
    med = neighbour_median(x)
    dev = np.abs(x - med)
    cross_limit = CROSS_SPIKE.get(name, CROSS_SPIKE_DEFAULT)
    observed = np.zeros(len(x), dtype=np.int64)
    against_all = np.ones(len(x), dtype=bool)
    other_dev = np.zeros(len(x))
    spread_dev = np.full(len(x), np.inf)
    for other in siblings.values():
        y = _on(table, other, name)
        spread = x - y
        sdev = np.abs(spread - neighbour_median(spread))
        seen = ~np.isnan(sdev)
        observed += seen
        against_all &= ~seen | (sdev > cross_limit)
        spread_dev = np.where(seen, np.fmin(spread_dev, sdev), spread_dev)
        other_dev = np.where(seen, np.fmax(other_dev, np.abs(y - neighbour_median(y))), other_dev)
    own = dev > OWN_SPIKE.get(name, OWN_SPIKE_DEFAULT)
    single = against_all & (dev > other_dev)
    bad = np.where(observed >= 2, against_all, np.where(observed == 1, single, own))
    names = " and ".join(siblings)
    out = []
    for i in np.flatnonzero(bad).tolist():
        what = (
            f"{name} {table.values[name][i]:.10g} is {np.exp(x[i] - med[i]):.4g}x the median of "
            f"its neighbours ({np.exp(med[i]):.6g})"
        )
        if observed[i]:
            what += f" and moves {_change(spread_dev[i])} against {names}"
        out.append(Finding(i, name, what))
    return out


def _change(log_change: float) -> str:
    """A log change for people: ``0.97%`` when small, ``10.0x`` when not."""
    if log_change < 0.5:
        return f"{np.expm1(log_change):.2%}"
    return f"{np.exp(log_change):.4g}x"
