"""Building `Series` objects directly, for grid tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from services.data.load import Series
from services.data.times import HOUR_NS, parse_when

T0 = parse_when("2024-01-01")


def make_series(
    hours: list[float] | np.ndarray, values: list[float] | np.ndarray, name: str = "test:price:X"
) -> Series:
    """A series with observations at ``T0 + hours`` and one column ``v``."""
    ts = T0 + (np.asarray(hours, dtype=np.float64) * HOUR_NS).astype(np.int64)
    return Series(
        name=name,
        path=Path("/nowhere/x.csv"),
        ts=ts,
        columns={"v": np.asarray(values, dtype=np.float64)},
        file="x.csv",
    )


def at(hours: float) -> int:
    """The stamp ``hours`` after T0."""
    return T0 + int(hours * HOUR_NS)
