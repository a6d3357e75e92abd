"""Bad ticks: values that would become P&L if a run used them as they are.

Found once, at load time, vectorised; each is reported with its file line and value and
its row is dropped (the grid then fills the hour under the staleness limits, from the
same instrument on another venue where there is one):

- `impossible`: an empty, NaN or infinite value; a price <= 0;
- `out_of_bounds`: a value beyond its column's limits (a funding rate beyond its venue's
  cap, an index or an LST rate outside its plausible range). Most of a column outside is a
  units error and a broken column is unusable: both are refused, not repaired;
- `bad_bars`: an OHLC bar whose high and low do not bracket its open and close;
- `backwards`: an index or exchange rate below the medians of the values before and
  after it, or above both, by more than `RISE_TOLERANCE` (a value that grows, going back
  for a moment); a lasting fall is no tick: see `lasting_falls`;
- `services.data.spikes`: prices that jump and revert (judged against other venues too,
  so it runs once every venue's file is clean).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from services.data.defects import DefectKind, DefectLog, plural
from services.data.neighbours import side_medians
from services.data.specs import SeriesSpec
from services.data.times import iso

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
LineOf = Callable[[int], int]

RISE_TOLERANCE = 1e-4
"""How far (relative) a rate that only grows may go back: float noise is ~1e-12."""
MAX_ROWS_REPORTED = 50
"""Row findings listed one by one per check; the rest are counted in one defect."""


@dataclass(frozen=True)
class Table:
    """Rows of one file being cleaned: stamps, value columns, each row's index in the file."""

    ts: IntArray
    values: dict[str, FloatArray]
    rows: IntArray

    def __len__(self) -> int:
        return len(self.ts)

    def keep(self, mask: BoolArray) -> Table:
        """The rows where ``mask`` is True."""
        return Table(self.ts[mask], {c: v[mask] for c, v in self.values.items()}, self.rows[mask])


@dataclass(frozen=True)
class Finding:
    """One bad row: its index in the table, the column and what is wrong (value included)."""

    index: int
    column: str
    what: str


def drop(
    found: DefectLog, table: Table, kind: DefectKind, findings: list[Finding], line_of: LineOf
) -> Table:
    """Report each finding with its line and value, and drop its row."""
    if not findings:
        return table
    findings = sorted(findings, key=lambda f: f.index)
    seen: set[int] = set()
    for f in findings:
        if f.index in seen:
            continue
        seen.add(f.index)
        if len(seen) > MAX_ROWS_REPORTED:
            continue
        value = table.values[f.column][f.index]
        line = line_of(int(table.rows[f.index]))
        found.row(kind, iso(table.ts[f.index]), line, f.column, value, f"{f.what}: dropped")
    if len(seen) > MAX_ROWS_REPORTED:
        rest = sorted(seen)[MAX_ROWS_REPORTED:]
        found.add(
            kind,
            len(rest),
            iso(table.ts[rest[0]]),
            iso(table.ts[rest[-1]]),
            f"{plural(len(rest), 'more row')} like those above: dropped",
        )
    keep = np.ones(len(table), dtype=bool)
    keep[sorted(seen)] = False
    return table.keep(keep)


def impossible(found: DefectLog, spec: SeriesSpec, table: Table, line_of: LineOf) -> Table:
    """Empty, NaN and infinite values; prices <= 0."""
    findings = []
    for column in spec.columns:
        name, v = column.name, table.values[column.name]
        findings += [Finding(i, name, f"{name} is empty or NaN") for i in _where(np.isnan(v))]
        findings += [Finding(i, name, f"{name} is {v[i]} (too large)") for i in _where(np.isinf(v))]
        if column.bounds.positive:
            findings += [Finding(i, name, f"{name} {v[i]:.10g} is <= 0") for i in _where(v <= 0)]
    return drop(found, table, "impossible", findings, line_of)


def _where(mask: BoolArray) -> list[int]:
    return [int(i) for i in np.flatnonzero(mask)]


def out_of_bounds(found: DefectLog, spec: SeriesSpec, table: Table, line_of: LineOf) -> Table:
    """Values beyond their column's limits (see the module docstring)."""
    findings = []
    for column in spec.columns:
        b, v = column.bounds, table.values[column.name]
        lo = -np.inf if b.lo is None else b.lo
        hi = np.inf if b.hi is None else b.hi
        out = (v < lo) | (v > hi)
        n_out = int(out.sum())
        if not n_out:
            continue
        where = table.ts[out]
        limits = b.label or f"the plausible range {_limits(lo, hi)}"
        stats = f"min {np.min(v[out]):.6g}, max {np.max(v[out]):.6g}"
        if b.units_hint and n_out * 2 > len(v):
            found.add(
                "units",
                n_out,
                iso(where[0]),
                iso(where[-1]),
                f"{column.name}: {n_out} of {len(v)} values outside {limits} "
                f"(median {np.median(v):.6g}): {b.units_hint}",
            )
        elif b.out_kind == "broken":
            fix = f"; {b.fix}" if b.fix else ""
            found.add(
                "broken",
                n_out,
                iso(where[0]),
                iso(where[-1]),
                f"{column.name}: {n_out} of {len(v)} rows outside {limits} ({stats}): "
                f"the file is unusable{fix}",
            )
        else:
            findings += [
                Finding(i, column.name, f"{column.name} {v[i]:.10g} is beyond {limits}")
                for i in np.flatnonzero(out).tolist()
            ]
    return drop(found, table, "outlier", findings, line_of)


def _limits(lo: float, hi: float) -> str:
    if np.isfinite(lo) and np.isfinite(hi):
        return f"[{lo:g}, {hi:g}]"
    return f">= {lo:g}" if np.isfinite(lo) else f"<= {hi:g}"


def bad_bars(found: DefectLog, table: Table, line_of: LineOf) -> Table:
    """OHLC bars whose low and high do not bracket their open and close."""
    if not {"open", "high", "low", "close"} <= set(table.values):
        return table
    o, h, lo, c = (table.values[k] for k in ("open", "high", "low", "close"))
    bad = np.flatnonzero((lo > np.minimum(o, c)) | (h < np.maximum(o, c))).tolist()
    findings = [
        Finding(
            i,
            "high",
            f"high {h[i]:.10g} and low {lo[i]:.10g} do not bracket open {o[i]:.10g} and "
            f"close {c[i]:.10g}",
        )
        for i in bad
    ]
    return drop(found, table, "outlier", findings, line_of)


def backwards(found: DefectLog, spec: SeriesSpec, table: Table, line_of: LineOf) -> Table:
    """Rates that grow, going back for a moment (see the module docstring)."""
    findings = []
    for column in (c for c in spec.columns if c.rises):
        v = table.values[column.name]
        prior, later = side_medians(v)
        # Away from the values on both sides: a dip below both, or a peak above both.
        dip = (v < prior * (1 - RISE_TOLERANCE)) & (v < later * (1 - RISE_TOLERANCE))
        peak = (v > later * (1 + RISE_TOLERANCE)) & (v > prior * (1 + RISE_TOLERANCE))
        findings += [
            Finding(
                i,
                column.name,
                f"{column.name} {v[i]:.10g} goes against its rise and back: the values around "
                f"it are near {prior[i]:.10g} and {later[i]:.10g}",
            )
            for i in _where(dip | peak)
        ]
    return drop(found, table, "outlier", findings, line_of)


def lasting_falls(found: DefectLog, spec: SeriesSpec, table: Table) -> None:
    """Report a growing column that falls and stays down once its bad ticks are gone.

    An index never falls: the file is unusable. An exchange rate falls when its protocol
    is slashed (or in a stress scenario): the fall is kept, and reported.
    """
    for column in (c for c in spec.columns if c.rises):
        v = table.values[column.name]
        peak = np.maximum.accumulate(v)
        falls = np.flatnonzero(v < peak * (1 - RISE_TOLERANCE))
        if not len(falls):
            continue
        depth = f"{np.min(v[falls] / peak[falls]) - 1:+.4%}"
        first, last = iso(table.ts[falls[0]]), iso(table.ts[falls[-1]])
        if column.rises == "index":
            found.add(
                "broken",
                len(falls),
                first,
                last,
                f"{column.name} falls below its earlier peak and stays there ({len(falls)} "
                f"rows, down to {depth}): an Aave index never falls; the file is unusable",
            )
        else:
            found.add(
                "falls",
                len(falls),
                first,
                last,
                f"{column.name} falls below its earlier peak and stays there ({len(falls)} "
                f"rows, down to {depth}): a slashing of the protocol, or a stress scenario; "
                "kept as it is",
            )
