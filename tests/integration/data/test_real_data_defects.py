"""Every known defect of the real data (its README, "Known defects") is found and counted."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from services.cli.main import main
from services.data.catalog import SERIES
from services.data.check import CheckReport, check_folder, format_report
from services.data.grid import hourly_grid, sample_on_grid
from services.data.load import load_series
from services.data.times import DAY_NS, HOUR_NS, parse_when
from services.errors import DataError

BYBIT_1H = ("bybit:spot:BTCUSDT", "bybit:spot:ETHUSDT", "bybit:perp:BTCUSDT", "bybit:perp:ETHUSDT")
BINANCE_1H = ("binance:spot:BTCUSDT", "binance:perp:BTCUSDT", "binance:perp:ETHUSDT")
OKX_FUNDING = ("okx:funding:BTCUSDT", "okx:funding:ETHUSDT")


@pytest.fixture(scope="module")
def report(real_data_dir: Path) -> CheckReport:
    return check_folder(real_data_dir)


def _length_ns(first: str, last: str) -> int:
    return parse_when(last) - parse_when(first)


def test_every_catalog_series_is_present(report: CheckReport) -> None:
    assert [s.name for s in report.series if not s.present] == []
    assert len(report.series) == len(SERIES)
    assert all(i.present for i in report.inputs)


@pytest.mark.parametrize("name", OKX_FUNDING)
def test_okx_funding_duplicates(report: CheckReport, name: str) -> None:
    (dup,) = report.of(name, "duplicate")
    assert dup.count == 210
    assert "210 of them disagree" in dup.detail


@pytest.mark.parametrize("name", BYBIT_1H)
def test_bybit_1h_duplicates(report: CheckReport, name: str) -> None:
    (dup,) = report.of(name, "duplicate")
    assert dup.count == 15


@pytest.mark.parametrize("name", OKX_FUNDING)
def test_okx_funding_gaps_with_august_2024_missing(report: CheckReport, name: str) -> None:
    gaps = report.of(name, "gap")
    assert len(gaps) == 14
    longest = max(gaps, key=lambda d: _length_ns(d.first, d.last))
    assert _length_ns(longest.first, longest.last) == 31 * DAY_NS + 8 * HOUR_NS
    assert longest.first <= "2024-08-01"
    assert longest.last >= "2024-09-01"


def test_okx_eth_perp_30_day_gap(report: CheckReport) -> None:
    gaps = report.of("okx:perp:ETHUSDT", "gap")
    lengths = sorted(_length_ns(d.first, d.last) for d in gaps)
    assert lengths[-1] == 30 * DAY_NS + HOUR_NS
    (cov,) = [s for s in report.series if s.name == "okx:perp:ETHUSDT"]
    assert cov.file.endswith("okx_ETHUSDT_perp_1h_2024-08-01_2025-09-18.csv")


@pytest.mark.parametrize("name", BINANCE_1H)
def test_binance_1h_gaps_of_up_to_one_day(report: CheckReport, name: str) -> None:
    gaps = [d for d in report.of(name, "gap") if _length_ns(d.first, d.last) > 2 * HOUR_NS]
    assert len(gaps) == 15
    assert max(_length_ns(d.first, d.last) for d in gaps) == DAY_NS


def test_the_one_bad_tick_of_the_real_data_is_a_binance_eth_bar_cut_short(
    report: CheckReport, real_data_dir: Path
) -> None:
    # 2024-10-28 21:00: close 2518.92 where Bybit and OKX closed near 2544, and the next
    # bar opens at 2543.69: a bar recorded before its hour ended. Nothing else is dropped.
    bad = [d for d in report.defects if d.kind in ("outlier", "impossible")]
    assert [(d.series, d.line, d.column, d.value, d.first) for d in bad] == [
        ("binance:perp:ETHUSDT", 7086, "close", 2518.92, "2024-10-28T21:00:00Z")
    ]
    (path,) = real_data_dir.glob("market_data/derivatives/futures_ohlcv/binance_ETHUSDT_perp_1h_*")
    line = path.read_text().splitlines()[7086 - 1]
    assert line.startswith("2024-10-28T21:00:00Z,")
    assert ",2518.92," in line
    # Its hour is a 1 h gap, filled like the others.
    gaps = report.of("binance:perp:ETHUSDT", "gap")
    assert ("2024-10-28T20:00:00Z", "2024-10-28T22:00:00Z") in [(d.first, d.last) for d in gaps]


@pytest.mark.parametrize(
    ("name", "start"),
    [
        ("okx:funding:BTCUSDT", "2024-05-01T00:00:00Z"),
        ("okx:funding:ETHUSDT", "2024-05-01T00:00:00Z"),
        ("aave:rates:weETH", "2024-05-12T00:00:00Z"),
        ("aave:rates:wstETH", "2024-05-12T00:00:00Z"),
        ("oracle:weETH/ETH", "2024-05-12T01:00:00Z"),
        ("oracle:wstETH/ETH", "2024-05-12T01:00:00Z"),
        ("uniswap:EIGEN/WETH", "2024-10-05T00:00:00Z"),
    ],
)
def test_later_start_dates_are_coverage_defects(report: CheckReport, name: str, start: str) -> None:
    (cov,) = [s for s in report.series if s.name == name]
    assert cov.first == start
    assert any(d.last == start for d in report.of(name, "coverage"))


def test_wsteth_base_yield_file_is_broken(report: CheckReport) -> None:
    (broken,) = report.of("yields:wstETH", "broken")
    assert "oracle:wstETH/ETH" in broken.detail
    (cov,) = [s for s in report.series if s.name == "yields:wstETH"]
    assert not cov.usable
    assert [s.name for s in report.series if s.present and not s.usable] == ["yields:wstETH"]


def test_margin_files_are_inverted(report: CheckReport) -> None:
    inverted = [d for d in report.defects if d.kind == "inverted_margin"]
    assert sorted(d.series for d in inverted) == ["margin:binance", "margin:bybit", "margin:okx"]


def test_oracle_comment_lines(report: CheckReport) -> None:
    with_comments = {d.series for d in report.defects if d.kind == "comment_lines"}
    assert with_comments == {n for n in SERIES if n.startswith("oracle:")}


def test_hourly_oracles_are_interpolated_daily_points(report: CheckReport) -> None:
    interpolated = {d.series for d in report.defects if d.kind == "interpolated"}
    assert {n for n in SERIES if n.startswith("oracle:") and n != "oracle:USDT/USD"} <= interpolated
    assert not any(n.startswith(("binance:", "bybit:", "okx:")) for n in interpolated)


def test_fixed_reward_token_prices(report: CheckReport) -> None:
    found = report.of("etherfi:seasonal_rewards", "constant_price")
    details = " ".join(d.detail for d in found)
    assert "EIGEN is priced at a fixed 3.5 USD" in details
    assert "ETHFI is priced at a fixed 2.8 USD" in details


def test_seasonal_drop_ranges(report: CheckReport) -> None:
    ranges = report.of("etherfi:seasonal_drops", "range_values")
    (per_eeth,) = [d for d in ranges if "reward_per_eeth" in d.detail]
    assert per_eeth.count == 5
    assert "'~5–15'" in per_eeth.detail


def test_report_text_names_every_series(report: CheckReport) -> None:
    text = format_report(report)
    for name in SERIES:
        assert name in text


def test_windows_outside_the_data_are_refused_with_the_series_named(real_data_dir: Path) -> None:
    okx = load_series(real_data_dir, "okx:funding:BTCUSDT")
    grid = hourly_grid(parse_when("2024-03-01"), parse_when("2024-04-01"))
    with pytest.raises(DataError, match="okx:funding:BTCUSDT does not cover the window"):
        sample_on_grid(okx, "funding_rate", grid, max_gap_ns=8 * HOUR_NS)
    spot = load_series(real_data_dir, "binance:spot:BTCUSDT")
    grid = hourly_grid(parse_when("2024-02-01"), parse_when("2024-03-01"))
    with pytest.raises(DataError, match="gap from 2024-02-10T00:00:00Z to 2024-02-11T00:00:00Z"):
        sample_on_grid(spot, "close", grid, max_gap_ns=6 * HOUR_NS)
    assert len(sample_on_grid(spot, "close", grid, max_gap_ns=DAY_NS)) == len(grid)


def test_data_check_exits_1_on_the_real_data_for_its_wsteth_yields(
    real_data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["data", "check", str(real_data_dir)]) == 1
    assert "1 unusable (yields:wstETH)" in capsys.readouterr().out
    assert main(["data", "check", "--json", str(real_data_dir)]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert doc["format"] == "carry.data_check/1"
    assert (doc["ok"], doc["unusable"]) == (False, ["yields:wstETH"])
    assert doc["defect_counts"]["outlier"] == 1
    assert len(doc["series"]) == len(SERIES)
    keys = {"series", "file", "kind", "count", "first", "last", "detail", "line", "column", "value"}
    assert all(set(d) == keys for d in doc["defects"])
