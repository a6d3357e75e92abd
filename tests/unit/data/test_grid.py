"""Grid sampling: fills, refusals, events."""

from __future__ import annotations

import numpy as np
import pytest
from seriesfactory import T0, at, make_series

from services.data.grid import (
    events_on_grid,
    filled_mask,
    hourly_grid,
    missing_stamps,
    sample_on_grid,
)
from services.data.times import DAY_NS, HOUR_NS
from services.errors import DataError


def test_hourly_grid_is_end_exclusive_and_rounds_start_up() -> None:
    grid = hourly_grid(T0, T0 + 3 * HOUR_NS)
    assert grid.dtype == np.int64
    assert grid.tolist() == [T0, T0 + HOUR_NS, T0 + 2 * HOUR_NS]
    assert hourly_grid(T0 + 1, T0 + 3 * HOUR_NS).tolist() == [T0 + HOUR_NS, T0 + 2 * HOUR_NS]
    with pytest.raises(DataError, match="no whole hour"):
        hourly_grid(T0 + 1, T0 + HOUR_NS)


def test_previous_fills_forward_and_marks_filled_points() -> None:
    s = make_series([0, 1, 4], [10.0, 11.0, 14.0])
    grid = hourly_grid(T0, at(6))
    out = sample_on_grid(s, "v", grid, max_gap_ns=3 * HOUR_NS)
    assert out.tolist() == [10.0, 11.0, 11.0, 11.0, 14.0, 14.0]
    assert filled_mask(s, grid).tolist() == [False, False, True, True, False, True]


def test_linear_interpolates_daily_points_and_holds_past_the_end() -> None:
    s = make_series([0, 24, 48], [1.0, 1.24, 1.48])
    grid = hourly_grid(T0, at(50))
    out = sample_on_grid(s, "v", grid, max_gap_ns=DAY_NS, method="linear")
    assert out[0] == 1.0
    assert out[24] == 1.24
    assert out[12] == pytest.approx(1.12)
    assert out[36] == pytest.approx(1.36)
    assert out[49] == 1.48  # held, not extrapolated


def test_refuses_a_window_starting_before_the_series() -> None:
    s = make_series([5, 6, 7], [1.0, 2.0, 3.0], name="okx:funding:BTCUSDT")
    with pytest.raises(DataError) as err:
        sample_on_grid(s, "v", hourly_grid(T0, at(7)), max_gap_ns=HOUR_NS)
    msg = str(err.value)
    assert "series okx:funding:BTCUSDT does not cover the window" in msg
    assert "starts at 2024-01-01T05:00:00Z" in msg
    assert "the run needs 2024-01-01T00:00:00Z .. 2024-01-01T06:00:00Z" in msg
    assert "choose --set start=/end= inside [2024-01-01T05:00:00Z .. 2024-01-01T08:00:00Z]" in msg
    assert "or another venue" in msg


def test_refuses_a_window_ending_after_the_series_plus_the_limit() -> None:
    s = make_series([0, 1, 2], [1.0, 2.0, 3.0])
    ok = sample_on_grid(s, "v", hourly_grid(T0, at(5)), max_gap_ns=2 * HOUR_NS)
    assert ok.tolist() == [1.0, 2.0, 3.0, 3.0, 3.0]
    ends = r"does not cover the window: it ends at 2024-01-01T02:00:00Z"
    with pytest.raises(DataError, match=ends):
        sample_on_grid(s, "v", hourly_grid(T0, at(6)), max_gap_ns=2 * HOUR_NS)


def test_refuses_a_gap_longer_than_the_limit_inside_the_window() -> None:
    s = make_series([0, 1, 26, 27], [1.0, 2.0, 3.0, 4.0], name="binance:spot:BTCUSDT")
    grid = hourly_grid(T0, at(28))
    assert len(sample_on_grid(s, "v", grid, max_gap_ns=DAY_NS + HOUR_NS)) == 28
    with pytest.raises(DataError) as err:
        sample_on_grid(s, "v", grid, max_gap_ns=6 * HOUR_NS)
    msg = str(err.value)
    assert "series binance:spot:BTCUSDT has a gap from 2024-01-01T01:00:00Z" in msg
    assert "to 2024-01-02T02:00:00Z (1 day 1 h)" in msg
    assert "fill limit of 6 h" in msg
    assert "grid point 2024-01-01T08:00:00Z" in msg
    assert "raise the staleness limit" in err.value.fix
    assert "move the window" in err.value.fix


def test_linear_refuses_to_interpolate_across_a_long_gap() -> None:
    s = make_series([0, 24, 96], [1.0, 1.1, 1.2])
    grid = hourly_grid(T0, at(90))
    with pytest.raises(DataError, match="has a gap from 2024-01-02T00:00:00Z to 2024-01-05"):
        sample_on_grid(s, "v", grid, max_gap_ns=DAY_NS, method="linear")


def test_unknown_column_is_named() -> None:
    s = make_series([0], [1.0])
    with pytest.raises(DataError, match="has no column 'close'"):
        sample_on_grid(s, "close", hourly_grid(T0, at(1)), max_gap_ns=HOUR_NS)


def test_events_on_grid_keeps_exact_stamps_only() -> None:
    s = make_series([-8, 0, 8, 12.5, 16, 40], [9.0, 1.0, 2.0, 7.0, 3.0, 9.0])
    grid = hourly_grid(T0, at(24))
    assert events_on_grid(s, "v", grid) == {0: 1.0, 8: 2.0, 16: 3.0}


def test_missing_settlement_stamps_are_listed() -> None:
    s = make_series([0, 8, 32, 40], [1.0, 2.0, 3.0, 4.0])
    grid = hourly_grid(at(1), at(48))
    assert missing_stamps(s, grid) == [at(16), at(24)]
    assert missing_stamps(s, grid[:0]) == []
