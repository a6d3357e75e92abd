"""The EtherFi reward schedule and the reward emitter."""

from __future__ import annotations

import csv
import math
import shutil
from pathlib import Path

import pytest

from schemas.positions import FINAL, PositionSnapshot
from schemas.triggers import SeasonalReward
from services.errors import DataError
from services.recorder.notes import apy
from services.reward_emitter.actor import RewardEmitter
from services.reward_emitter.schedule import DAY_NS, FOLDER, Drop, load_drops
from services.runtime.host import Mailbox
from tests.stubs import context, envelope, market, published, run_config, sample_data


def test_schedule_reads_eigen_topups_and_seasons_with_the_range_choice() -> None:
    drops = {d.drop: d for d in load_drops(sample_data().path, "midpoint")}
    season = drops["season/Season 9 (synthetic)"]
    assert season.per_eeth == 3.0
    assert season.estimated
    assert season.yield_fraction == pytest.approx(0.001)
    assert "reward_per_eeth ~2–4: midpoint 3" in season.note
    high = {d.drop: d for d in load_drops(sample_data().path, "high")}
    assert high["season/Season 9 (synthetic)"].per_eeth == 4.0
    assert not any(d.drop.startswith("season/Top-Up") for d in drops.values())
    eigen = [d for d in drops.values() if d.token == "EIGEN"]
    assert all(d.end_ns - d.start_ns == 7 * DAY_NS and d.payout_ns == d.end_ns for d in eigen)
    assert not any(d.estimated for d in eigen)


def test_season_pays_the_lower_of_its_per_eeth_and_yield_figures() -> None:
    (season,) = (d for d in load_drops(sample_data().path, "midpoint") if d.estimated)
    # 0.1 % of the position at 0.0005 ETH per ETHFI is 2 ETHFI per eETH, below 3.
    assert season.figures(0.0005) == {"reward_per_eeth": 3.0, "extra_yield_pct": 2.0}
    assert season.rate(0.0005) == pytest.approx(2.0)
    # At a price where the yield implies more, the per-eETH range is the bound.
    assert season.rate(0.0001) == 3.0
    # Without a price the per-eETH figure is all there is.
    assert season.rate(None) == 3.0


def _rewrite(path: Path, rows: list[list[str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)


def test_period_that_is_not_one_week_pays_its_row_total(tmp_path: Path) -> None:
    copy = tmp_path / "data"
    shutil.copytree(sample_data().path, copy)
    path = copy / FOLDER / "eigen_distributions_raw.csv"
    with path.open(newline="") as f:
        rows = list(csv.reader(f))
    # The real first period: 2024-08-15 .. 2024-10-05, 0.205 "weekly".
    rows[1] = ["2024-08-15", "2024-10-05", "2478088", "1480684", "532110", "0.205"]
    _rewrite(path, rows)
    drops = {d.drop: d for d in load_drops(str(copy), "midpoint")}
    first = drops["eigen/2024-10-05"]
    assert first.per_eeth == pytest.approx(2478088 / (1480684 + 532110))
    assert round(first.per_eeth, 4) == 1.2312
    assert "2024-08-15 .. 2024-10-05" in first.note
    assert "1.2312 EIGEN per eETH, not its weekly figure 0.205" in first.note


def test_period_not_one_week_without_totals_is_refused(tmp_path: Path) -> None:
    copy = tmp_path / "data"
    shutil.copytree(sample_data().path, copy)
    path = copy / FOLDER / "eigen_distributions_raw.csv"
    with path.open(newline="") as f:
        rows = list(csv.reader(f))
    rows[1] = ["2024-08-15", "2024-10-05", "", "1480684", "532110", "0.205"]
    _rewrite(path, rows)
    with pytest.raises(DataError, match=r"line 2: eigen_earned is missing"):
        load_drops(str(copy), "low")


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


def _pay_one(
    drop_id: str | None, token_eth: float = 0.0
) -> tuple[Drop, SeasonalReward, list[float]]:
    """Feed the emitter until the drop is paid: 10 weETH for its window's first 24 hours,
    20 after, at a weETH/ETH rate growing 1e-6 an hour from 1.05."""
    config = run_config("eth_staking_only")
    emitter = RewardEmitter(context(config))
    drop = next(d for d in emitter.drops if drop_id in (None, d.drop))
    box = Mailbox(emitter, dedup=False)
    step_of = {config.start_ns + i * config.step_ns: i for i in range(config.steps)}
    first = step_of.get(drop.start_ns, 0)
    eeth: list[float] = []
    units: list[float] = []
    rate = 0.0
    for step in range(step_of[drop.payout_ns] + 1):
        # The snapshot closing step s-1 says what was held during hour s-1.
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
        hour = ts - config.step_ns  # the hour the snapshot of step-1 closed
        if step and drop.start_ns <= hour < drop.end_ns:
            eeth.append(held * rate)  # the rate of the hour's own market
            units.append(held)
        rate = 1.05 + 1e-6 * step
        prices = {f"uniswap:{drop.token}/WETH": token_eth} if token_eth else {}
        snapshot = market(step, ts=ts, prices=prices, indices={"lst:weETH/ETH": rate})
        for e in published(box.deliver("carry.market", snapshot)):
            if isinstance(e, SeasonalReward) and e.drop == drop.drop:
                hours = (drop.end_ns - drop.start_ns) // 3_600_000_000_000
                return drop, e, [sum(eeth) / hours, sum(units) / hours]
    raise AssertionError(f"{drop.drop} was not paid")


def test_emitter_pays_average_eeth_held_times_the_per_eeth_figure() -> None:
    drop, paid, (eeth, units) = _pay_one(None)
    assert paid.eligible_balance == pytest.approx(eeth, rel=1e-12)
    assert paid.eligible_units == pytest.approx(units, rel=1e-12)
    assert paid.amount == pytest.approx(eeth * drop.per_eeth, rel=1e-12)
    assert paid.cause == "seasonal_rewards"
    assert not paid.estimated
    assert paid.deltas[0].key == "wallet:BaseToken:EIGEN"


def test_emitter_books_a_season_estimate_apart_at_the_lower_figure() -> None:
    _, paid, (eeth, _) = _pay_one("season/Season 9 (synthetic)", token_eth=0.0005)
    assert paid.cause == "seasonal_rewards_estimated"
    assert paid.estimated
    assert paid.figures == {"reward_per_eeth": 3.0, "extra_yield_pct": pytest.approx(2.0)}
    assert paid.rate == pytest.approx(2.0)
    assert paid.amount == pytest.approx(eeth * 2.0, rel=1e-12)


def test_implausible_per_eeth_figure_is_refused_not_overflowed(tmp_path: Path) -> None:
    copy = tmp_path / "data"
    shutil.copytree(sample_data().path, copy)
    path = copy / FOLDER / "eigen_distributions_raw.csv"
    with path.open(newline="") as f:
        rows = list(csv.reader(f))
    rows[2][5] = "1e300"
    _rewrite(path, rows)
    with pytest.raises(DataError, match=r"line 3: eigen_per_eeth_weekly gives 1e\+300 tokens"):
        load_drops(str(copy), "midpoint")


def test_apy_of_a_short_window_with_a_large_gain_is_infinite_not_an_overflow() -> None:
    assert apy(100.0, 1e300, 1 / 8760) == math.inf
    assert apy(100.0, 110.0, 1.0) == pytest.approx(0.10, rel=1e-12)
    assert apy(100.0, 0.0, 1.0) == 0.0
