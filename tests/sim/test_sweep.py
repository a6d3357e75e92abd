"""`carry sweep` on the synthetic sample: rows equal standalone backtests bit for bit,
bad values are refused before anything runs, a failing run is a row, Ctrl-C keeps rows."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from services.cli.main import main
from services.sweep import pool
from services.sweep.table import figures

MONTH = ["--set", "end=2024-02-01"]


def _sweep(out: Path, *args: str) -> int:
    return main(["sweep", "--mode", "btc_basis", "--out", str(out), "--quiet", *MONTH, *args])


@pytest.fixture(autouse=True)
def _sample(monkeypatch) -> None:
    monkeypatch.delenv("CARRY_DATA", raising=False)


def test_each_row_equals_the_standalone_backtest(tmp_path: Path) -> None:
    grid = ["--grid", "capital=100000,250000", "--grid", "target_margin_ratio=0.4,0.5"]
    assert _sweep(tmp_path / "sw", *grid, "--jobs", "2", "--keep-runs") == 0
    rows = pq.read_table(tmp_path / "sw" / "sweep.parquet").to_pylist()
    assert [r["configuration"] for r in rows] == [0, 1, 2, 3]
    assert [(r["capital"], r["target_margin_ratio"]) for r in rows] == [
        (100000, 0.4),
        (100000, 0.5),
        (250000, 0.4),
        (250000, 0.5),
    ]
    for row in rows:
        out = tmp_path / f"alone-{row['configuration']}"
        sets = [f"capital={row['capital']}", f"target_margin_ratio={row['target_margin_ratio']}"]
        args = ["backtest", "--mode", "btc_basis", "--out", str(out), "--quiet", *MONTH]
        assert main([*args, *(a for s in sets for a in ("--set", s))]) == 0
        summary = json.loads((out / "summary.json").read_text())
        assert {k: row[k] for k in figures(summary)} == figures(summary)
        assert row["error"] is None
        kept = tmp_path / "sw" / row["results"]
        for name in ("summary.json", "equity.parquet", "trades.parquet"):
            assert (kept / name).read_bytes() == (out / name).read_bytes(), name
    page = (tmp_path / "sw" / "sweep.html").read_text()
    assert "APY against capital" in page
    assert "APY against target_margin_ratio" in page


def test_an_invalid_grid_value_is_refused_before_anything_runs(tmp_path: Path, capsys) -> None:
    assert _sweep(tmp_path / "sw", "--grid", "capital=100000,-5") == 2
    err = capsys.readouterr().err
    assert "configuration 1 (capital=-5)" in err
    assert "capital" in err
    assert list(tmp_path.iterdir()) == []


def test_a_folder_that_is_not_a_sweep_is_not_replaced(tmp_path: Path, capsys) -> None:
    (tmp_path / "sw").mkdir()
    (tmp_path / "sw" / "mine.txt").write_text("keep me")
    assert _sweep(tmp_path / "sw", "--grid", "capital=100000,200000") == 2
    assert "is not a sweep folder" in capsys.readouterr().err
    assert (tmp_path / "sw" / "mine.txt").read_text() == "keep me"


def test_a_failing_configuration_is_a_row_with_its_error(tmp_path: Path, monkeypatch) -> None:
    real = pool.run_memory

    def flaky(config, **kw):
        if config.params["capital"] == 200000:
            raise RuntimeError("venue exploded")
        return real(config, **kw)

    monkeypatch.setattr(pool, "run_memory", flaky)
    assert _sweep(tmp_path / "sw", "--grid", "capital=100000,200000,300000", "--jobs", "1") == 0
    rows = pq.read_table(tmp_path / "sw" / "sweep.parquet").to_pylist()
    assert [r["error"] for r in rows] == [None, "RuntimeError: venue exploded", None]
    assert rows[1]["final_equity"] is None
    assert rows[2]["final_equity"] > 0


def test_ctrl_c_keeps_the_finished_rows(tmp_path: Path) -> None:
    out = tmp_path / "sw"
    cmd = [sys.executable, "-m", "services.cli.main", "sweep", "--mode", "btc_basis"]
    cmd += ["--out", str(out), *MONTH, "--grid", "capital=" + ",".join(map(str, range(1, 41)))]
    env = {k: v for k, v in os.environ.items() if k != "CARRY_DATA"}
    proc = subprocess.Popen(
        [*cmd, "--jobs", "2", "--keep-runs"],
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        start_new_session=True,
    )
    deadline = time.monotonic() + 300
    while len(list(tmp_path.glob(".sw.*/runs/[0-9]*"))) < 3 and proc.poll() is None:
        assert time.monotonic() < deadline, "no run finished"
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "interrupted after" in err
    rows = pq.read_table(out / "sweep.parquet").to_pylist()
    assert 1 <= len(rows) < 40
    assert all(r["error"] is None and r["final_equity"] > 0 for r in rows)
    assert sorted(p.name for p in (out / "runs").iterdir()) == sorted(
        Path(r["results"]).name for r in rows
    )
