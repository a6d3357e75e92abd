"""Property tests for grid sampling."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from seriesfactory import T0, make_series

from services.data.grid import events_on_grid, filled_mask, sample_on_grid
from services.data.times import HOUR_NS

BIG = 10_000 * HOUR_NS

# Observation times in minutes (distinct, sorted later) and values.
observations = st.lists(
    st.tuples(st.integers(0, 5_000), st.floats(-1e6, 1e6, allow_nan=False)),
    min_size=1,
    max_size=40,
    unique_by=lambda t: t[0],
)
offsets = st.lists(st.integers(0, 5_200), min_size=1, max_size=40)


def _build(obs: list[tuple[int, float]]):
    obs = sorted(obs)
    minutes = np.array([m for m, _ in obs], dtype=np.float64)
    return make_series(minutes / 60.0, [v for _, v in obs]), obs


def _grid(series, grid_minutes: list[int]) -> np.ndarray:
    grid = np.unique(T0 + np.asarray(grid_minutes, dtype=np.int64) * 60_000_000_000)
    return grid[grid >= series.ts[0]]


@settings(max_examples=200, deadline=None)
@given(observations, offsets)
def test_previous_never_uses_a_future_observation(obs, grid_minutes) -> None:
    series, obs = _build(obs)
    grid = _grid(series, grid_minutes)
    out = sample_on_grid(series, "v", grid, max_gap_ns=BIG)
    for g, value in zip(grid.tolist(), out.tolist(), strict=True):
        past = [v for t, v in zip(series.ts.tolist(), [o[1] for o in obs], strict=True) if t <= g]
        assert past, "a grid point before the first observation must be refused"
        assert value == past[-1]


@settings(max_examples=200, deadline=None)
@given(observations, offsets)
def test_linear_hits_observations_exactly_and_stays_between_neighbours(obs, grid_minutes) -> None:
    series, _ = _build(obs)
    grid = np.union1d(_grid(series, grid_minutes), series.ts)
    out = sample_on_grid(series, "v", grid, max_gap_ns=BIG, method="linear")
    values = series.columns["v"]
    pos = np.searchsorted(grid, series.ts)
    assert np.array_equal(out[pos], values)  # exact, bit for bit
    filled = filled_mask(series, grid)
    assert not filled[pos].any()
    for k in np.flatnonzero(filled):
        i = np.searchsorted(series.ts, grid[k], side="right") - 1
        j = min(i + 1, len(values) - 1)
        lo, hi = sorted((values[i], values[j]))
        assert lo - 1e-9 * max(1.0, abs(lo)) <= out[k] <= hi + 1e-9 * max(1.0, abs(hi))


@settings(max_examples=100, deadline=None)
@given(observations, offsets)
def test_events_are_exactly_the_observations_on_grid_points(obs, grid_minutes) -> None:
    series, _ = _build(obs)
    grid = _grid(series, grid_minutes)
    if len(grid) == 0:
        return
    events = events_on_grid(series, "v", grid)
    on_grid = {int(t): v for t, v in zip(series.ts, series.columns["v"], strict=True)}
    expected = {i: on_grid[int(g)] for i, g in enumerate(grid) if int(g) in on_grid}
    assert events == expected
