"""`carry signals make`: a signal file from a moving-average cross of BTC perp closes.

This is a transparent rule for tests and examples, not a model and not a forecast:
- once a day at 00:00 UTC, from the hourly closes strictly before that time (no
  look-ahead), take the fast and slow simple moving averages (24 h and 168 h);
- `long` when fast > slow, `short` when fast < slow;
- confidence = min(1, |fast / slow - 1| / `full_gap`): a 2 % gap is full confidence;
- sd = standard deviation of the last 168 hourly log returns x sqrt(24): one day's.
"""

from __future__ import annotations

import datetime as dt
import io
import math
from pathlib import Path

import numpy as np

from services.config.modes import parse_time
from services.data.load import load_series
from services.errors import ConfigError
from services.signals.file import COLUMNS, Signal

SERIES = "binance:perp:BTCUSDT"
DAY_NS = 86_400_000_000_000
HOUR_NS = 3_600_000_000_000


def ma_cross(
    data_dir: Path,
    start: str,
    end: str,
    fast: int = 24,
    slow: int = 168,
    full_gap: float = 0.02,
) -> list[Signal]:
    """Daily signals over `[start, end)` from the data folder's Binance BTC perp closes."""
    if not 0 < fast < slow:
        raise ConfigError(f"--fast {fast} must be below --slow {slow}", "e.g. --fast 24 --slow 168")
    series = load_series(data_dir, SERIES)
    ts, close = series.ts, series.column("close")
    first = max(parse_time("start", start), int(ts[0]) + slow * HOUR_NS)
    first = -(-first // DAY_NS) * DAY_NS
    last = min(parse_time("end", end), int(ts[-1]) + HOUR_NS)
    out = []
    for t in range(first, last, DAY_NS):
        n = int(np.searchsorted(ts, t, side="left"))  # bars stamped before t
        if n < slow + 1:
            continue
        window = close[n - slow : n]
        fast_ma, slow_ma = float(np.mean(window[-fast:])), float(np.mean(window))
        gap = fast_ma / slow_ma - 1.0
        returns = np.diff(np.log(close[n - slow - 1 : n]))
        sd = float(np.std(returns, ddof=1)) * math.sqrt(24)
        signal = "long" if gap > 0 else "short" if gap < 0 else "neutral"
        out.append(Signal(t, signal, min(1.0, abs(gap) / full_gap), sd))
    if not out:
        raise ConfigError(
            f"no signal fits {start} .. {end} in {SERIES} (it needs {slow} hours before)",
            "widen the window",
        )
    return out


def to_csv(signals: list[Signal]) -> bytes:
    """The signal file's bytes."""
    buf = io.StringIO()
    buf.write(",".join(COLUMNS) + "\n")
    for s in signals:
        when = dt.datetime.fromtimestamp(s.ts // 1_000_000_000, tz=dt.UTC)
        buf.write(f"{when:%Y-%m-%dT%H:%M:%SZ},{s.signal},{s.confidence:.6f},{s.sd:.6f}\n")
    return buf.getvalue().encode()
