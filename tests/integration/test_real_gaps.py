"""Binance's one-day holes: no P&L that reverses when the data resumes."""

from __future__ import annotations

import csv
import itertools
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from tests.integration.rawfiles import ohlc, stamp
from tests.stubs import backtest

pytestmark = pytest.mark.realdata
SPOT = "market_data/spot_prices/btc_usd/binance_BTCUSDT_1h_*.csv"
PERPS = "market_data/derivatives/futures_ohlcv"
LIMIT = 0.0005  # 0.05 % of equity


def _holes(data: Path) -> list[tuple[int, int]]:
    """(last stamp before, first stamp after) of every hole in Binance's hourly file."""
    (path,) = sorted(data.glob(SPOT))
    with path.open(newline="") as f:
        ts = sorted(stamp(r["timestamp"]) for r in csv.DictReader(f))
    return [(a, b) for a, b in itertools.pairwise(ts) if b - a > 3600]


def _largest_reversal(out: Path, before: int, after: int) -> float:
    """Largest one-step equity move undone by the next step, from the hole to its end."""
    table = pq.read_table(out / "equity.parquet").to_pydict()
    times = np.array([int(t.timestamp()) for t in table["time"]])
    equity = np.array(table["equity"])
    returns = np.diff(equity) / equity[:-1]  # returns[i]: step i -> i + 1
    lo, hi = np.searchsorted(times, before), np.searchsorted(times, after + 3600)
    worst = 0.0
    for i in range(max(lo, 1), min(hi, len(returns) - 1) + 1):
        if np.sign(returns[i - 1]) != np.sign(returns[i]):
            worst = max(worst, min(abs(returns[i - 1]), abs(returns[i])))
    return worst


@pytest.mark.parametrize("mode", ["btc_basis", "eth_basis"])
def test_equity_does_not_reverse_around_binance_holes(
    real_data_dir: Path, tmp_path: Path, mode: str
) -> None:
    s = backtest(real_data_dir, tmp_path / mode, mode)
    holes = [
        (a, b)
        for a, b in _holes(real_data_dir)
        if "2024-09-01" <= f"{np.datetime64(a, 's')}" < "2025-09-01"
    ]
    assert len(holes) >= 9
    for before, after in holes:
        reversal = _largest_reversal(tmp_path / mode, before, after)
        assert reversal < LIMIT, (np.datetime64(before, "s"), reversal)
    asset = s["params"]["asset"]
    perp = f"binance:perp:{asset}USDT"
    assert set(s["filled_values"][perp]) == {f"bybit:perp:{asset}USDT"}
    assert any(n.startswith(f"{perp} has no price for ") for n in s["notes"])


def test_a_missing_hour_is_marked_from_bybit_at_the_last_ratio(
    real_data_dir: Path, tmp_path: Path
) -> None:
    s = backtest(
        real_data_dir,
        tmp_path / "b",
        "btc_basis",
        "start=2025-05-05",
        "end=2025-05-08",
        "hedge_allocation={binance=1.0}",
        "rebalance=false",
    )
    binance, _ = ohlc(real_data_dir, f"{PERPS}/binance_BTCUSDT_perp_1h_*.csv")
    bybit, _ = ohlc(real_data_dir, f"{PERPS}/bybit_BTCUSDT_perp_1h_*.csv")
    # Binance has no bar from 2025-05-06 00:00 to 22:00; both have 2025-05-05 23:00.
    last = stamp("2025-05-05T23:00:00Z")
    ratio = binance[last] / bybit[last]
    rows = pq.read_table(tmp_path / "b" / "settlements.parquet").to_pylist()
    marks = {
        int(r["time"].timestamp()): r["mark_price"]
        for r in rows
        if r["kind"] == "funding" and r["venue"] == "binance"
    }
    for hour in ("2025-05-06T08:00:00Z", "2025-05-06T16:00:00Z"):
        t = stamp(hour)
        assert t not in binance
        assert marks[t] == pytest.approx(bybit[t] * ratio, rel=1e-12)
    assert s["filled_values"]["binance:perp:BTCUSDT"] == {"bybit:perp:BTCUSDT": 23}
