"""Full runs on the real market data, checked against the raw files."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.cex_venue.margin import TierTable
from services.cli.summary import format_summary
from services.config.venues import load_venues
from tests.integration.rawfiles import column, last_ratio, ohlc, when
from tests.results_checks import check_metrics, check_tables
from tests.stubs import MODES, backtest

pytestmark = pytest.mark.realdata
PERPS = "market_data/derivatives/futures_ohlcv"
FUNDING = "market_data/derivatives/funding_rates"
SPOT = "market_data/spot_prices"


@pytest.mark.parametrize("mode", MODES)
def test_mode_full_default_window_reconciles_and_is_never_liquidated(
    real_data_dir: Path, tmp_path: Path, mode: str
) -> None:
    s = backtest(real_data_dir, tmp_path / mode, mode)
    check_tables(tmp_path / mode, mode)
    check_metrics(tmp_path / mode)
    assert s["data_source"] == f"real: {real_data_dir.resolve()}"
    assert s["liquidations"] == []
    assert s["reconciliation_error"] < 1e-6 * s["initial_equity"]
    assert s["max_step_reconciliation_error"] < 1e-6 * s["initial_equity"]
    assert 0.0 < s["apy"] < 0.5
    assert s["rejected_orders"] == 0
    if mode.startswith("pure_lending"):
        a = s["attribution"]
        assert a["lending_interest"] + a["gas"] == pytest.approx(s["pnl_total"], rel=1e-9)
        return
    if "staking" in mode or "leveraged" in mode:
        assert s["attribution"]["staking_yield"] > 0
        assert s["attribution"]["seasonal_rewards"] > 0
        assert s["reward_drops"]
        if "leveraged" in mode:
            assert 1.0 < s["worst_health_factor"] < 1.05
            assert s["attribution"]["borrow_cost"] < 0
    if "basis" in mode:
        assert s["price_proxies"] == {
            "okx:perp:" + s["params"]["asset"] + "USDT": "binance:perp:"
            + s["params"]["asset"]
            + "USDT"
        }
    if "basis" in mode or "hedged" in mode:
        assert s["attribution"]["funding"] > 0
        assert s["worst_margin_ratio"] > 0.15


@pytest.mark.parametrize("asset", ["BTC", "ETH"])
def test_basis_with_rebalancing_survives_2024_25_on_binance_and_bybit(
    real_data_dir: Path, tmp_path: Path, asset: str
) -> None:
    mode = f"{asset.lower()}_basis"
    s = backtest(
        real_data_dir,
        tmp_path / mode,
        mode,
        "start=2024-01-01",
        "end=2025-09-01",
        "hedge_allocation={binance=0.5,bybit=0.5}",
    )
    assert s["steps"] == 14_616
    assert s["liquidations"] == []
    assert s["worst_margin_ratio"] > 0.15
    assert s["attribution"]["funding"] > 0


def _static_short(
    data: Path,
    asset: str,
    start: str,
    end: str,
    spot_allocation: float,
    capital: float,
    spot_file: str,
) -> tuple[float, int | None, float]:
    """Funding received and the liquidation hour of a static Binance short, from raw files.

    An hour Binance has no bar for is marked from Bybit's bar, scaled by the last ratio
    between the two closes (within a day); with neither, the last mark is carried.
    """
    close, high = ohlc(data, f"{PERPS}/binance_{asset}USDT_perp_1h_*.csv")
    bybit_close, bybit_high = ohlc(data, f"{PERPS}/bybit_{asset}USDT_perp_1h_*.csv")
    spot = column(data, spot_file, "timestamp", "close")
    rates = column(
        data,
        f"{FUNDING}/binance_{asset}USDT_funding_rates_*.csv",
        "funding_timestamp",
        "funding_rate",
    )
    table = TierTable(load_venues()["binance"].maintenance_tiers[f"{asset}USDT"])
    t0, t1 = when(start), when(end)
    size = spot_allocation * capital / spot[t0]
    balance = capital - size * spot[t0]
    received, last = 0.0, close[t0]
    for t in range(t0 + 3600, t1, 3600):
        mark, top = close.get(t), high.get(t)
        ratio = last_ratio(close, bybit_close, t, 86400) if mark is None else None
        if mark is None and ratio is not None and t in bybit_close:
            mark, top = bybit_close[t] * ratio, bybit_high[t] * ratio
        mark = last if mark is None else mark
        worst = max(top if top is not None else mark, mark)
        # The venue checks the hour's high against the balance closed at the previous hour.
        if balance - size * (worst - last) < table.maintenance(size * worst):
            return received, t, balance
        if t % (8 * 3600) == 0 and t in rates:
            payment = size * mark * rates[t]
            received += payment
            balance += payment
        balance -= size * (mark - last)
        last = mark
    return received, None, balance


@pytest.mark.parametrize(
    ("asset", "spot_file"),
    [
        ("BTC", f"{SPOT}/btc_usd/binance_BTCUSDT_1h_*.csv"),
        ("ETH", f"{SPOT}/eth_usd/bybit_ETHUSDT_spot_1h_*.csv"),
    ],
)
def test_static_single_venue_funding_equals_direct_computation(
    real_data_dir: Path, tmp_path: Path, asset: str, spot_file: str
) -> None:
    mode = f"{asset.lower()}_basis"
    sets = [
        "start=2024-09-01",
        "end=2025-09-01",
        "hedge_allocation={binance=1.0}",
        "rebalance=false",
        "costs=false",
        "spot_allocation=0.3",
    ]
    s = backtest(real_data_dir, tmp_path / mode, mode, *sets)
    expected, liquidated, _ = _static_short(
        real_data_dir, asset, "2024-09-01", "2025-09-01", 0.3, 100_000.0, spot_file
    )
    assert liquidated is None
    assert s["liquidations"] == []
    assert s["attribution"]["funding"] == pytest.approx(expected, rel=1e-9)
    assert s["attribution"]["trading_fees"] == 0.0
    assert s["attribution"]["slippage"] == 0.0


@pytest.mark.parametrize(
    ("asset", "spot_file"),
    [
        ("BTC", f"{SPOT}/btc_usd/binance_BTCUSDT_1h_*.csv"),
        ("ETH", f"{SPOT}/eth_usd/bybit_ETHUSDT_spot_1h_*.csv"),
    ],
)
def test_static_basis_without_rebalancing_is_liquidated_when_the_venue_would(
    real_data_dir: Path, tmp_path: Path, asset: str, spot_file: str
) -> None:
    mode = f"{asset.lower()}_basis"
    sets = [
        "start=2024-01-01",
        "end=2024-07-01",
        "hedge_allocation={binance=1.0}",
        "rebalance=false",
        "costs=false",
    ]
    s = backtest(real_data_dir, tmp_path / mode, mode, *sets)
    _, liquidated, balance = _static_short(
        real_data_dir, asset, "2024-01-01", "2024-07-01", 0.6667, 100_000.0, spot_file
    )
    assert liquidated is not None
    (liq,) = s["liquidations"]
    assert liq["venue"] == "binance"
    assert when(liq["time"][:10]) <= liquidated < when(liq["time"][:10]) + 86_400
    assert liq["time"] == __import__("datetime").datetime.fromtimestamp(
        liquidated, tz=__import__("datetime").UTC
    ).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert 0 < liq["loss"] < balance
    assert s["attribution"]["liquidation_loss"] == pytest.approx(-liq["loss"], rel=1e-9)


def test_static_basis_reports_the_unhedged_btc_left_by_its_liquidation(
    real_data_dir: Path, tmp_path: Path
) -> None:
    s = backtest(real_data_dir, tmp_path / "b", "btc_basis", "rebalance=false", "costs=false")
    spot = column(real_data_dir, f"{SPOT}/btc_usd/binance_BTCUSDT_1h_*.csv", "timestamp", "close")
    held = 0.6667 * 100_000.0 / spot[when("2024-09-01")]  # BTC bought at the start
    (after,) = s["after_liquidation"]
    assert after["time"] == s["liquidations"][0]["time"] == "2024-11-11T23:00:00Z"
    assert after["venues"] == ["binance", "bybit", "okx"]
    assert after["net_delta"] == {"BTC": pytest.approx(held, rel=1e-12)}
    liquidated, last = when("2024-11-11") + 23 * 3600, when("2025-09-01") - 3600
    assert after["net_delta_value"] == pytest.approx(held * spot[liquidated], rel=1e-12)
    assert after["hedged_again"] is None
    assert after["unhedged_hours"] == (last - liquidated) // 3600 + 1
    # From then on the run's price P&L is the unhedged BTC's.
    assert after["price_pnl_while_unhedged"] == pytest.approx(
        held * (spot[last] - spot[liquidated]), rel=1e-9
    )
    text = format_summary(s, str(tmp_path / "b"), 1.0)
    apy_line = next(line for line in text.splitlines() if line.startswith("P&L"))
    assert f"({after['unhedged_hours']:,} h of it unhedged after a liquidation)" in apy_line
    assert "unhedged      after the liquidation at 2024-11-11T23:00:00Z" in text
