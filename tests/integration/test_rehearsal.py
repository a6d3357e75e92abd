"""`carry rehearse` on a week of real data: the live path equals the backtest."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.realdata, pytest.mark.timeout(600)]
WEEK = ["--start", "2024-10-01", "--end", "2024-10-08"]
INJECT = "binance:USDT=-1000@2024-10-03T00:00:00Z"


def _carry(*args: str) -> dict[str, object]:
    out = Path(args[args.index("--out") + 1])
    done = subprocess.run(
        [sys.executable, "-m", "services.cli.main", *args, "--quiet"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return dict(json.loads((out / "summary.json").read_text()))


@pytest.mark.parametrize("mode", ["btc_basis", "eth_basis"])
def test_a_clean_rehearsal_ends_where_the_backtest_does(
    real_data_dir: Path, tmp_path: Path, mode: str
) -> None:
    backtest = _carry(
        "backtest",
        "--mode",
        mode,
        "--data",
        str(real_data_dir),
        "--set",
        "start=2024-10-01",
        "--set",
        "end=2024-10-08",
        "--out",
        str(tmp_path / "bt"),
    )
    rehearsal = _carry(
        "rehearse",
        "--mode",
        mode,
        "--data",
        str(real_data_dir),
        *WEEK,
        "--out",
        str(tmp_path / "rh"),
    )
    final, expected = float(rehearsal["final_equity"]), float(backtest["final_equity"])  # type: ignore[arg-type]
    assert abs(final - expected) / expected < 1e-6
    assert rehearsal["trades"] == backtest["trades"]
    assert int(rehearsal["position_refreshes"]) > 0  # type: ignore[call-overload]
    assert rehearsal["discrepancies"] == []
    assert rehearsal["rejected_orders"] == 0


def test_an_injected_withdrawal_is_one_discrepancy_booked_to_reconciliation(
    real_data_dir: Path, tmp_path: Path
) -> None:
    s = _carry(
        "rehearse",
        "--mode",
        "btc_basis",
        "--data",
        str(real_data_dir),
        *WEEK,
        "--inject",
        INJECT,
        "--out",
        str(tmp_path / "rh"),
    )
    (found,) = s["discrepancies"]  # type: ignore[misc]
    assert (found["time"], found["key"], found["difference"]) == (
        "2024-10-03T00:00:00Z",
        "binance:BaseToken:USDT",
        pytest.approx(-1000.0),
    )
    attribution = s["attribution"]
    assert attribution["reconciliation"] == pytest.approx(-1000.0, abs=0.01)  # type: ignore[index]
    assert math.fsum(attribution.values()) == pytest.approx(s["pnl_total"], abs=1e-6)  # type: ignore[union-attr, arg-type]
    assert float(s["reconciliation_error"]) < 1e-6  # type: ignore[arg-type]
