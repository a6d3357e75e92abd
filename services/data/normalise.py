"""Normalising raw columns: sort, de-duplicate, drop impossible rows, and report every defect."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from services.data.defects import Defect, DefectLog, plural
from services.data.plausibility import (
    check_bounds,
    check_interpolated,
    check_ohlc,
    report_rows,
)
from services.data.specs import SeriesSpec
from services.data.times import (
    DAY_NS,
    HOUR_NS,
    duration,
    filename_dates,
    implausible_stamps,
    iso,
)
from services.errors import DataError

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def normalise(
    spec: SeriesSpec,
    rel: str,
    ts: IntArray,
    values: dict[str, FloatArray],
    comment_lines: int,
) -> tuple[IntArray, dict[str, FloatArray], list[Defect]]:
    """Sort by time, keep the first of duplicate stamps, drop impossible rows, find gaps.

    Args:
        spec: the series' catalog entry.
        rel: the file, relative to the data folder.
        ts: stamps in file order (int64 ns UTC).
        values: kept columns in file order.
        comment_lines: leading '#' lines that were skipped.

    Returns:
        Strictly increasing stamps, the matching columns and the defects found.

    Raises:
        DataError: stamps outside 2009..2100 (a units error in the time column), or no rows.
    """
    found = DefectLog(spec.name, rel)
    if comment_lines:
        found.add(
            "comment_lines",
            comment_lines,
            "",
            "",
            f"{comment_lines} '#' comment lines before the CSV header (skipped)",
        )
    _check_stamps(spec, rel, ts)
    backwards = int(np.count_nonzero(np.diff(ts) < 0))
    if backwards:
        found.add(
            "unsorted",
            backwards,
            "",
            "",
            f"rows are not in time order ({backwards} steps go back in time); sorted on load",
        )
    order = np.argsort(ts, kind="stable")
    ts = ts[order]
    values = {c: v[order] for c, v in values.items()}
    ts, values = _dedupe(found, ts, values)
    ts, values = _drop_impossible(found, spec, ts, values)
    if len(ts) == 0:
        raise DataError(
            f"{rel} ({spec.name}) has no usable rows", "replace the file with a complete export"
        )
    for column in spec.columns:
        check_bounds(found, ts, column.name, values[column.name], column.bounds)
    if {"open", "high", "low", "close"} <= set(values):
        check_ohlc(found, ts, values)
    if spec.step_ns == HOUR_NS:
        for name in spec.column_names:
            check_interpolated(found, ts, name, values[name])
    _find_gaps(found, spec.step_ns, ts)
    _check_claimed_span(found, spec.step_ns, ts)
    return ts, values, found.defects


def _check_stamps(spec: SeriesSpec, rel: str, ts: IntArray) -> None:
    bad = implausible_stamps(ts)
    if bad.any():
        raise DataError(
            f"{rel} ({spec.name}): {int(bad.sum())} stamps in column {spec.time_column!r} fall "
            "outside 2009..2100: the column is in the wrong unit (milliseconds for seconds?)",
            f"write the stamps as {spec.time_format} (see services/data/times.py)",
        )


def _dedupe(
    found: DefectLog, ts: IntArray, values: dict[str, FloatArray]
) -> tuple[IntArray, dict[str, FloatArray]]:
    repeat = np.zeros(len(ts), dtype=bool)
    repeat[1:] = ts[1:] == ts[:-1]
    n = int(repeat.sum())
    if not n:
        return ts, values
    first_of = np.searchsorted(ts, ts, side="left")
    disagree = np.zeros(len(ts), dtype=bool)
    for v in values.values():
        kept = v[first_of]
        disagree |= repeat & ~((v == kept) | (np.isnan(v) & np.isnan(kept)))
    n_dis = int(disagree.sum())
    stamps = ts[repeat]
    if n_dis:
        worst = max(
            float(np.nanmax(np.abs(v[disagree] - v[first_of][disagree]), initial=0.0))
            for v in values.values()
        )
        agree = f"{n_dis} of them disagree with the kept row (by up to {worst:.6g})"
    else:
        agree = "all repeat the kept row's values"
    found.add(
        "duplicate",
        n,
        iso(stamps[0]),
        iso(stamps[-1]),
        f"{n} rows repeat an earlier time stamp ({len(np.unique(stamps))} stamps); "
        f"kept the first, dropped the rest; {agree}",
    )
    keep = ~repeat
    return ts[keep], {c: v[keep] for c, v in values.items()}


def _drop_impossible(
    found: DefectLog, spec: SeriesSpec, ts: IntArray, values: dict[str, FloatArray]
) -> tuple[IntArray, dict[str, FloatArray]]:
    drop = np.zeros(len(ts), dtype=bool)
    for column in spec.columns:
        v = values[column.name]
        nan = np.isnan(v)
        if nan.any():
            report_rows(found, ts, nan, f"{column.name} is empty or NaN", "dropped")
        drop |= nan
        if column.bounds.positive:
            nonpos = ~nan & (v <= 0)
            if nonpos.any():
                report_rows(found, ts, nonpos, f"{column.name} <= 0", "dropped")
            drop |= nonpos
    if not drop.any():
        return ts, values
    keep = ~drop
    return ts[keep], {c: v[keep] for c, v in values.items()}


def _find_gaps(found: DefectLog, step: int, ts: IntArray) -> None:
    diffs = np.diff(ts)
    for i in np.flatnonzero(diffs > step):
        length = int(diffs[i])
        missing = -(-length // step) - 1
        found.add(
            "gap",
            missing,
            iso(ts[i]),
            iso(ts[i + 1]),
            f"no data for {duration(length)} between {iso(ts[i])} and {iso(ts[i + 1])} "
            f"({plural(missing, 'missing ' + duration(step) + ' step')})",
        )


def _check_claimed_span(found: DefectLog, step: int, ts: IntArray) -> None:
    claimed = filename_dates(found.file.rpartition("/")[2])
    if claimed is None:
        return
    start, end = claimed
    slack = DAY_NS + step
    if ts[0] > start + slack:
        found.add(
            "coverage",
            1,
            iso(start),
            iso(ts[0]),
            f"the file name says it starts {iso(start)[:10]} but the data starts "
            f"{iso(ts[0])} ({duration(int(ts[0]) - start)} later)",
        )
    if ts[-1] < end - slack:
        found.add(
            "coverage",
            1,
            iso(ts[-1]),
            iso(end),
            f"the file name says it runs to {iso(end)[:10]} but the data ends "
            f"{iso(ts[-1])} ({duration(end - int(ts[-1]))} short)",
        )
