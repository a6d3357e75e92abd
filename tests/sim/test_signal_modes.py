"""The directional modes on the sample data with a generated signal file: they trade on
the signals, reconcile, and stop at multiples of the signal's sd."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from services.cli.main import main
from tests.results_checks import check_metrics, check_tables

SIGNAL_MODES = ("ml_btc_directional_usdt_margin", "ml_btc_directional_btc_margin")


@pytest.fixture
def signals(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("CARRY_DATA", raising=False)
    out = tmp_path / "signals.csv"
    args = ["signals", "make", "--out", str(out), "--start", "2024-01-01", "--end", "2024-05-01"]
    assert main(args) == 0
    assert main(args) == 2  # never over an existing file
    return out


@pytest.mark.parametrize("mode", SIGNAL_MODES)
def test_signal_mode_trades_on_the_signals_and_reconciles(
    mode: str, signals: Path, tmp_path: Path
) -> None:
    out = tmp_path / mode
    assert (
        main(
            [
                "backtest",
                "--mode",
                mode,
                "--set",
                f"signal_file={signals}",
                "--out",
                str(out),
                "--quiet",
            ]
        )
        == 0
    )
    s = json.loads((out / "summary.json").read_text())
    assert s["share_class"] == ("BTC" if "btc_margin" in mode else "USDT")
    assert abs(s["reconciliation_error"]) < 1e-9 * s["initial_equity"]
    assert s["max_step_reconciliation_error"] < 1e-9 * s["initial_equity"]
    assert s["attribution"]["perp_price"] != 0.0
    assert s["attribution"]["funding"] != 0.0
    check_tables(out, mode)
    check_metrics(out)
    trades = pq.read_table(out / "trades.parquet").to_pylist()
    perps = [t for t in trades if t["operation"] == "perp_trade"]
    assert {t["side"] for t in perps} == {"buy", "sell"}
    with signals.open() as f:
        rows = list(csv.DictReader(f))
    opened = {t["time"].strftime("%Y-%m-%dT%H:%M:%SZ") for t in perps}
    assert opened <= {r["timestamp"] for r in rows} | _stop_times(out)
    if "btc_margin" in mode:
        assert any("BTC margin" in n for n in s["notes"])
        assert {t["operation"] for t in trades} >= {"spot_trade", "transfer", "perp_trade"}


def _stop_times(out: Path) -> set[str]:
    """Steps where a position was closed outside a signal row (stop-loss, take-profit)."""
    trades = pq.read_table(out / "trades.parquet").to_pylist()
    return {t["time"].strftime("%Y-%m-%dT%H:%M:%SZ") for t in trades if t["action"] == "exit_full"}


def test_a_directional_mode_without_a_signal_file_is_refused(capsys) -> None:
    assert main(["backtest", "--mode", "ml_btc_directional_usdt_margin", "--quiet"]) == 2
    assert "needs a signal file" in capsys.readouterr().err
