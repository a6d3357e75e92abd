"""Normalising raw columns: sort, de-duplicate, drop impossible rows, and report every defect."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from services.data.defects import Defect, DefectKind
from services.data.specs import Bounds, SeriesSpec
from services.data.times import DAY_NS, duration, filename_dates, implausible_stamps, iso
from services.errors import DataError

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


class _Findings:
    """Collects the defects of one file."""

    def __init__(self, spec: SeriesSpec, rel: str) -> None:
        self.spec = spec
        self.rel = rel
        self.defects: list[Defect] = []

    def add(self, kind: DefectKind, count: int, first: str, last: str, detail: str) -> None:
        self.defects.append(
            Defect(
                series=self.spec.name,
                file=self.rel,
                kind=kind,
                count=int(count),
                first=first,
                last=last,
                detail=detail,
            )
        )


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
    found = _Findings(spec, rel)
    if comment_lines:
        found.add(
            "comment_lines", comment_lines, "", "",
            f"{comment_lines} '#' comment lines before the CSV header (skipped)",
        )
    _check_stamps(spec, rel, ts)
    backwards = int(np.count_nonzero(np.diff(ts) < 0))
    if backwards:
        found.add(
            "unsorted", backwards, "", "",
            f"rows are not in time order ({backwards} steps go back in time); sorted on load",
        )
    order = np.argsort(ts, kind="stable")
    ts = ts[order]
    values = {c: v[order] for c, v in values.items()}
    ts, values = _dedupe(found, ts, values)
    ts, values = _drop_impossible(found, ts, values)
    if len(ts) == 0:
        raise DataError(
            f"{rel} ({spec.name}) has no usable rows", "replace the file with a complete export"
        )
    for column in spec.columns:
        _check_bounds(found, ts, column.name, values[column.name], column.bounds)
    if {"open", "high", "low", "close"} <= set(values):
        _check_ohlc(found, ts, values)
    _find_gaps(found, ts)
    _check_claimed_span(found, ts)
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
    found: _Findings, ts: IntArray, values: dict[str, FloatArray]
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
        "duplicate", n, iso(stamps[0]), iso(stamps[-1]),
        f"{n} rows repeat an earlier time stamp ({len(np.unique(stamps))} stamps); "
        f"kept the first, dropped the rest; {agree}",
    )
    keep = ~repeat
    return ts[keep], {c: v[keep] for c, v in values.items()}


def _drop_impossible(
    found: _Findings, ts: IntArray, values: dict[str, FloatArray]
) -> tuple[IntArray, dict[str, FloatArray]]:
    drop = np.zeros(len(ts), dtype=bool)
    for column in found.spec.columns:
        v = values[column.name]
        nan = np.isnan(v)
        if nan.any():
            _report_rows(found, ts, nan, f"{column.name} is empty or NaN", "dropped")
        drop |= nan
        if column.bounds.positive:
            nonpos = ~nan & (v <= 0)
            if nonpos.any():
                _report_rows(found, ts, nonpos, f"{column.name} <= 0", "dropped")
            drop |= nonpos
    if not drop.any():
        return ts, values
    keep = ~drop
    return ts[keep], {c: v[keep] for c, v in values.items()}


def _report_rows(
    found: _Findings, ts: IntArray, mask: npt.NDArray[np.bool_], what: str, action: str
) -> None:
    where = ts[mask]
    found.add(
        "impossible", len(where), iso(where[0]), iso(where[-1]),
        f"{len(where)} rows where {what} ({action})",
    )


def _check_bounds(
    found: _Findings, ts: IntArray, name: str, v: FloatArray, bounds: Bounds
) -> None:
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
            "units", n_out, iso(where[0]), iso(where[-1]),
            f"{name}: {n_out} of {len(v)} values outside the plausible {limits} "
            f"(median {np.median(v):.6g}): {bounds.units_hint}",
        )
    elif bounds.out_kind == "broken":
        fix = f"; {bounds.fix}" if bounds.fix else ""
        found.add(
            "broken", n_out, iso(where[0]), iso(where[-1]),
            f"{name}: {n_out} of {len(v)} rows outside the plausible {limits} ({stats}): "
            f"the file is unusable{fix}",
        )
    else:
        found.add(
            "impossible", n_out, iso(where[0]), iso(where[-1]),
            f"{name}: {n_out} rows outside the plausible {limits} ({stats}) (kept)",
        )


def _limits(bounds: Bounds) -> str:
    if bounds.lo is not None and bounds.hi is not None:
        return f"[{bounds.lo:g}, {bounds.hi:g}]"
    if bounds.lo is not None:
        return f">= {bounds.lo:g}"
    return f"<= {bounds.hi:g}"


def _check_ohlc(found: _Findings, ts: IntArray, values: dict[str, FloatArray]) -> None:
    o, h, lo, c = (values[k] for k in ("open", "high", "low", "close"))
    bad = (lo > np.minimum(o, c)) | (h < np.maximum(o, c))
    if bad.any():
        _report_rows(found, ts, bad, "low/high do not bracket open and close", "kept")


def _find_gaps(found: _Findings, ts: IntArray) -> None:
    step = found.spec.step_ns
    diffs = np.diff(ts)
    for i in np.flatnonzero(diffs > step):
        length = int(diffs[i])
        missing = -(-length // step) - 1
        found.add(
            "gap", missing, iso(ts[i]), iso(ts[i + 1]),
            f"no data for {duration(length)} between {iso(ts[i])} and {iso(ts[i + 1])} "
            f"({missing} missing {duration(step)} step{'' if missing == 1 else 's'})",
        )


def _check_claimed_span(found: _Findings, ts: IntArray) -> None:
    claimed = filename_dates(found.rel.rpartition("/")[2])
    if claimed is None:
        return
    start, end = claimed
    slack = DAY_NS + found.spec.step_ns
    if ts[0] > start + slack:
        found.add(
            "coverage", 1, iso(start), iso(ts[0]),
            f"the file name says it starts {iso(start)[:10]} but the data starts "
            f"{iso(ts[0])} ({duration(int(ts[0]) - start)} later)",
        )
    if ts[-1] < end - slack:
        found.add(
            "coverage", 1, iso(ts[-1]), iso(end),
            f"the file name says it runs to {iso(end)[:10]} but the data ends "
            f"{iso(ts[-1])} ({duration(end - int(ts[-1]))} short)",
        )
