"""Reading the raw CSV files directly, independently of Carry's data layer."""

from __future__ import annotations

import csv
import datetime as dt
import itertools
from pathlib import Path


def stamp(text: str) -> int:
    """ISO time (with Z, an offset or neither: UTC) or unix seconds to epoch seconds."""
    if text.isdigit():
        return int(text)
    moment = dt.datetime.fromisoformat(text.removesuffix("Z"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return int(moment.timestamp())


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


def oracle(data: Path, pair: str) -> dict[int, float]:
    """An Aave oracle CSV (leading '#' lines) as epoch seconds -> price."""
    asset, quote = pair.split("/")
    (path,) = sorted(data.glob(f"protocol_data/aave/oracle/{asset}_{quote}_oracle_*.csv"))
    column_name = "oracle_price_eth" if quote == "ETH" else "oracle_price_usd"
    out: dict[int, float] = {}
    with path.open(newline="") as f:
        rows = csv.DictReader(line for line in f if not line.startswith("#"))
        for row in rows:
            out.setdefault(stamp(row["timestamp"]), float(row[column_name]))
    return out


def aave_daily(data: Path, asset: str, value_col: str) -> list[tuple[int, float]]:
    """An Aave daily rates CSV as sorted (epoch seconds, value)."""
    (path,) = [
        p
        for p in sorted(
            data.glob(f"protocol_data/aave/rates/aave_v3_aave-v3-ethereum_{asset}_rates_*.csv")
        )
        if not p.name.endswith("_hourly.csv")
    ]
    with path.open(newline="") as f:
        return sorted(
            {stamp(r["targetDate"]): float(r[value_col]) for r in csv.DictReader(f)}.items()
        )


def interpolate(points: list[tuple[int, float]], t: int) -> float:
    """Linear interpolation between the two points around `t` (exact on a point)."""
    for (t0, v0), (t1, v1) in itertools.pairwise(points):
        if t0 <= t <= t1:
            return v0 + (v1 - v0) * (t - t0) / (t1 - t0)
    raise ValueError(f"{t} outside the points")


def last_ratio(own: dict[int, float], other: dict[int, float], t: int, limit: int) -> float | None:
    """own / other at the latest hour both have, at or before `t` and at most `limit` s old."""
    for s in range(t, t - limit - 1, -3600):
        if s in own and s in other:
            return own[s] / other[s]
    return None
