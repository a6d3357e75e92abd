"""Staking modes on the real data, checked against numbers computed from the raw files."""

from __future__ import annotations

import csv
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from services.cli.main import main
from tests.integration.rawfiles import aave_daily, column, interpolate, oracle, when
from tests.stubs import backtest

pytestmark = pytest.mark.realdata
DROPS = "manual_sources/etherfi_distributions"


def test_static_loop_equity_is_collateral_growth_minus_debt_growth(
    real_data_dir: Path, tmp_path: Path
) -> None:
    s = backtest(
        real_data_dir,
        tmp_path / "lev",
        "eth_leveraged",
        "lst_type=wsteth",
        "rebalance=false",
        "costs=false",
        "sell_dust=false",
    )
    rate = oracle(real_data_dir, "wstETH/ETH")
    liq = aave_daily(real_data_dir, "wstETH", "liquidityIndex")
    bor = aave_daily(real_data_dir, "WETH", "variableBorrowIndex")
    ltv, equity0 = 0.93 * (1 - 0.0225), 100.0
    t0 = when("2024-06-01")
    collateral = equity0 / (1 - ltv) / rate[t0] / interpolate(liq, t0)
    debt = equity0 * ltv / (1 - ltv) / interpolate(bor, t0)
    table = pq.read_table(tmp_path / "lev" / "equity.parquet").to_pydict()
    checked = 0
    for step, equity in zip(table["step"], table["equity"], strict=True):
        if step % 997 and step != s["steps"] - 1:
            continue
        t = t0 + 3600 * step
        expected = collateral * interpolate(liq, t) * rate[t] - debt * interpolate(bor, t)
        assert equity == pytest.approx(expected, rel=1e-9), step
        checked += 1
    assert checked >= 11
    assert s["liquidations"] == []
    assert s["attribution"]["staking_yield"] > 0 > s["attribution"]["borrow_cost"]


def _per_eeth(data: Path) -> dict[str, float]:
    """Per-eETH figure of each EIGEN and top-up drop, from the raw files."""
    out: dict[str, float] = {}
    with (data / DROPS / "eigen_distributions_raw.csv").open(newline="") as f:
        for row in csv.DictReader(f):
            days = (when(row["staking_period_end"]) - when(row["staking_period_start"])) / 86400
            weeks = (days + 1) / 7
            figure = float(row["eigen_per_eeth_weekly"])
            out[f"eigen/{row['staking_period_end']}"] = figure * (weeks if weeks > 8 / 7 else 1)
    with (data / DROPS / "ethfi_topups_raw.csv").open(newline="") as f:
        for row in csv.DictReader(f):
            out[f"ethfi-topup/{row['top_up_date']}"] = float(row["ethfi_per_eeth_distributed"])
    return out


def test_each_reward_drop_is_held_weeth_times_per_eeth_times_token_price(
    real_data_dir: Path, tmp_path: Path
) -> None:
    s = backtest(
        real_data_dir,
        tmp_path / "stk",
        "eth_staking_only",
        "rebalance=false",
        "costs=false",
        "sell_dust=false",
    )
    start = when("2024-06-01")
    held = 100.0 / oracle(real_data_dir, "weETH/ETH")[start]
    per_eeth = _per_eeth(real_data_dir)
    prices = {
        token: column(
            real_data_dir,
            f"market_data/spot_prices/protocol_tokens/uniswapv3_{token}WETH_1h_*.csv",
            "timestamp",
            "close",
        )
        for token in ("EIGEN", "ETHFI")
    }
    checked = 0
    for drop in s["reward_drops"]:
        if drop["drop"].startswith("season/"):
            continue  # ranges: checked in the unit tests
        payout = when(drop["time"][:10]) + int(drop["time"][11:13]) * 3600
        figure = per_eeth[drop["drop"]]
        # A window that began before the run counts those hours as zero holdings.
        assert drop["per_eeth"] == pytest.approx(figure, rel=1e-12)
        assert drop["amount"] == pytest.approx(drop["eligible_weeth"] * figure, rel=1e-12)
        assert drop["eligible_weeth"] <= held * (1 + 1e-12)
        if drop["eligible_weeth"] == pytest.approx(held, rel=1e-12):
            assert drop["amount"] == pytest.approx(held * figure, rel=1e-12)
            checked += 1
        price = prices[drop["token"]][payout]
        assert drop["value"] == pytest.approx(drop["amount"] * price, rel=1e-12)
    assert checked >= 40
    assert s["attribution"]["seasonal_rewards"] == pytest.approx(
        sum(d["value"] for d in s["reward_drops"]), rel=1e-9
    )


def test_staking_window_before_the_lst_series_is_refused(
    real_data_dir: Path, tmp_path: Path, capsys
) -> None:
    code = main(
        [
            "backtest",
            "--mode",
            "eth_staking_only",
            "--data",
            str(real_data_dir),
            "--out",
            str(tmp_path / "x"),
            "--quiet",
            "--set",
            "start=2024-03-01",
        ]
    )
    err = capsys.readouterr().err
    assert code == 2
    assert "oracle:weETH/ETH does not cover the window: it starts at 2024-05-12" in err
    assert not (tmp_path / "x").exists()
