"""Performance metrics and monthly returns of an equity curve (`equity.parquet`).

Conventions (also written into every summary under `metrics.conventions`):
- returns are simple hourly returns of consecutive `equity` rows, `E[t] / E[t-1] - 1`;
- annualisation uses 8760 hours a year: volatility = stdev(returns, ddof=1) x sqrt(8760),
  annual return = (E[last] / E[first]) ^ (8760 / hours) - 1, compounded;
- Sharpe = mean(returns) x 8760 / volatility with a zero risk-free rate (a lending
  benchmark is shown next to it in the report, not subtracted);
- Sortino = mean(returns) x 8760 / (sqrt(mean(min(returns, 0)^2)) x sqrt(8760));
- max drawdown = max over t of (running peak - E[t]) / running peak; its duration is
  the longest time, in hours, from a peak until equity is back at that peak (or the
  end of the run if it never is);
- Calmar = annual return / max drawdown;
- monthly returns: equity at the last step of a UTC calendar month over equity at the
  last step of the month before (for the first month, over the first row).
A ratio whose denominator is 0, or any figure of an equity curve that is not positive
throughout, is null.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

HOURS_PER_YEAR = 8760
CONVENTIONS = (
    "simple hourly returns of consecutive equity rows; annualised with 8760 hours a year "
    "(volatility x sqrt(8760), mean x 8760, compounded annual return); zero risk-free rate; "
    "sortino's downside deviation is the root mean square of min(return, 0) over every "
    "hour; max_drawdown_duration in hours from a peak to its recovery (or the run's end); "
    "calmar = annual_return / max_drawdown; monthly returns from month-end equity (UTC)"
)


def _ratio(num: float, den: float) -> float | None:
    return num / den if den > 0 and math.isfinite(num) else None


def drawdowns(equity: np.ndarray[Any, np.dtype[np.float64]]) -> np.ndarray[Any, Any]:
    """Drawdown from the running peak at each row, as a positive fraction."""
    peak = np.maximum.accumulate(equity)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(peak > 0, (peak - equity) / peak, 0.0)
    return np.asarray(out, dtype=np.float64)


def drawdown_duration(equity: np.ndarray[Any, np.dtype[np.float64]]) -> int:
    """Longest run of rows spent below a previous peak (rows = hours)."""
    peak = np.maximum.accumulate(equity)
    below = equity < peak
    longest = current = 0
    for flag in below.tolist():
        current = current + 1 if flag else 0
        longest = max(longest, current)
    return longest


def compute_metrics(equity: np.ndarray[Any, np.dtype[np.float64]]) -> dict[str, Any]:
    """Sharpe, Sortino, Calmar, volatility, drawdown and returns of hourly equity."""
    n = len(equity) - 1
    nulls: dict[str, Any] = {
        "total_return": None,
        "annual_return": None,
        "volatility": None,
        "sharpe": None,
        "sortino": None,
        "calmar": None,
        "max_drawdown": None,
        "max_drawdown_duration": None,
        "hours": max(n, 0),
        "conventions": CONVENTIONS,
    }
    if n < 2 or not bool(np.all(equity > 0)):
        return nulls
    returns = equity[1:] / equity[:-1] - 1.0
    mean = float(np.mean(returns))
    vol = float(np.std(returns, ddof=1)) * math.sqrt(HOURS_PER_YEAR)
    downside = math.sqrt(float(np.mean(np.minimum(returns, 0.0) ** 2))) * math.sqrt(HOURS_PER_YEAR)
    growth = float(equity[-1] / equity[0])
    annual = growth ** (HOURS_PER_YEAR / n) - 1.0
    max_dd = float(np.max(drawdowns(equity)))
    return {
        **nulls,
        "total_return": growth - 1.0,
        "annual_return": annual,
        "volatility": vol,
        "sharpe": _ratio(mean * HOURS_PER_YEAR, vol),
        "sortino": _ratio(mean * HOURS_PER_YEAR, downside),
        "calmar": _ratio(annual, max_dd),
        "max_drawdown": max_dd,
        "max_drawdown_duration": drawdown_duration(equity),
    }


def monthly_returns(
    times: np.ndarray[Any, np.dtype[np.int64]], equity: np.ndarray[Any, np.dtype[np.float64]]
) -> dict[str, float | None]:
    """`{"YYYY-MM": return}` from month-end equity (the first month from the first row)."""
    out: dict[str, float | None] = {}
    if len(equity) == 0:
        return out
    months = np.asarray(times, dtype="datetime64[ns]").astype("datetime64[M]")
    ends = [*np.flatnonzero(months[1:] != months[:-1]).tolist(), len(equity) - 1]
    base = float(equity[0])
    for end in ends:
        close = float(equity[end])
        out[str(months[end])] = close / base - 1.0 if base > 0 else None
        base = close
    return out
