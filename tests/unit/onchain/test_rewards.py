"""The EtherFi reward schedule and the reward emitter."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from schemas.positions import FINAL, PositionSnapshot
from schemas.triggers import SeasonalReward
from services.errors import DataError
from services.reward_emitter.actor import RewardEmitter
from services.reward_emitter.schedule import DAY_NS, FOLDER, load_drops
from services.runtime.host import Mailbox
from tests.stubs import context, envelope, market, run_config, sample_data


def test_schedule_reads_eigen_topups_and_seasons_with_the_range_choice() -> None:
    drops = {d.drop: d for d in load_drops(sample_data().path, "midpoint")}
    season = drops["season/Season 9 (synthetic)"]
    assert season.per_eeth == 3.0
    assert "midpoint 3 used" in season.note
    high = {d.drop: d for d in load_drops(sample_data().path, "high")}
    assert high["season/Season 9 (synthetic)"].per_eeth == 4.0
    assert not any(d.drop.startswith("season/Top-Up") for d in drops.values())
    eigen = [d for d in drops.values() if d.token == "EIGEN"]
    assert all(d.end_ns - d.start_ns == 7 * DAY_NS and d.payout_ns == d.end_ns for d in eigen)


def test_missing_payout_date_is_a_data_error_naming_file_and_line(tmp_path: Path) -> None:
    copy = tmp_path / "data"
    shutil.copytree(sample_data().path, copy)
    path = copy / FOLDER / "seasonal_drops.csv"
    lines = path.read_text().splitlines()
    cells = lines[1].split(",")
    cells[2] = ""
    lines[1] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(DataError, match=r"seasonal_drops\.csv line 2: payout_date is missing"):
        load_drops(str(copy), "midpoint")


def test_emitter_pays_time_weighted_weeth_times_the_per_eeth_figure() -> None:
    config = run_config("eth_staking_only")
    emitter = RewardEmitter(context(config))
    drop = emitter.drops[0]
    box = Mailbox(emitter, dedup=False)
    step_of = {config.start_ns + i * config.step_ns: i for i in range(config.steps)}
    first = step_of.get(drop.start_ns, 0)
    paid = None
    for step in range(step_of[drop.payout_ns] + 1):
        # The snapshot closing step s-1 says what was held during hour s-1: 10 weETH for
        # the window's first 24 hours, 20 after.
        held = 10.0 if step - 1 < first + 24 else 20.0
        box.deliver(
            "p",
            PositionSnapshot(
                **envelope(step - 1, "position_monitor", step),
                phase=FINAL,
                version=step,
                positions={"etherfi:LST:weETH": held},
            ),
        )
        ts = config.start_ns + step * config.step_ns
        for _, e in box.deliver("m", market(step, ts=ts)):
            if isinstance(e, SeasonalReward) and e.drop == drop.drop:
                paid = e
    assert paid is not None
    hours = (drop.end_ns - drop.start_ns) // 3_600_000_000_000
    run_hours = min(hours, (drop.end_ns - max(drop.start_ns, config.start_ns)) // 3_600_000_000_000)
    expected_avg = (10.0 * 24 + 20.0 * (run_hours - 24)) / hours
    assert paid.eligible_balance == pytest.approx(expected_avg)
    assert paid.amount == pytest.approx(expected_avg * drop.per_eeth)
    assert paid.deltas[0].key == "wallet:BaseToken:EIGEN"
