"""Loader normalisation on small hand-written files."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from services.data.defects import Defect
from services.data.load import load_series, require_usable
from services.data.times import HOUR_NS, parse_when
from services.errors import DataError

FUNDING = (
    "market_data/derivatives/funding_rates/okx_BTCUSDT_funding_rates_2024-01-01_2024-01-02.csv"
)
SPOT = "market_data/spot_prices/btc_usd/binance_BTCUSDT_1h_2024-01-01_2024-01-02.csv"
AAVE = "protocol_data/aave/rates/aave_v3_aave-v3-ethereum_USDT_rates_2024-01-01_2024-01-04.csv"
ORACLE = "protocol_data/aave/oracle/weETH_ETH_oracle_2024-01-01_2024-01-02.csv"

FUNDING_HEAD = "funding_timestamp,funding_rate,symbol,source"
SPOT_HEAD = "timestamp,open,high,low,close,volume"


def _spot_rows(hours: list[int], price: float = 100.0) -> str:
    rows = [SPOT_HEAD]
    for h in hours:
        stamp = f"2024-01-01T{h:02d}:00:00Z"
        rows.append(f"{stamp},{price},{price + 1},{price - 1},{price},5")
    return "\n".join(rows)


def kinds(series) -> dict[str, int]:
    out: dict[str, int] = {}
    for d in series.defects:
        out[d.kind] = out.get(d.kind, 0) + 1
    return out


def test_clean_file_loads_as_int64_ns_and_float64(write, data_dir: Path) -> None:
    write(
        FUNDING,
        f"""{FUNDING_HEAD}
        2024-01-01T00:00:00Z,0.0001,BTCUSDT,okx
        2024-01-01T08:00:00Z,-0.00002,BTCUSDT,okx
        2024-01-01T16:00:00Z,0.0003,BTCUSDT,okx""",
    )
    s = load_series(data_dir, "okx:funding:BTCUSDT")
    assert s.ts.dtype == np.int64
    assert s.columns["funding_rate"].dtype == np.float64
    assert s.ts[0] == parse_when("2024-01-01")
    assert np.all(np.diff(s.ts) > 0)
    assert s.columns["funding_rate"].tolist() == [0.0001, -0.00002, 0.0003]
    assert s.defects == []
    assert s.file == FUNDING
    assert s.usable


def test_duplicates_keep_first_and_report_disagreement(write, data_dir: Path) -> None:
    write(
        FUNDING,
        f"""{FUNDING_HEAD}
        2024-01-01T00:00:00Z,0.0001,BTCUSDT,okx
        2024-01-01T08:00:00Z,0.0002,BTCUSDT,okx
        2024-01-01T08:00:00Z,0.0009,BTCUSDT,okx
        2024-01-01T16:00:00Z,0.0003,BTCUSDT,okx
        2024-01-01T16:00:00Z,0.0003,BTCUSDT,okx""",
    )
    s = load_series(data_dir, "okx:funding:BTCUSDT")
    assert s.rows == 3
    assert s.columns["funding_rate"].tolist() == [0.0001, 0.0002, 0.0003]
    (dup,) = [d for d in s.defects if d.kind == "duplicate"]
    assert dup.count == 2
    assert dup.first == "2024-01-01T08:00:00Z"
    assert dup.last == "2024-01-01T16:00:00Z"
    assert "1 of them disagree" in dup.detail


def test_identical_duplicates_say_so(write, data_dir: Path) -> None:
    write(SPOT, _spot_rows([0, 1, 1, 2]))
    (dup,) = load_series(data_dir, "binance:spot:BTCUSDT").defects
    assert dup.kind == "duplicate"
    assert dup.count == 1
    assert "all repeat the kept row" in dup.detail


def test_gaps_report_from_to_and_missing_steps(write, data_dir: Path) -> None:
    write(SPOT, _spot_rows([0, 1, 6, 7, 9]))
    s = load_series(data_dir, "binance:spot:BTCUSDT")
    gaps = [d for d in s.defects if d.kind == "gap"]
    assert [(g.first, g.last, g.count) for g in gaps] == [
        ("2024-01-01T01:00:00Z", "2024-01-01T06:00:00Z", 4),
        ("2024-01-01T07:00:00Z", "2024-01-01T09:00:00Z", 1),
    ]
    assert "5 h" in gaps[0].detail


def test_comment_lines_are_skipped_and_reported(write, data_dir: Path) -> None:
    write(
        ORACLE,
        """# Source: aave_oracle_derived
        # Asset_pair: weETH_ETH
        # Records: 2
        timestamp,oracle_price_eth,asset,source,quote_currency
        2024-01-01 00:00:00+00:00,1.04,weETH,x,ETH
        2024-01-01 01:00:00+00:00,1.05,weETH,x,ETH""",
    )
    s = load_series(data_dir, "oracle:weETH/ETH")
    assert s.columns["oracle_price_eth"].tolist() == [1.04, 1.05]
    assert s.ts[1] - s.ts[0] == HOUR_NS
    (d,) = s.defects
    assert (d.kind, d.count) == ("comment_lines", 3)


def test_bad_number_names_file_line_and_column(write, data_dir: Path) -> None:
    write(
        FUNDING,
        f"""{FUNDING_HEAD}
        2024-01-01T00:00:00Z,0.0001,BTCUSDT,okx
        2024-01-01T08:00:00Z,abc,BTCUSDT,okx""",
    )
    with pytest.raises(DataError) as err:
        load_series(data_dir, "okx:funding:BTCUSDT")
    msg = str(err.value)
    assert FUNDING in msg
    assert "line 3" in msg
    assert "'funding_rate'" in msg
    assert "'abc'" in msg
    assert err.value.fix


def test_bad_time_stamp_names_line_after_comment_lines(write, data_dir: Path) -> None:
    write(
        ORACLE,
        """# one
        # two
        timestamp,oracle_price_eth,asset,source,quote_currency
        2024-01-01 00:00:00+00:00,1.04,weETH,x,ETH
        2024-01-01T01:00,1.05,weETH,x,ETH""",
    )
    with pytest.raises(DataError, match=r"line 5: column 'timestamp' has '2024-01-01T01:00'"):
        load_series(data_dir, "oracle:weETH/ETH")


def test_short_row_is_named(write, data_dir: Path) -> None:
    write(SPOT, _spot_rows([0, 1]) + "\n2024-01-01T02:00:00Z,1,2")
    with pytest.raises(DataError, match=r"line 4 has 3 fields, the header has 6"):
        load_series(data_dir, "binance:spot:BTCUSDT")


def test_missing_column_is_named(write, data_dir: Path) -> None:
    write(SPOT, "timestamp,open,high,low,price\n2024-01-01T00:00:00Z,1,2,0.5,1")
    with pytest.raises(DataError, match=r"no column 'close'"):
        load_series(data_dir, "binance:spot:BTCUSDT")


def test_funding_in_percent_is_a_units_defect(write, data_dir: Path) -> None:
    write(
        FUNDING,
        f"""{FUNDING_HEAD}
        2024-01-01T00:00:00Z,0.01,BTCUSDT,okx
        2024-01-01T08:00:00Z,0.025,BTCUSDT,okx
        2024-01-01T16:00:00Z,0.03,BTCUSDT,okx""",
    )
    s = load_series(data_dir, "okx:funding:BTCUSDT")
    (d,) = s.defects
    assert d.kind == "units"
    assert "percent" in d.detail
    assert not s.usable
    with pytest.raises(DataError, match="cannot be used"):
        require_usable(s)


def test_aave_index_in_rays_is_a_units_defect(write, data_dir: Path) -> None:
    head = (
        "targetDate,liquidityIndex,variableBorrowIndex,"
        "currentLiquidityRate,currentVariableBorrowRate"
    )
    rows = [head] + [f"2024-01-0{d}T00:00:00Z,{1.03e27 + d},1.05,0.05,0.07" for d in (1, 2, 3, 4)]
    write(AAVE, "\n".join(rows))
    s = load_series(data_dir, "aave:rates:USDT")
    units = [d for d in s.defects if d.kind == "units"]
    assert len(units) == 1
    assert "rays" in units[0].detail
    assert units[0].count == 4


def test_funding_rate_beyond_the_venue_cap_is_dropped_with_its_line(write, data_dir: Path) -> None:
    write(
        FUNDING,
        f"""{FUNDING_HEAD}
        2024-01-01T00:00:00Z,0.0001,BTCUSDT,okx
        2024-01-01T08:00:00Z,0.05,BTCUSDT,okx
        2024-01-01T16:00:00Z,0.0003,BTCUSDT,okx""",
    )
    s = load_series(data_dir, "okx:funding:BTCUSDT")
    (d, gap) = s.defects
    assert (d.kind, d.count, d.first, d.line, d.column, d.value) == (
        "outlier",
        1,
        "2024-01-01T08:00:00Z",
        3,
        "funding_rate",
        0.05,
    )
    assert "beyond okx's BTCUSDT funding cap of +-0.375%" in d.detail
    assert d.detail.startswith("line 3: funding_rate 0.05 ")
    assert gap.kind == "gap"
    assert s.rows == 2  # dropped: the grid fills it like a missing settlement
    assert s.usable


def test_non_positive_and_nan_prices_are_dropped_with_their_lines(write, data_dir: Path) -> None:
    write(
        SPOT,
        f"""{SPOT_HEAD}
        2024-01-01T00:00:00Z,100,101,99,100,1
        2024-01-01T01:00:00Z,100,101,99,0,1
        2024-01-01T02:00:00Z,100,101,99,,1
        2024-01-01T03:00:00Z,100,101,99,NaN,1
        2024-01-01T04:00:00Z,100,101,99,inf,1
        2024-01-01T05:00:00Z,100,101,99,100,1""",
    )
    s = load_series(data_dir, "binance:spot:BTCUSDT")
    assert s.rows == 2
    impossible = {d.line: d.detail for d in s.defects if d.kind == "impossible"}
    assert impossible == {
        3: "line 3: close 0 is <= 0: dropped",
        4: "line 4: close is empty or NaN: dropped",
        5: "line 5: close is empty or NaN: dropped",
        6: "line 6: close is inf (too large): dropped",
    }
    # The dropped rows leave a gap, which is reported too.
    assert [d.count for d in s.defects if d.kind == "gap"] == [4]


def test_ohlc_that_does_not_bracket_is_dropped(write, data_dir: Path) -> None:
    write(
        SPOT,
        f"""{SPOT_HEAD}
        2024-01-01T00:00:00Z,100,101,99,100,1
        2024-01-01T01:00:00Z,100,99,98,100,1
        2024-01-01T02:00:00Z,100,101,99,100,1""",
    )
    s = load_series(data_dir, "binance:spot:BTCUSDT")
    (d, _) = s.defects
    assert (d.kind, d.line) == ("outlier", 3)
    assert "do not bracket" in d.detail
    assert s.rows == 2


def test_unsorted_rows_are_sorted(write, data_dir: Path) -> None:
    write(SPOT, _spot_rows([2, 0, 1]))
    s = load_series(data_dir, "binance:spot:BTCUSDT")
    assert np.all(np.diff(s.ts) == HOUR_NS)
    assert [d.kind for d in s.defects] == ["unsorted"]


def test_broken_yield_file(write, data_dir: Path) -> None:
    rel = "protocol_data/staking/base_yields/wsteth_oracle_yields_2024-01-01_2024-01-02.csv"
    write(
        rel,
        """date,timestamp,base_staking_apy
        2024-01-01,2024-01-01T00:00:00+00:00Z,0.03
        2024-01-01,2024-01-01T01:00:00+00:00Z,9.99
        2024-01-01,2024-01-01T02:00:00+00:00Z,-0.99""",
    )
    s = load_series(data_dir, "yields:wstETH")
    (d,) = s.defects
    assert (d.kind, d.count) == ("broken", 2)
    assert "oracle:wstETH/ETH" in d.detail
    assert not s.usable


@pytest.mark.parametrize(
    ("name", "rel", "text"),
    [
        (
            "uniswap:WETH/USDT",
            "market_data/spot_prices/eth_usd/uniswapv3_WETHUSDT_1h_2024-01-01_2024-01-02.csv",
            "timestamp,open,high,low,close\n1704067200,1,2,0.5,1.5",
        ),
        (
            "yields:weETH",
            "protocol_data/staking/base_yields/weeth_oracle_yields_2024-01-01_2024-01-02.csv",
            "date,base_staking_apy\n2024-01-01,0.03",
        ),
        (
            "peg:weETH",
            "protocol_data/staking/peg_analysis/weETH_peg_analysis_2024-01-01_2024-01-02.csv",
            "timestamp,protocol_rate,market_rate\n2024-01-01 00:00:00+00:00,1.04,1.039",
        ),
    ],
)
def test_time_formats(write, data_dir: Path, name: str, rel: str, text: str) -> None:
    write(rel, text)
    assert load_series(data_dir, name).ts.tolist() == [parse_when("2024-01-01")]


def test_unix_milliseconds_are_refused_as_units(write, data_dir: Path) -> None:
    rel = "market_data/spot_prices/eth_usd/uniswapv3_WETHUSDT_1h_2024-01-01_2024-01-02.csv"
    write(rel, "timestamp,open,high,low,close\n1704067200000,1,2,0.5,1.5")
    with pytest.raises(DataError, match="wrong unit"):
        load_series(data_dir, "uniswap:WETH/USDT")


def test_missing_file_names_pattern_folder_and_fix(write, data_dir: Path) -> None:
    write(SPOT, _spot_rows([0]))
    with pytest.raises(DataError) as err:
        load_series(data_dir, "bybit:spot:BTCUSDT")
    assert "bybit_BTCUSDT_spot_1h_*.csv" in err.value.message
    assert str(data_dir / "market_data/spot_prices/btc_usd") in err.value.message
    assert "add a file" in err.value.fix


def test_missing_folder_and_unknown_name(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="does not exist"):
        load_series(tmp_path / "nope", "binance:spot:BTCUSDT")
    with pytest.raises(DataError, match="unknown data series"):
        load_series(tmp_path, "kraken:spot:BTCUSD")


def test_several_files_longest_span_wins(write, data_dir: Path) -> None:
    folder = "market_data/derivatives/futures_ohlcv"
    write(f"{folder}/okx_ETHUSDT_perp_1h_2024-01-01_2024-01-02.csv", _spot_rows([0, 1], 5.0))
    write(f"{folder}/okx_ETHUSDT_perp_1h_2024-01-01_2024-03-01.csv", _spot_rows([0, 1], 7.0))
    write(f"{folder}/okx_ETHUSDT_perp_1m_2024-01-01_2025-03-01.csv", _spot_rows([0, 1], 9.0))
    s = load_series(data_dir, "okx:perp:ETHUSDT")
    assert s.path.name == "okx_ETHUSDT_perp_1h_2024-01-01_2024-03-01.csv"
    assert s.columns["close"][0] == 7.0


def test_several_files_without_dates_is_an_error(write, data_dir: Path) -> None:
    folder = "market_data/derivatives/futures_ohlcv"
    write(f"{folder}/okx_ETHUSDT_perp_1h_2024-01-01_2024-01-02.csv", _spot_rows([0]))
    write(f"{folder}/okx_ETHUSDT_perp_1h_latest.csv", _spot_rows([0]))
    with pytest.raises(DataError, match="several files match"):
        load_series(data_dir, "okx:perp:ETHUSDT")


def test_file_name_claiming_more_than_the_data_is_a_coverage_defect(write, data_dir: Path) -> None:
    rel = "market_data/spot_prices/btc_usd/binance_BTCUSDT_1h_2024-01-01_2024-03-01.csv"
    write(rel, _spot_rows([0, 1]))
    (d,) = load_series(data_dir, "binance:spot:BTCUSDT").defects
    assert d.kind == "coverage"
    assert "runs to 2024-03-01" in d.detail


def test_cache_reuses_arrays_until_the_file_changes(write, data_dir: Path) -> None:
    path = write(SPOT, _spot_rows([0, 1]))
    a = load_series(data_dir, "binance:spot:BTCUSDT")
    b = load_series(data_dir, "binance:spot:BTCUSDT")
    assert np.shares_memory(a.ts, b.ts)
    assert not a.ts.flags.writeable
    a.defects.append(Defect(series="x", file="", kind="gap", count=1))  # a caller's own list
    assert load_series(data_dir, "binance:spot:BTCUSDT").defects == []
    write(SPOT, _spot_rows([0, 1, 2], 200.0))
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 1_000_000))
    c = load_series(data_dir, "binance:spot:BTCUSDT")
    assert c.rows == 3
    assert c.columns["close"][0] == 200.0


def test_hourly_straight_lines_are_reported_as_interpolated(write, data_dir: Path) -> None:
    rows = ["timestamp,oracle_price_eth,asset,source,quote_currency"]
    for h in range(24 * 4):
        day, hour = divmod(h, 24)
        value = 1.04 + 0.001 * day + 0.00001 * (day % 2 + 1) * hour  # linear within each day
        rows.append(f"2024-01-0{day + 1} {hour:02d}:00:00+00:00,{value:.10f},weETH,x,ETH")
    write(ORACLE.replace("2024-01-02", "2024-01-05"), "\n".join(rows))
    s = load_series(data_dir, "oracle:weETH/ETH")
    (d,) = [d for d in s.defects if d.kind == "interpolated"]
    assert "straight lines" in d.detail
    assert s.usable
