"""End-to-end runs on the synthetic sample: every mode, reconciliation, determinism."""

from __future__ import annotations

from pathlib import Path

import pytest

from schemas import positions, topics
from schemas.positions import FINAL, ORDER, SETTLED, PositionSnapshot
from services.cli.main import main
from services.position_monitor.ledger import Ledger
from services.valuation.keys import declared_keys
from tests.results_checks import check_metrics, check_tables
from tests.stubs import MODES, RESULT_FILES, run_actors, run_config


def _backtest(mode: str, out: Path, *extra: str) -> int:
    return main(["backtest", "--mode", mode, "--out", str(out), "--quiet", *extra])


@pytest.mark.parametrize("mode", MODES)
def test_mode_runs_on_the_sample_and_reconciles(
    mode: str, tmp_path: Path, monkeypatch, capsys
) -> None:
    import json

    monkeypatch.delenv("CARRY_DATA", raising=False)
    assert _backtest(mode, tmp_path / "out") == 0
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["data_source"].startswith("synthetic sample data")
    assert summary["notes"][0].startswith("synthetic sample data")
    assert "synthetic sample data" in capsys.readouterr().out
    assert summary["steps"] == 2904
    assert abs(summary["reconciliation_error"]) < 1e-6
    assert summary["max_step_reconciliation_error"] < 1e-6
    assert abs(summary["pnl_total"] - summary["attribution_sum"]) < 1e-6
    assert summary["final_equity"] == pytest.approx(
        summary["initial_equity"] + summary["pnl_total"]
    )
    for name in RESULT_FILES:
        assert (tmp_path / "out" / name).is_file()
    check_tables(tmp_path / "out", mode)
    check_metrics(tmp_path / "out")


def test_two_runs_with_the_same_inputs_write_identical_bytes(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("CARRY_DATA", raising=False)
    assert _backtest("btc_basis", tmp_path / "a") == 0
    assert _backtest("btc_basis", tmp_path / "b") == 0
    for name in RESULT_FILES:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


async def test_ledger_changes_only_through_the_triggers_it_reports() -> None:
    config = run_config("btc_basis", ["end=2024-02-01"])
    tap = await run_actors(config, config.actors, (positions.TOPIC, topics.CONTROL))
    snapshots = [e for e in tap.seen[positions.TOPIC] if isinstance(e, PositionSnapshot)]
    assert snapshots[-1].phase in (SETTLED, FINAL)  # the last step closes on either
    assert snapshots[-1].step == config.steps - 1
    # a final snapshot only after a step's orders; every step settles once
    finals = [i for i, s in enumerate(snapshots) if s.phase == FINAL]
    assert finals
    assert all(
        (snapshots[i - 1].phase, snapshots[i - 1].step) == (ORDER, snapshots[i].step)
        for i in finals
    )
    assert [s.step for s in snapshots if s.phase == SETTLED] == list(range(config.steps))
    replay = Ledger(declared_keys(config))
    for snapshot in snapshots:
        for trigger in snapshot.applied:
            replay.apply(trigger)
        assert replay.positions == snapshot.positions, snapshot.version
    assert [s.version for s in snapshots] == list(range(len(snapshots)))
