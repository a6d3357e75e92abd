"""Reading the kept columns of one data CSV: a fast Arrow path and a slow path that names bad rows.

The fast path reads only the time column and the value columns with pyarrow. When it
fails (a field that is not a number, a short row, an unparseable stamp) the file is read
again row by row with the csv module to raise a DataError naming the line and column.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn, TextIO

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.csv as pacsv

from services.data.times import EXAMPLES, INVALID, TimeFormat, parse_time_array, parse_time_value
from services.errors import DataError

# Text Arrow reads as null for a float column; the slow path treats them the same way.
_NULLS = frozenset({"", "nan", "NaN", "NAN", "-nan", "null", "NULL", "N/A", "NA", "None", "#N/A"})
MAX_LINE = 1 << 20
"""Longest line a data file may have (1 MiB; real rows are under 1 KB)."""
_SNIFF = 1 << 16
_FIX_REEXPORT = "replace it with the original CSV export"


def sniff_text(path: Path, rel: str) -> None:
    """Refuse a file that is compressed or binary before reading it as CSV text.

    Raises:
        DataError: gzip bytes, NUL bytes or bytes that are not UTF-8 in the file's start.
    """
    with path.open("rb") as fh:
        head = fh.read(_SNIFF)
    if head.startswith(b"\x1f\x8b"):
        raise DataError(
            f"{rel} is gzip-compressed data, not CSV text",
            f"decompress it (gunzip -c {path.name} > plain.csv) and keep the plain CSV "
            "under the catalog's file name",
        )
    if b"\x00" in head:
        raise DataError(f"{rel} holds binary data (NUL bytes), not CSV text", _FIX_REEXPORT)
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as e:
        if e.start < len(head) - 4:  # not just a character cut at the sniff boundary
            raise DataError(
                f"{rel} is not UTF-8 text: byte {e.start} is 0x{head[e.start]:02x}",
                _FIX_REEXPORT,
            ) from None


def read_line(fh: TextIO, rel: str, line: int) -> str:
    """One line of a text file, refused when it is longer than `MAX_LINE`.

    Raises:
        DataError: the line is too long to be a data row, or is not UTF-8.
    """
    try:
        text = fh.readline(MAX_LINE + 1)
    except UnicodeDecodeError as e:
        raise DataError(
            f"{rel}: line {line} is not UTF-8 text ({e.reason})", _FIX_REEXPORT
        ) from None
    if len(text) > MAX_LINE:
        raise DataError(
            f"{rel}: line {line} is longer than {MAX_LINE // (1 << 20)} MiB: not a data row",
            "repair or remove that line, or " + _FIX_REEXPORT,
        )
    return text


class LineMap:
    """File line numbers of the data rows Arrow read (it skips blank lines), computed on demand.

    Args:
        path: the file.
        comments: leading '#' lines before the header.
    """

    def __init__(self, path: Path, comments: int) -> None:
        self.path = path
        self.comments = comments
        self._lines: npt.NDArray[np.int64] | None = None

    def __call__(self, row: int) -> int:
        """The 1-based file line of data row ``row`` (0 = the first row after the header)."""
        if self._lines is None:
            raw = np.fromfile(self.path, dtype=np.uint8)
            ends = np.flatnonzero(raw == 10)  # each "\n"
            starts = np.concatenate(([0], ends + 1))
            stops = np.append(ends, len(raw))
            width = stops - starts
            width -= (width > 0) & (raw[np.maximum(stops - 1, 0)] == 13) if len(raw) else 0
            nonblank = np.flatnonzero(width > 0) + 1  # 1-based lines holding text
            self._lines = nonblank[self.comments + 1 :]  # after the comments and the header
        return int(self._lines[row]) if row < len(self._lines) else row + self.comments + 2


@dataclass(frozen=True)
class RawColumns:
    """The kept columns of a file, in file order, before any normalisation.

    Attributes:
        ts: stamps, int64 ns UTC.
        values: float64 values per kept column (NaN where empty).
        comment_lines: leading ``#`` lines skipped before the header.
        line_of: the file line of a data row, by its index in file order.
    """

    ts: npt.NDArray[np.int64]
    values: dict[str, npt.NDArray[np.float64]]
    comment_lines: int
    line_of: LineMap


def _preamble(path: Path, rel: str) -> tuple[int, list[str]]:
    """Count the leading '#' lines and read the header fields."""
    sniff_text(path, rel)
    comments = 0
    with path.open(encoding="utf-8-sig", newline="") as fh:
        while line := read_line(fh, rel, comments + 1):
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
        # Arrow names no line: find the first bad one, or say what else is wrong.
        _diagnose(path, rel, time_column, time_format, columns, comments, str(exc))
    ts = parse_time_array(table[time_column], time_format)
    if (ts == INVALID).any():
        _diagnose(path, rel, time_column, time_format, columns, comments, "a bad time stamp")
    values = {
        c: np.asarray(table[c].to_numpy(zero_copy_only=False), dtype=np.float64) for c in columns
    }
    return RawColumns(ts=ts, values=values, comment_lines=comments, line_of=LineMap(path, comments))


def _diagnose(
    path: Path,
    rel: str,
    time_column: str,
    time_format: TimeFormat,
    columns: tuple[str, ...],
    comments: int,
    reason: str,
) -> NoReturn:
    """Re-read line by line and raise a DataError at the first bad field."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        for n in range(comments):
            read_line(fh, rel, n + 1)
        header = [h.strip() for h in next(csv.reader([read_line(fh, rel, comments + 1)]))]
        t_idx = header.index(time_column)
        v_idx = [(c, header.index(c)) for c in columns]
        line = comments + 1
        while text := read_line(fh, rel, line + 1):
            line += 1
            try:
                row = next(csv.reader([text]), [])
            except csv.Error as e:
                raise DataError(
                    f"{rel}: line {line} is not a CSV row ({e})", "repair or remove that line"
                ) from None
            if not row:
                continue
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
