"""Reading the kept columns of one data CSV: a fast Arrow path and a slow path that names bad rows.

The fast path reads only the time column and the value columns with pyarrow. When it
fails (a field that is not a number, a short row, an unparseable stamp) the file is read
again row by row with the csv module to raise a DataError naming the line and column.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.csv as pacsv

from services.data.times import EXAMPLES, INVALID, TimeFormat, parse_time_array, parse_time_value
from services.errors import DataError

# Text Arrow reads as null for a float column; the slow path treats them the same way.
_NULLS = frozenset({"", "nan", "NaN", "NAN", "-nan", "null", "NULL", "N/A", "NA", "None", "#N/A"})


@dataclass(frozen=True)
class RawColumns:
    """The kept columns of a file, in file order, before any normalisation.

    Attributes:
        ts: stamps, int64 ns UTC.
        values: float64 values per kept column (NaN where empty).
        comment_lines: leading ``#`` lines skipped before the header.
    """

    ts: npt.NDArray[np.int64]
    values: dict[str, npt.NDArray[np.float64]]
    comment_lines: int


def _preamble(path: Path, rel: str) -> tuple[int, list[str]]:
    """Count the leading '#' lines and read the header fields."""
    comments = 0
    with path.open(encoding="utf-8-sig", newline="") as fh:
        for line in fh:
            if line.startswith("#"):
                comments += 1
                continue
            header = next(csv.reader([line]))
            return comments, [h.strip() for h in header]
    raise DataError(f"{rel} is empty: no CSV header", "replace the file with a complete export")


def _require(rel: str, header: list[str], wanted: list[str], line: int) -> None:
    missing = [c for c in wanted if c not in header]
    if missing:
        raise DataError(
            f"{rel}: line {line} (header) has no column {', '.join(map(repr, missing))}; "
            f"it has {', '.join(header)}",
            "use a file with the catalog's columns (see services/data/catalog.py)",
        )


def read_columns(
    path: Path, rel: str, time_column: str, time_format: TimeFormat, columns: tuple[str, ...]
) -> RawColumns:
    """Read the time column and value columns of one CSV.

    Args:
        path: the file.
        rel: its path relative to the data folder, for messages.
        time_column: the stamp column.
        time_format: its spelling.
        columns: value columns to read as float64.

    Raises:
        DataError: a missing column, or a malformed row (naming the file, line and column).
    """
    comments, header = _preamble(path, rel)
    _require(rel, header, [time_column, *columns], comments + 1)
    try:
        table = pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(skip_rows=comments, encoding="utf8"),
            convert_options=pacsv.ConvertOptions(
                include_columns=[time_column, *columns],
                column_types={time_column: pa.string(), **{c: pa.float64() for c in columns}},
                null_values=sorted(_NULLS),
                strings_can_be_null=True,
            ),
        )
    except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
        _diagnose(path, rel, time_column, time_format, columns, comments, str(exc))
    ts = parse_time_array(table[time_column], time_format)
    if (ts == INVALID).any():
        _diagnose(path, rel, time_column, time_format, columns, comments, "a bad time stamp")
    values = {
        c: np.asarray(table[c].to_numpy(zero_copy_only=False), dtype=np.float64) for c in columns
    }
    return RawColumns(ts=ts, values=values, comment_lines=comments)


def _diagnose(
    path: Path,
    rel: str,
    time_column: str,
    time_format: TimeFormat,
    columns: tuple[str, ...],
    comments: int,
    reason: str,
) -> NoReturn:
    """Re-read row by row and raise a DataError at the first bad field."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        for _ in range(comments):
            fh.readline()
        reader = csv.reader(fh)
        header = [h.strip() for h in next(reader)]
        t_idx = header.index(time_column)
        v_idx = [(c, header.index(c)) for c in columns]
        for row in reader:
            if not row:
                continue
            line = comments + reader.line_num
            if len(row) != len(header):
                raise DataError(
                    f"{rel}: line {line} has {len(row)} fields, the header has {len(header)}",
                    "repair or remove that line",
                )
            _check_time(row[t_idx], rel, line, time_column, time_format)
            for name, idx in v_idx:
                _check_number(row[idx], rel, line, name)
    raise DataError(f"{rel} cannot be read as CSV: {reason}", "repair or re-export the file")


def _check_time(text: str, rel: str, line: int, column: str, fmt: TimeFormat) -> None:
    try:
        parse_time_value(text, fmt)
    except ValueError:
        raise DataError(
            f"{rel}: line {line}: column {column!r} has {text!r}, not a time stamp "
            f"like {EXAMPLES[fmt]!r}",
            "repair or remove that line",
        ) from None


def _check_number(text: str, rel: str, line: int, column: str) -> None:
    if text.strip() in _NULLS:
        return
    try:
        float(text)
    except ValueError:
        raise DataError(
            f"{rel}: line {line}: column {column!r} has {text!r}, not a number",
            "repair or remove that line",
        ) from None
