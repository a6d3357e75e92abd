"""Plausibility checks on normalised columns: ranges, units, OHLC bars, interpolated data."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from services.data.defects import DefectLog, plural
from services.data.specs import Bounds
from services.data.times import HOUR_NS, iso

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def report_rows(
    found: DefectLog, ts: IntArray, mask: npt.NDArray[np.bool_], what: str, action: str
) -> None:
    """Record the rows in ``mask`` as one ``impossible`` defect ("dropped" or "kept")."""
    where = ts[mask]
    found.add(
        "impossible",
        len(where),
        iso(where[0]),
        iso(where[-1]),
        f"{plural(len(where), 'row')} where {what} ({action})",
    )


def check_bounds(found: DefectLog, ts: IntArray, name: str, v: FloatArray, bounds: Bounds) -> None:
    """Report values outside the plausible range; the rows are kept.

    Most values outside it (and a units hint) make one ``units`` defect; otherwise the
    rows outside make one ``broken`` or ``impossible`` defect, as ``bounds.out_kind`` says.
    """
    lo = -np.inf if bounds.lo is None else bounds.lo
    hi = np.inf if bounds.hi is None else bounds.hi
    out = (v < lo) | (v > hi)
    n_out = int(out.sum())
    if not n_out:
        return
    where = ts[out]
    limits = _limits(bounds)
    stats = f"min {np.min(v[out]):.6g}, max {np.max(v[out]):.6g}"
    if bounds.units_hint and n_out * 2 > len(v):
        found.add(
            "units",
            n_out,
            iso(where[0]),
            iso(where[-1]),
            f"{name}: {n_out} of {len(v)} values outside the plausible {limits} "
            f"(median {np.median(v):.6g}): {bounds.units_hint}",
        )
    elif bounds.out_kind == "broken":
        fix = f"; {bounds.fix}" if bounds.fix else ""
        found.add(
            "broken",
            n_out,
            iso(where[0]),
            iso(where[-1]),
            f"{name}: {n_out} of {len(v)} rows outside the plausible {limits} ({stats}): "
            f"the file is unusable{fix}",
        )
    else:
        found.add(
            "impossible",
            n_out,
            iso(where[0]),
            iso(where[-1]),
            f"{name}: {n_out} rows outside the plausible {limits} ({stats}) (kept)",
        )


def _limits(bounds: Bounds) -> str:
    if bounds.lo is not None and bounds.hi is not None:
        return f"[{bounds.lo:g}, {bounds.hi:g}]"
    if bounds.lo is not None:
        return f">= {bounds.lo:g}"
    return f"<= {bounds.hi:g}"


def check_ohlc(found: DefectLog, ts: IntArray, values: dict[str, FloatArray]) -> None:
    """Bars whose low/high do not bracket open and close (reported, kept)."""
    o, h, lo, c = (values[k] for k in ("open", "high", "low", "close"))
    bad = (lo > np.minimum(o, c)) | (h < np.maximum(o, c))
    if bad.any():
        report_rows(found, ts, bad, "low/high do not bracket open and close", "kept")


def check_interpolated(found: DefectLog, ts: IntArray, name: str, v: FloatArray) -> None:
    """Hourly values that move in straight lines (equal consecutive steps) most of the time."""
    if len(v) < 50:
        return
    step = np.diff(v)
    regular = np.diff(ts)[1:] == HOUR_NS
    moving = regular & ((step[1:] != 0) | (step[:-1] != 0))
    same = moving & (np.abs(step[1:] - step[:-1]) <= 1e-7 * np.abs(v[2:]))
    n_moving, n_same = int(moving.sum()), int(same.sum())
    if n_moving >= 48 and n_same > 0.8 * n_moving:
        found.add(
            "interpolated",
            n_same,
            iso(ts[0]),
            iso(ts[-1]),
            f"{name}: {n_same} of {n_moving} hourly steps repeat the previous step exactly: "
            "the values are straight lines between sparse (daily) points and carry no "
            "intra-day information",
        )
