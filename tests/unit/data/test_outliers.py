"""Bad ticks on small hand-written files: found, reported with their lines, dropped."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from services.data.load import load_series, require_usable
from services.data.neighbours import neighbour_median

T = "2024-01-01T{:02d}:00:00Z"
HEAD = "timestamp,open,high,low,close,volume"
BINANCE = "market_data/derivatives/futures_ohlcv/binance_ETHUSDT_perp_1h_2024-01-01_2024-01-02.csv"
BYBIT = "market_data/derivatives/futures_ohlcv/bybit_ETHUSDT_perp_1h_2024-01-01_2024-01-02.csv"
OKX = "market_data/derivatives/futures_ohlcv/okx_ETHUSDT_perp_1h_2024-01-01_2024-01-02.csv"
EIGEN = "market_data/spot_prices/protocol_tokens/uniswapv3_EIGENWETH_1h_2024-01-01_2024-01-02.csv"
AAVE = "protocol_data/aave/rates/aave_v3_aave-v3-ethereum_WETH_rates_2024-01-01_2024-01-12.csv"
RATE = "protocol_data/aave/oracle/weETH_ETH_oracle_2024-01-01_2024-01-02.csv"


def _bars(closes: list[float], highs: dict[int, float] | None = None) -> str:
    rows = [HEAD]
    for h, c in enumerate(closes):
        high = (highs or {}).get(h, c * 1.001)
        rows.append(f"{T.format(h)},{c},{high},{c * 0.999},{c},5")
    return "\n".join(rows)


def _walk(n: int = 20, start: float = 2500.0, step: float = 0.004) -> list[float]:
    """A price that rises and falls by `step` an hour, like a quiet market."""
    return [start * (1 + step * ((h % 4) - 1.5)) for h in range(n)]


def test_token_spike_without_other_venues_is_dropped_with_line_and_value(
    write, data_dir: Path
) -> None:
    closes = [0.0015 * (1 + 0.01 * (h % 3)) for h in range(20)]
    closes[9] *= 10
    rows = ["timestamp,date_utc,open,high,low,close,volume"]
    rows += [f"{1704067200 + 3600 * h},x,{c},{c},{c},{c},1" for h, c in enumerate(closes)]
    write(EIGEN, "\n".join(rows))
    s = load_series(data_dir, "uniswap:EIGEN/WETH")
    bad = [d for d in s.defects if d.kind == "outlier"]
    assert {d.line for d in bad} == {11}  # header is line 1, hour 9 is line 11
    assert {d.column for d in bad} <= {"open", "high", "low", "close"}
    assert "x the median of its neighbours" in bad[0].detail
    assert s.rows == 19
    assert s.usable


def test_price_off_every_other_venue_for_one_hour_is_dropped(write, data_dir: Path) -> None:
    walk = _walk()
    bad = list(walk)
    bad[10] *= 0.99  # 1 % off for one hour, like a bar cut short
    write(BINANCE, _bars(bad))
    write(BYBIT, _bars(walk))
    write(OKX, _bars([c * 1.0002 for c in walk]))
    s = load_series(data_dir, "binance:perp:ETHUSDT")
    (d,) = [d for d in s.defects if d.kind == "outlier"]
    assert (d.line, d.first) == (12, T.format(10))
    assert d.column in ("open", "close")  # this bar opens where it closes
    assert "against bybit:perp:ETHUSDT and okx:perp:ETHUSDT" in d.detail
    # The other venues are the reference, not the culprits.
    for other in ("bybit:perp:ETHUSDT", "okx:perp:ETHUSDT"):
        assert not [d for d in load_series(data_dir, other).defects if d.kind == "outlier"]


def test_move_every_venue_made_is_the_market_not_a_tick(write, data_dir: Path) -> None:
    walk = _walk()
    walk[10] *= 0.7  # a 30 % flash move, on every venue, and back
    write(BINANCE, _bars(walk))
    write(BYBIT, _bars([c * 1.0001 for c in walk]))
    s = load_series(data_dir, "binance:perp:ETHUSDT")
    assert not [d for d in s.defects if d.kind == "outlier"]
    assert s.rows == 20


def test_one_other_venue_tells_which_of_the_two_jumped(write, data_dir: Path) -> None:
    walk = _walk()
    bad = list(walk)
    bad[7] *= 10
    write(BINANCE, _bars(bad))
    write(BYBIT, _bars(walk))
    found = load_series(data_dir, "binance:perp:ETHUSDT").defects
    assert [d.line for d in found if d.kind == "outlier"] == [9]
    assert load_series(data_dir, "bybit:perp:ETHUSDT").defects == []


def test_high_of_1e300_is_dropped(write, data_dir: Path) -> None:
    walk = _walk()
    write(BINANCE, _bars(walk, highs={5: 1e300}))
    write(BYBIT, _bars(walk))
    s = load_series(data_dir, "binance:perp:ETHUSDT")
    (d,) = [d for d in s.defects if d.kind == "outlier"]
    assert (d.line, d.column, d.value) == (7, "high", 1e300)
    assert float(np.max(s.column("high"))) < 3000


def test_index_dip_is_dropped_and_a_lasting_fall_makes_it_unusable(write, data_dir: Path) -> None:
    head = "targetDate,liquidityIndex,variableBorrowIndex,"
    head += "currentLiquidityRate,currentVariableBorrowRate"
    index = [1.0 + 0.001 * d for d in range(12)]
    dipped = list(index)
    dipped[5] *= 0.99
    rows = [head] + [
        f"2024-01-{d + 1:02d}T00:00:00Z,{v},1.1,0.02,0.03" for d, v in enumerate(dipped)
    ]
    write(AAVE, "\n".join(rows))
    s = load_series(data_dir, "aave:rates:WETH")
    (d,) = [d for d in s.defects if d.kind == "outlier"]
    assert (d.line, d.column) == (7, "liquidityIndex")
    assert s.usable
    fallen = index[:6] + [v * 0.98 for v in index[6:]]
    rows = [head] + [
        f"2024-01-{d + 1:02d}T00:00:00Z,{v},1.1,0.02,0.03" for d, v in enumerate(fallen)
    ]
    write(AAVE, "\n".join(rows))
    s = load_series(data_dir, "aave:rates:WETH")
    assert "an Aave index never falls" in next(d.detail for d in s.defects if d.kind == "broken")
    assert not s.usable


def test_exchange_rate_lasting_fall_is_kept_and_reported(write, data_dir: Path) -> None:
    rate = [1.05 + 1e-6 * h for h in range(20)]
    rate = rate[:10] + [v * 0.94 for v in rate[10:]]  # slashed by 6 % for good
    rows = ["timestamp,oracle_price_eth"]
    rows += [f"2024-01-01 {h:02d}:00:00+00:00,{v}" for h, v in enumerate(rate)]
    write(RATE, "\n".join(rows))
    s = require_usable(load_series(data_dir, "oracle:weETH/ETH"))
    assert [d.kind for d in s.defects] == ["falls"]
    assert s.rows == 20


def test_zero_exchange_rate_is_dropped(write, data_dir: Path) -> None:
    rate = [1.05 + 1e-6 * h for h in range(20)]
    rate[4] = 0.0
    rows = ["timestamp,oracle_price_eth"]
    rows += [f"2024-01-01 {h:02d}:00:00+00:00,{v}" for h, v in enumerate(rate)]
    write(RATE, "\n".join(rows))
    s = load_series(data_dir, "oracle:weETH/ETH")
    (d,) = [d for d in s.defects if d.kind == "outlier"]
    assert (d.line, d.value) == (6, 0.0)
    assert float(s.column("oracle_price_eth").min()) > 1.0


def test_too_many_bad_ticks_make_the_file_unusable(write, data_dir: Path) -> None:
    closes = [0.0015 * (1 + 0.01 * (h % 3)) for h in range(60)]
    for h in range(2, 60, 5):
        closes[h] *= 10
    rows = ["timestamp,date_utc,open,high,low,close,volume"]
    rows += [f"{1704067200 + 3600 * h},x,{c},{c},{c},{c},1" for h, c in enumerate(closes)]
    write(EIGEN, "\n".join(rows))
    s = load_series(data_dir, "uniswap:EIGEN/WETH")
    assert "broken" in {d.kind for d in s.defects}
    assert not s.usable


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.none(), st.floats(-1e6, 1e6)), min_size=1, max_size=30))
def test_neighbour_median_is_the_median_of_up_to_three_values_each_side(
    values: list[float | None],
) -> None:
    x = np.array([np.nan if v is None else v for v in values])
    got = neighbour_median(x)
    for i in range(len(x)):
        around = [v for j, v in enumerate(x) if j != i and abs(j - i) <= 3 and not np.isnan(v)]
        if around:
            assert got[i] == np.median(around)
        else:
            assert np.isnan(got[i])
