"""`carry rehearse` on two days of the synthetic sample: backtest parity, record and replay."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.timeout(300)
WINDOW = ["--set", "start=2024-02-01", "--set", "end=2024-02-03"]
CARRY = [sys.executable, "-m", "services.cli.main"]


def _run(*args: str) -> str:
    done = subprocess.run([*CARRY, *args], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout + done.stderr


def test_a_rehearsal_matches_the_backtest_and_its_record_replays(tmp_path: Path) -> None:
    from tests.stubs import sample_data

    data = sample_data().path
    _run(
        "backtest",
        "--mode",
        "btc_basis",
        "--data",
        data,
        *WINDOW,
        "--out",
        str(tmp_path / "bt"),
        "--quiet",
    )
    text = _run(
        "rehearse",
        "--mode",
        "btc_basis",
        "--data",
        data,
        "--start",
        "2024-02-01",
        "--end",
        "2024-02-03",
        "--out",
        str(tmp_path / "rh"),
        "--record",
        str(tmp_path / "rh.rec"),
        "--quiet",
    )
    assert "s of wall time per simulated day" in text
    bt = json.loads((tmp_path / "bt" / "summary.json").read_text())
    rh = json.loads((tmp_path / "rh" / "summary.json").read_text())
    assert abs(rh["final_equity"] - bt["final_equity"]) / bt["final_equity"] < 1e-6
    assert rh["trades"] == bt["trades"]
    assert rh["position_refreshes"] > 0
    assert rh["discrepancies"] == []
    _run("replay", "--file", str(tmp_path / "rh.rec"), "--out", str(tmp_path / "replayed"))
    replayed = json.loads((tmp_path / "replayed" / "summary.json").read_text())
    assert replayed["final_equity"] == rh["final_equity"]
    assert replayed["position_refreshes"] == rh["position_refreshes"]
