"""Both directional modes on the real prices with a generated signal file: they trade,
pay funding and reconcile."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from services.cli.main import main
from tests.results_checks import check_metrics, check_tables

pytestmark = pytest.mark.realdata


@pytest.mark.parametrize(
    "mode", ["ml_btc_directional_usdt_margin", "ml_btc_directional_btc_margin"]
)
def test_signal_mode_on_real_prices_reconciles(
    real_data_dir: Path, tmp_path: Path, mode: str
) -> None:
    signals = tmp_path / "signals.csv"
    assert main(["signals", "make", "--data", str(real_data_dir), "--out", str(signals)]) == 0
    out = tmp_path / mode
    args = [
        "backtest",
        "--mode",
        mode,
        "--data",
        str(real_data_dir),
        "--out",
        str(out),
        "--set",
        f"signal_file={signals}",
        "--quiet",
    ]
    assert main(args) == 0
    s = json.loads((out / "summary.json").read_text())
    assert s["data_source"] == f"real: {real_data_dir.resolve()}"
    assert s["steps"] == 13176  # 2024-03-01 .. 2025-09-01
    assert s["reconciliation_error"] < 1e-9 * s["initial_equity"]
    assert s["max_step_reconciliation_error"] < 1e-9 * s["initial_equity"]
    assert s["trades"] > 10
    assert s["attribution"]["funding"] != 0.0
    assert s["liquidations"] == []
    check_tables(out, mode)
    check_metrics(out)
