"""A leverage loop pushed past the liquidation threshold by a stressed LST depeg."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from services.cli.main import main
from services.data.sample.generate import generate_sample
from tests.integration.rawfiles import aave_daily, interpolate, oracle, when

LTV, LT, BONUS = 0.93 * (1 - 0.0225), 0.95, 0.01


@pytest.fixture(scope="module")
def depegged(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample with both LSTs losing 6 % against ETH from 2024-03-01 12:00."""
    return generate_sample(
        tmp_path_factory.mktemp("stress") / "data", lst_shock=-0.06, shock_at="2024-03-01T12:00"
    )


def test_loop_past_the_threshold_is_liquidated_exactly_as_aave_would(
    depegged: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    assert (
        main(
            [
                "backtest",
                "--mode",
                "eth_leveraged",
                "--data",
                str(depegged),
                "--out",
                str(out),
                "--quiet",
                "--set",
                "lst_type=wsteth",
                "--set",
                "rebalance=false",
                "--set",
                "costs=false",
                "--set",
                "start=2024-01-02",
                "--set",
                "end=2024-05-01",
            ]
        )
        == 0
    )
    summary = json.loads((out / "summary.json").read_text())
    rate = oracle(depegged, "wstETH/ETH")
    liq = aave_daily(depegged, "wstETH", "liquidityIndex")
    bor = aave_daily(depegged, "WETH", "variableBorrowIndex")
    t0 = when("2024-01-02")
    coll = 100.0 / (1 - LTV) / rate[t0] / interpolate(liq, t0)  # scaled aToken
    debt = 100.0 * LTV / (1 - LTV) / interpolate(bor, t0)  # scaled debt
    t = t0
    while True:
        t += 3600
        hf = coll * interpolate(liq, t) * rate[t] * LT / (debt * interpolate(bor, t))
        if hf < 1.0:
            break
    (liquidation,) = summary["liquidations"]
    assert when(liquidation["time"][:10]) + int(liquidation["time"][11:13]) * 3600 == t
    repaid = 0.5 * debt * interpolate(bor, t)  # WETH
    seized = repaid * (1 + BONUS) / rate[t]  # wstETH units
    assert liquidation["loss"] == pytest.approx(repaid * BONUS, rel=1e-9)
    positions = pq.read_table(out / "positions.parquet").to_pylist()
    step = (t - t0) // 3600
    after = {r["position_key"]: r["amount"] for r in positions if r["step"] == step}
    assert after["aave_v3:debtToken:debtWETH"] == pytest.approx(debt * 0.5, rel=1e-9)
    assert after["aave_v3:aToken:awstETH"] == pytest.approx(
        coll - seized / interpolate(liq, t), rel=1e-9
    )
    assert summary["attribution"]["liquidation_loss"] == pytest.approx(-repaid * BONUS, rel=1e-9)
    # The liquidation happens in the hour the health factor breaks 1; the step closes
    # with the account just above 1 again, as Aave's close factor intends.
    assert 1.0 < summary["worst_health_factor"] < 1.01
