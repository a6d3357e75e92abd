"""The configurations of a sweep: grids, random points, and what is refused."""

from __future__ import annotations

import pytest

from services.errors import ConfigError
from services.sweep.space import configurations, split_values


def test_grid_values_split_on_top_level_commas_only() -> None:
    text = "{binance=0.5,bybit=0.5},{binance=1.0},[1, 2],'a,b'"
    assert split_values(text) == ["{binance=0.5,bybit=0.5}", "{binance=1.0}", "[1, 2]", "'a,b'"]


def test_the_grid_is_the_cartesian_product_in_argument_order() -> None:
    points = configurations([], ["capital=1,2", "rebalance=true,false"], [])
    assert points == [
        {"capital": "1", "rebalance": "true"},
        {"capital": "1", "rebalance": "false"},
        {"capital": "2", "rebalance": "true"},
        {"capital": "2", "rebalance": "false"},
    ]


def test_random_points_are_seeded_within_bounds_and_crossed_with_the_grid() -> None:
    args = (["capital=1,2"], ["target_margin_ratio=0.3:0.6", "price_staleness_hours=1:5"])
    points = configurations([], *args, points=4, seed=7)
    assert len(points) == 8
    assert points == configurations([], *args, points=4, seed=7)
    assert points != configurations([], *args, points=4, seed=8)
    for p in points:
        assert 0.3 <= float(p["target_margin_ratio"]) <= 0.6
        assert p["price_staleness_hours"] in {"1", "2", "3", "4", "5"}


@pytest.mark.parametrize(
    ("fixed", "grids", "ranges", "points", "message"),
    [
        ([], ["capital"], [], 0, "not of the form name=v1,v2"),
        ([], ["capital=1,,2"], [], 0, "not of the form name=v1,v2"),
        ([], ["capital=1,1"], [], 0, "repeats a value"),
        ([], ["capital=1,2", "capital=3"], [], 0, "swept twice"),
        (["capital=5"], ["capital=1,2"], [], 0, "also fixed"),
        ([], [], ["capital=1:2"], 0, "go together"),
        ([], [], [], 3, "go together"),
        ([], [], ["capital=2:1"], 3, "is empty"),
        ([], [], ["capital=a:b"], 3, "not of the form name=lo:hi"),
        ([], [], [], 0, "nothing to sweep"),
    ],
)
def test_malformed_sweeps_are_refused(
    fixed: list[str], grids: list[str], ranges: list[str], points: int, message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        configurations(fixed, grids, ranges, points)
