"""Reading the raw CSV files directly, independently of Carry's data layer."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path


def stamp(text: str) -> int:
    """ISO time with Z to epoch seconds."""
    return int(dt.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp())


def column(data: Path, pattern: str, time_col: str, value_col: str) -> dict[int, float]:
    """epoch seconds -> value (first row wins for a duplicated stamp)."""
    (path,) = sorted(data.glob(pattern))
    out: dict[int, float] = {}
    with path.open(newline="") as f:
        for row in csv.DictReader(f):
            out.setdefault(stamp(row[time_col]), float(row[value_col]))
    return out


def ohlc(data: Path, pattern: str) -> tuple[dict[int, float], dict[int, float]]:
    """(close, high) by epoch seconds of an hourly OHLC file."""
    return (column(data, pattern, "timestamp", "close"), column(data, pattern, "timestamp", "high"))


def when(text: str) -> int:
    """`YYYY-MM-DD` (UTC) to epoch seconds."""
    return int(dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC).timestamp())
