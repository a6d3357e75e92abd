"""Missing hours marked from the same instrument on another venue."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from seriesfactory import T0, make_series

from services.data.crossfill import fill_across_venues
from services.data.times import HOUR_NS

GRID = T0 + np.arange(10, dtype=np.int64) * HOUR_NS


def test_hole_is_marked_from_the_other_venue_at_the_last_observed_ratio() -> None:
    own = make_series([0, 1, 2, 6, 7, 8, 9], [100.0, 101.0, 102.0, 106.0, 107.0, 108.0, 109.0])
    other = make_series(range(10), [50.0 + h for h in range(10)], name="other")
    filled = fill_across_venues(own, [other], GRID, ("v",), 24 * HOUR_NS, anchor="v")
    ratio = 102.0 / 52.0  # both observed at hour 2
    assert filled.values["v"][3:6].tolist() == pytest.approx([53 * ratio, 54 * ratio, 55 * ratio])
    assert filled.values["v"][[0, 1, 2, 6]].tolist() == [100.0, 101.0, 102.0, 106.0]
    assert filled.counts() == {"other": 3}
    assert filled.missing.tolist() == [h in (3, 4, 5) for h in range(10)]


def test_hours_no_venue_has_are_carried_forward() -> None:
    own = make_series([0, 1, 6, 7, 8, 9], [100.0, 101.0, 106.0, 107.0, 108.0, 109.0])
    other = make_series(
        [0, 1, 2, 3, 6, 7, 8, 9], [50.0 + h for h in (0, 1, 2, 3, 6, 7, 8, 9)], name="other"
    )
    filled = fill_across_venues(own, [other], GRID, ("v",), 24 * HOUR_NS, anchor="v")
    assert filled.values["v"][4:6].tolist() == [101.0, 101.0]
    assert filled.counts() == {"forward": 2, "other": 2}


def test_a_ratio_older_than_the_staleness_limit_is_not_used() -> None:
    own = make_series([0, 1, 2, 5, 6, 7, 8, 9], [100.0, 101, 102, 105, 106, 107, 108, 109])
    other = make_series([0, 3, 4, 5, 6, 7, 8, 9], [50.0, 53, 54, 55, 56, 57, 58, 59], name="other")
    # Both last traded together at hour 0: 3 h before hour 3, beyond a 2 h limit.
    stale = fill_across_venues(own, [other], GRID, ("v",), 2 * HOUR_NS, anchor="v")
    assert stale.counts() == {"forward": 2}
    assert stale.values["v"][3:5].tolist() == [102.0, 102.0]
    fresh = fill_across_venues(own, [other], GRID, ("v",), 24 * HOUR_NS, anchor="v")
    assert fresh.counts() == {"other": 2}
    assert fresh.values["v"][3:5].tolist() == pytest.approx([53 * 2.0, 54 * 2.0])


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.booleans(), min_size=10, max_size=10),
    st.floats(0.5, 2.0),
    st.lists(st.floats(90.0, 110.0), min_size=10, max_size=10),
)
def test_every_marked_hour_is_the_other_price_times_a_ratio_seen_before_it(
    have: list[bool], basis: float, prices: list[float]
) -> None:
    have[0] = True
    hours = [h for h in range(10) if have[h]]
    own = make_series(hours, [prices[h] * basis for h in hours])
    other = make_series(range(10), prices, name="other")
    filled = fill_across_venues(own, [other], GRID, ("v",), 24 * HOUR_NS, anchor="v")
    # The two venues differ by a constant factor: every hour comes out exact.
    assert filled.values["v"].tolist() == pytest.approx([p * basis for p in prices], rel=1e-12)
    assert int(filled.missing.sum()) == 10 - len(hours)
