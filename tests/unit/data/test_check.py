"""Folder checks: series and non-series inputs, and the text report."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from services.cli.main import main
from services.data.check import check_folder, format_report
from services.errors import DataError

SPOT = "market_data/spot_prices/btc_usd/binance_BTCUSDT_1h_2024-01-01_2024-01-02.csv"
PERP = "market_data/derivatives/futures_ohlcv/bybit_BTCUSDT_perp_1h_2024-01-01_2024-01-02.csv"
FUNDING = (
    "market_data/derivatives/funding_rates/okx_BTCUSDT_funding_rates_2024-01-01_2024-01-02.csv"
)
RISK = "market_data/derivatives/risk_params"
DROPS = "manual_sources/etherfi_distributions/seasonal_drops.csv"
REWARDS = "protocol_data/staking/restaking_final/etherfi_seasonal_rewards_2024-01-01_2024-12-31.csv"


def test_sample_folder_is_clean_apart_from_absent_files(sample_dir: Path) -> None:
    report = check_folder(sample_dir)
    assert all(s.usable for s in report.series if s.present)
    kinds = {d.kind for d in report.defects}
    # The sample's one seasonal drop is a range on purpose, like the real file's.
    assert kinds <= {"comment_lines", "missing", "range_values"}
    assert report.of("yields:wstETH", "missing")
    assert report.of("margin:binance", "missing")
    text = format_report(report)
    assert "binance:perp:BTCUSDT" in text
    assert "missing" in text


def test_inputs_defects_are_found(write, data_dir: Path) -> None:
    for venue in ("binance", "bybit"):
        write(
            f"{RISK}/{venue}_margin_requirements.json",
            json.dumps({"initial_margin_requirement": 0.05, "maintenance_margin_requirement": 0.1}),
        )
    write(
        f"{RISK}/okx_margin_requirements.json",
        json.dumps({"initial_margin_requirement": 0.02, "maintenance_margin_requirement": 0.01}),
    )
    write(
        DROPS,
        """start_date,end_date,payout_date,event,reward_token,reward_per_eeth,extra_yield_pct
        2024-03-01,2024-03-15,2024-03-18,Season 1,ETHFI,"~5–15",0.3
        2024-08-15,2024-10-05,2024-10-18,Top-Up #1,ETHFI,0.248,0.01""",
    )
    write(
        REWARDS,
        """period_start,event_name,eigen_price_usd,ethfi_price_usd
        2024-08-15,EIGEN_Weekly,3.5,
        2024-10-06,EIGEN_Weekly,3.5,
        2024-10-18,ETHFI_TopUp,,2.8
        2024-10-28,ETHFI_TopUp,,2.9""",
    )
    report = check_folder(data_dir)
    inverted = [d for d in report.defects if d.kind == "inverted_margin"]
    assert [d.series for d in inverted] == ["margin:binance", "margin:bybit"]
    assert "maintenance_margin_requirement 0.1" in inverted[0].detail
    (ranges,) = report.of("etherfi:seasonal_drops", "range_values")
    assert ranges.count == 1
    assert "Season 1: '~5–15'" in ranges.detail
    (const,) = report.of("etherfi:seasonal_rewards", "constant_price")
    assert "EIGEN is priced at a fixed 3.5 USD in all 2 rows" in const.detail
    assert (const.first, const.last) == ("2024-08-15", "2024-10-06")
    text = format_report(report)
    assert "inverted_margin" in text
    assert "range_values" in text


def test_a_broken_series_is_reported_not_raised(write, data_dir: Path) -> None:
    write(FUNDING, "funding_timestamp,funding_rate\n2024-01-01T00:00:00Z,zero")
    report = check_folder(data_dir)
    (d,) = report.of("okx:funding:BTCUSDT")
    assert d.kind == "broken"
    assert d.file == FUNDING
    assert "line 2" in d.detail
    (cov,) = [s for s in report.series if s.name == "okx:funding:BTCUSDT"]
    assert cov.present
    assert not cov.usable


def test_later_start_is_a_coverage_defect(write, data_dir: Path) -> None:
    head = "timestamp,open,high,low,close"
    write(SPOT, "\n".join([head] + [f"2024-01-0{d}T00:00:00Z,1,1,1,1" for d in range(1, 6)]))
    late_perp = PERP.replace("2024-01-01_2024-01-02", "2024-01-04_2024-01-06")
    write(late_perp, "\n".join([head] + [f"2024-01-0{d}T00:00:00Z,1,1,1,1" for d in range(4, 6)]))
    report = check_folder(data_dir)
    (late,) = [d for d in report.of("bybit:perp:BTCUSDT", "coverage") if "after" in d.detail]
    assert "starts 2024-01-04T00:00:00Z, 3 days after the earliest series" in late.detail
    (cov,) = [s for s in report.series if s.name == "bybit:perp:BTCUSDT"]
    assert (cov.first, cov.last, cov.rows) == ("2024-01-04T00:00:00Z", "2024-01-05T00:00:00Z", 2)


def test_missing_folder_raises(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="does not exist"):
        check_folder(tmp_path / "nope")


def test_data_check_exit_codes_clean_0_missing_folder_2(
    sample_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["data", "check", str(sample_dir)]) == 0
    assert "0 unusable" in capsys.readouterr().out
    assert main(["data", "check", "--json", str(sample_dir)]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert (doc["ok"], doc["unusable"]) == (True, [])
    assert main(["data", "check", str(tmp_path / "nowhere")]) == 2
    assert "does not exist" in capsys.readouterr().err
