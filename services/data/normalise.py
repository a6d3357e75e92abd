"""Normalising raw columns: sort, de-duplicate, drop impossible rows and bad ticks, report all.

Two stages, so bad ticks can be judged against other venues: `clean` does everything one
file can say about itself; `finish` runs once the rows are final (gaps, coverage, the
share of rows repaired). `services.data.load` runs `spikes.spikes` between the two.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from services.data import outliers
from services.data.csvread import RawColumns
from services.data.defects import UNUSABLE_KINDS, DefectLog, plural
from services.data.outliers import Table
from services.data.plausibility import check_interpolated
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
MAX_REPAIRED_SHARE = 0.01
"""More bad rows than this share of a file (and more than `MIN_REPAIRED`) make it unusable."""
MIN_REPAIRED = 10


def clean(spec: SeriesSpec, rel: str, raw: RawColumns) -> tuple[Table, DefectLog]:
    """Sort by time, keep the first of duplicate stamps, drop impossible rows and bad ticks.

    Args:
        spec: the series' catalog entry.
        rel: the file, relative to the data folder.
        raw: the file's columns in file order.

    Returns:
        Strictly increasing rows and the defects found so far.

    Raises:
        DataError: stamps outside 2009..2100 (a units error in the time column), or no rows.
    """
    found = DefectLog(spec.name, rel)
    if raw.comment_lines:
        found.add(
            "comment_lines",
            raw.comment_lines,
            "",
            "",
            f"{raw.comment_lines} '#' comment lines before the CSV header (skipped)",
        )
    _check_stamps(spec, rel, raw.ts)
    ts = raw.ts
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
    table = Table(ts[order], {c: v[order] for c, v in raw.values.items()}, order)
    table = _dedupe(found, table)
    table = outliers.impossible(found, spec, table, raw.line_of)
    require_rows(spec, rel, table)
    table = outliers.out_of_bounds(found, spec, table, raw.line_of)
    if unusable(found):
        return table, found  # refused as a whole: its rows are not worth repairing
    table = outliers.bad_bars(found, table, raw.line_of)
    table = outliers.backwards(found, spec, table, raw.line_of)
    require_rows(spec, rel, table)
    return table, found


def unusable(found: DefectLog) -> bool:
    """True once a defect makes the file unfit for a run."""
    return any(d.kind in UNUSABLE_KINDS for d in found.defects)


def require_rows(spec: SeriesSpec, rel: str, table: Table) -> None:
    """Raise a DataError when no row is left.

    Raises:
        DataError: the table is empty.
    """
    if not len(table):
        raise DataError(
            f"{rel} ({spec.name}) has no usable rows", "replace the file with a complete export"
        )


def finish(spec: SeriesSpec, table: Table, found: DefectLog, file_rows: int) -> None:
    """Report what only the final rows show: gaps, straight lines, coverage, repairs."""
    outliers.lasting_falls(found, spec, table)
    _check_repaired(found, file_rows)
    if spec.step_ns == HOUR_NS:
        for name in spec.column_names:
            check_interpolated(found, table.ts, name, table.values[name])
    _find_gaps(found, spec.step_ns, table.ts)
    _check_claimed_span(found, spec.step_ns, table.ts)


def _check_repaired(found: DefectLog, file_rows: int) -> None:
    bad = sum(d.count for d in found.defects if d.kind in ("impossible", "outlier"))
    if bad > max(MIN_REPAIRED, MAX_REPAIRED_SHARE * file_rows):
        found.add(
            "broken",
            bad,
            "",
            "",
            f"{bad} of {file_rows} rows are impossible values or bad ticks (more than "
            f"{MAX_REPAIRED_SHARE:.0%}): too many to repair; the file is unusable",
        )


def _check_stamps(spec: SeriesSpec, rel: str, ts: IntArray) -> None:
    bad = implausible_stamps(ts)
    if bad.any():
        raise DataError(
            f"{rel} ({spec.name}): {int(bad.sum())} stamps in column {spec.time_column!r} fall "
            "outside 2009..2100: the column is in the wrong unit (milliseconds for seconds?)",
            f"write the stamps as {spec.time_format} (see services/data/times.py)",
        )


def _dedupe(found: DefectLog, table: Table) -> Table:
    ts = table.ts
    repeat = np.zeros(len(ts), dtype=bool)
    repeat[1:] = ts[1:] == ts[:-1]
    n = int(repeat.sum())
    if not n:
        return table
    first_of = np.searchsorted(ts, ts, side="left")
    disagree = np.zeros(len(ts), dtype=bool)
    for v in table.values.values():
        kept = v[first_of]
        disagree |= repeat & ~((v == kept) | (np.isnan(v) & np.isnan(kept)))
    n_dis = int(disagree.sum())
    stamps = ts[repeat]
    if n_dis:
        worst = max(
            float(np.nanmax(np.abs(v[disagree] - v[first_of][disagree]), initial=0.0))
            for v in table.values.values()
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
    return table.keep(~repeat)


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
