"""Plausibility of normalised columns: hourly values that are straight lines between points."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from services.data.defects import DefectLog
from services.data.times import HOUR_NS, iso

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def check_interpolated(found: DefectLog, ts: IntArray, name: str, v: FloatArray) -> None:
    """Hourly values that move in straight lines (equal consecutive steps) most of the time."""
    if len(v) < 50:
        return
    step = np.diff(v)
    regular = np.diff(ts)[1:] == HOUR_NS
    moving = regular & ((step[1:] != 0) | (step[:-1] != 0))
    same = moving & (np.abs(step[1:] - step[:-1]) <= 1e-7 * np.abs(v[2:]))
    n_moving, n_same = int(moving.sum()), int(same.sum())
    if n_moving >= 48 and n_same > 0.8 * n_moving:
        found.add(
            "interpolated",
            n_same,
            iso(ts[0]),
            iso(ts[-1]),
            f"{name}: {n_same} of {n_moving} hourly steps repeat the previous step exactly: "
            "the values are straight lines between sparse (daily) points and carry no "
            "intra-day information",
        )
