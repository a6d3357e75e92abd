"""Checks of a results folder against its raw tables: schemas, keys, permissions, metrics.

The metrics are recomputed here from `equity.parquet` with plain Python (statistics,
datetime), independently of the numpy implementation in `services/recorder/metrics.py`.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import math
import stat
import statistics
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from services.recorder.tables import TABLES

HOURS = 8760


def check_tables(out: Path, mode: str) -> None:
    """Every table has its declared schema, the run's metadata and one key spelling."""
    summary = json.loads((out / "summary.json").read_text())
    for name, columns in TABLES.items():
        table = pq.read_table(out / f"{name}.parquet")
        assert [(f.name, f.type) for f in table.schema] == [(c.name, c.type) for c in columns]
        meta = table.schema.metadata
        assert meta[b"carry.mode"] == mode.encode()
        assert meta[b"carry.table"] == name.encode()
        assert meta[b"carry.run_id"].startswith(mode.encode())
        for column in ("side", "breaches", "drop", "symbol", "position_key"):
            if column in table.column_names:
                assert "" not in table.column(column).to_pylist(), (name, column)
    keys = set(pq.read_table(out / "positions.parquet").column("position_key").to_pylist())
    for name in ("trades", "settlements"):
        for key in pq.read_table(out / f"{name}.parquet").column("position_key").to_pylist():
            _venue, kind, _symbol = key.split(":")
            assert kind in ("BaseToken", "aToken", "debtToken", "LST", "Perp"), key
            if name == "settlements":
                assert key in keys, key
    risk = pq.read_table(out / "risk.parquet").to_pydict()
    if summary["worst_health_factor"] is None:
        assert set(risk["health_factor"]) == {None}
    settlements = pq.read_table(out / "settlements.parquet").to_pylist()
    for row in settlements:
        assert (row["funding_rate"] is None) == (row["kind"] != "funding")
        assert (row["previous_mark_price"] is None) == (row["kind"] == "funding")
    assert stat.S_IMODE(out.stat().st_mode) == 0o755
    for path in out.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o644, path


def _drawdown(equity: list[float]) -> tuple[float, int]:
    peak, worst, longest, current = -math.inf, 0.0, 0, 0
    for value in equity:
        if value >= peak:
            peak, current = value, 0
        else:
            current += 1
        longest = max(longest, current)
        worst = max(worst, (peak - value) / peak)
    return worst, longest


def recomputed(out: Path) -> tuple[dict[str, Any], dict[str, float]]:
    """Metrics and monthly returns recomputed from `equity.parquet`."""
    table = pq.read_table(out / "equity.parquet").to_pydict()
    equity, times = table["equity"], table["time"]
    returns = [b / a - 1.0 for a, b in itertools.pairwise(equity)]
    mean = statistics.fmean(returns)
    vol = statistics.stdev(returns) * math.sqrt(HOURS)
    downside = math.sqrt(statistics.fmean([min(r, 0.0) ** 2 for r in returns])) * math.sqrt(HOURS)
    annual = (equity[-1] / equity[0]) ** (HOURS / len(returns)) - 1.0
    max_dd, duration = _drawdown(equity)
    metrics = {
        "total_return": equity[-1] / equity[0] - 1.0,
        "annual_return": annual,
        "volatility": vol,
        "sharpe": mean * HOURS / vol if vol else None,
        "sortino": mean * HOURS / downside if downside else None,
        "calmar": annual / max_dd if max_dd else None,
        "max_drawdown": max_dd,
        "max_drawdown_duration": duration,
        "hours": len(returns),
    }
    month_end: dict[str, float] = {}
    for when, value in zip(times, equity, strict=True):
        month_end[when.astimezone(dt.UTC).strftime("%Y-%m")] = value
    monthly, base = {}, equity[0]
    for month, value in month_end.items():
        monthly[month] = value / base - 1.0
        base = value
    return metrics, monthly


def check_metrics(out: Path) -> None:
    """The summary's metrics and monthly returns equal a recomputation from equity.parquet."""
    summary = json.loads((out / "summary.json").read_text())
    metrics, monthly = recomputed(out)
    for name, value in metrics.items():
        got = summary["metrics"][name]
        if value is None:
            assert got is None, name
        else:
            assert got == pytest.approx(value, rel=1e-9, abs=1e-15), name
    assert summary["metrics"]["conventions"]
    assert list(summary["monthly_returns"]) == list(monthly)
    for month, value in monthly.items():
        assert summary["monthly_returns"][month] == pytest.approx(value, rel=1e-9, abs=1e-15)
    growth = math.prod(1.0 + r for r in monthly.values())
    assert growth == pytest.approx(1.0 + metrics["total_return"], rel=1e-9)
