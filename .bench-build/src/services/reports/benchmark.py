"""The benchmark: Aave v3 USDT lending over the run's window, from the data folder."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt

from services.data.load import load_series
from services.errors import CarryError
from services.reports.frame import Floats

SERIES = "aave:rates:USDT"


def aave_usdt_growth(data_dir: str, times_ns: npt.NDArray[np.int64]) -> Floats | None:
    """Growth of a USDT supply on Aave at each time (1.0 at the first), from the reserve's
    liquidity index, linearly interpolated; None when the data has no such series."""
    if len(times_ns) == 0:
        return None
    try:
        series = load_series(Path(data_dir), SERIES)
    except CarryError:
        return None
    index = series.column("liquidityIndex")
    if series.rows < 2 or times_ns[0] < series.first or times_ns[-1] > series.last:
        return None
    at = np.interp(times_ns.astype(np.float64), series.ts.astype(np.float64), index)
    return np.asarray(at / at[0], dtype=np.float64)
