"""Staking modes on the real data, checked against numbers computed from the raw files."""

from __future__ import annotations

import csv
import math
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


def _per_eeth(data: Path) -> dict[str, tuple[float, int, int]]:
    """(per-eETH figure, window start, window end) of each published drop, from the raw files.

    A one-week EIGEN period pays its weekly figure; any other length pays the row's own
    total, eigen_earned / (eth_restaked + eth_not_restaked).
    """
    out: dict[str, tuple[float, int, int]] = {}
    with (data / DROPS / "eigen_distributions_raw.csv").open(newline="") as f:
        for row in csv.DictReader(f):
            start = when(row["staking_period_start"])
            end = when(row["staking_period_end"]) + 86400
            if end - start == 7 * 86400:
                figure = float(row["eigen_per_eeth_weekly"])
            else:
                eeth = float(row["eth_restaked"]) + float(row["eth_not_restaked"])
                figure = float(row["eigen_earned"]) / eeth
            out[f"eigen/{row['staking_period_end']}"] = (figure, start, end)
    with (data / DROPS / "ethfi_topups_raw.csv").open(newline="") as f:
        for row in csv.DictReader(f):
            start = when(row["staking_period_start"])
            end = when(row["staking_period_end"]) + 86400
            figure = float(row["ethfi_per_eeth_distributed"])
            out[f"ethfi-topup/{row['top_up_date']}"] = (figure, start, end)
    return out


def _seasons(data: Path) -> dict[str, tuple[float, float, int, int]]:
    """(per-eETH midpoint, extra-yield midpoint as a fraction, start, end) of each season."""
    out = {}
    with (data / DROPS / "seasonal_drops.csv").open(newline="") as f:
        for row in csv.DictReader(f):
            if not row["event"].startswith("Season"):
                continue
            low, high = row["reward_per_eeth"].strip("~").split("–")
            ylow, yhigh = row["extra_yield_pct"].strip("~%").split("–")
            out[f"season/{row['event']}"] = (
                (float(low) + float(high)) / 2,
                (float(ylow) + float(yhigh)) / 2 / 100,
                when(row["start_date"]),
                when(row["end_date"]),
            )
    return out


def test_each_reward_drop_is_average_eeth_held_times_per_eeth_times_token_price(
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
    start, end = when("2024-06-01"), when("2025-09-01")
    rate = oracle(real_data_dir, "weETH/ETH")
    held = 100.0 / rate[start]
    published, seasons = _per_eeth(real_data_dir), _seasons(real_data_dir)
    prices = {
        token: column(
            real_data_dir,
            f"market_data/spot_prices/protocol_tokens/uniswapv3_{token}WETH_1h_*.csv",
            "timestamp",
            "close",
        )
        for token in ("EIGEN", "ETHFI")
    }
    checked = set()
    for drop in s["reward_drops"]:
        payout = when(drop["time"][:10]) + int(drop["time"][11:13]) * 3600
        price = prices[drop["token"]][payout]
        if drop["estimated"]:
            per_eeth, share, w0, w1 = seasons[drop["drop"]]
            # The lower of the two figures the season's ranges imply at their midpoints.
            figure = min(per_eeth, share / price)
            assert drop["figures"]["reward_per_eeth"] == per_eeth
            assert drop["figures"]["extra_yield_pct"] == pytest.approx(share / price, rel=1e-12)
        else:
            figure, w0, w1 = published[drop["drop"]]
        # eETH = weETH units x the weETH/ETH rate, averaged over the window's hours
        # (hours outside the run count as zero).
        hours = range(max(w0, start), min(w1, end), 3600)
        eeth = held * math.fsum(rate[h] for h in hours) / ((w1 - w0) / 3600)
        assert drop["per_eeth"] == pytest.approx(figure, rel=1e-12), drop["drop"]
        assert drop["eligible_eeth"] == pytest.approx(eeth, rel=1e-9), drop["drop"]
        assert drop["eligible_weeth"] == pytest.approx(held * len(hours) / ((w1 - w0) / 3600))
        assert drop["amount"] == pytest.approx(eeth * figure, rel=1e-9)
        assert drop["value"] == pytest.approx(drop["amount"] * price, rel=1e-12)
        checked.add(drop["drop"])
    assert len(checked) == 55
    first = next(d for d in s["reward_drops"] if d["drop"] == "eigen/2024-10-05")
    assert round(first["per_eeth"], 4) == 1.2312
    assert any("1.2312 EIGEN per eETH, not its weekly figure 0.205" in n for n in s["notes"])
    parts = s["attribution"]
    for estimated, component in ((False, "seasonal_rewards"), (True, "seasonal_rewards_estimated")):
        values = [d["value"] for d in s["reward_drops"] if d["estimated"] == estimated]
        assert parts[component] == pytest.approx(math.fsum(values), rel=1e-9)
    assert s["pnl_total"] == pytest.approx(math.fsum(parts.values()), rel=1e-12)
    years = s["steps"] / (24 * 365)
    without = s["final_equity"] - parts["seasonal_rewards_estimated"]
    assert s["apy_without_estimated_rewards"] == pytest.approx(
        (without / s["initial_equity"]) ** (1 / years) - 1, rel=1e-12
    )
    assert s["apy_without_estimated_rewards"] < s["apy"]


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
