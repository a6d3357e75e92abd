"""Every actor in its own process on Kafka: bit-identical to the in-process run; record
and replay."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import anyio
import pytest

from services.cli.main import main
from services.config.run import RunConfig
from services.launcher.follower import SharedFollower, shared_follower
from services.launcher.kafka_run import run_on_kafka
from services.recorder.actor import Recorder
from services.recorder.results import write_results
from services.replay.rebuild import replay
from services.replay.record import read_record, write_record
from services.runtime.kafka.reader import read_run
from services.runtime.kafka.url import KafkaUrl
from tests.kafka.helpers import Served, btc_config, differing, memory_results

pytestmark = pytest.mark.timeout(300)


@dataclass
class Month:
    """The module's one-month Kafka run, shared by the record and replay tests."""

    dir: Path
    url: KafkaUrl | None = None
    config: RunConfig | None = None
    expected: Path | None = None

    def done(self) -> tuple[KafkaUrl, RunConfig, Path]:
        if self.url is None or self.config is None or self.expected is None:
            pytest.fail("the one-month Kafka run failed: nothing recorded to replay")
        return self.url, self.config, self.expected


@pytest.fixture(scope="module")
def month(tmp_path_factory: pytest.TempPathFactory) -> Month:
    return Month(tmp_path_factory.mktemp("month"))


async def test_month_btc_basis_one_process_per_actor_equals_in_process(
    url: KafkaUrl, month: Month
) -> None:
    config = btc_config(30)
    assert config.steps >= 720
    expected = await memory_results(config, month.dir / "memory")
    with anyio.fail_after(240):
        rec = await run_on_kafka(config, url)
    write_results(month.dir / "kafka", rec, config)
    assert differing(expected, month.dir / "kafka") == []
    month.url, month.config, month.expected = url, config, expected


async def test_replay_from_kafka_equals_the_original_run(tmp_path: Path, month: Month) -> None:
    url, config, expected = month.done()
    with anyio.fail_after(60):
        events = await read_run(url, config.run_id)
    result = await replay(events)
    assert result.mismatches == []
    assert result.checked["carry.pnl"] == config.steps
    write_results(tmp_path / "replay", result.recorder, result.config)
    assert differing(expected, tmp_path / "replay") == []

    # Exported to a file, the run replays without a broker (through the CLI).
    write_record(tmp_path / "run.rec", config.run_id, str(url), events)
    header, again = read_record(tmp_path / "run.rec")
    assert header.run_id == config.run_id
    assert again == events


def test_cli_export_and_replay_from_the_bus(tmp_path: Path, month: Month) -> None:
    url, config, expected = month.done()
    rec = tmp_path / "exported.rec"
    assert main(["export", "--bus", str(url), "--run-id", config.run_id, "--out", str(rec)]) == 0
    out = tmp_path / "replayed"
    assert main(["replay", "--bus", str(url), "--run-id", config.run_id, "--out", str(out)]) == 0
    assert differing(expected, out) == []
    out = tmp_path / "from-file"
    assert main(["replay", "--file", str(rec), "--out", str(out)]) == 0
    assert differing(expected, out) == []


@pytest.mark.parametrize("shared", [False, True], ids=["own-followers", "shared-follower"])
async def test_two_runs_share_the_same_actor_processes_at_once(
    url: KafkaUrl, tmp_path: Path, shared: bool
) -> None:
    # One partition per topic: each run's recorder reads the other run's records too
    # and passes them by undecoded (each run with a follower of its own, or both through
    # one follower as a sweep reads them).
    url = replace(url, partitions=1)
    runs = [btc_config(5), btc_config(4, ("capital=250000", "rebalance=false"))]
    expected = [await memory_results(c, tmp_path / f"memory{i}") for i, c in enumerate(runs)]
    kinds = [k for k in runs[0].actors if k != "recorder"]
    served = Served(url, kinds, tmp_path)
    served.start_all()
    got: dict[int, Recorder] = {}

    async def one(i: int, follower: SharedFollower | None) -> None:
        got[i] = await run_on_kafka(runs[i], url, attach=True, follower=follower)

    try:
        with anyio.fail_after(200):
            if shared:
                async with shared_follower(url) as follower, anyio.create_task_group() as tg:
                    for i in range(len(runs)):
                        tg.start_soon(one, i, follower)
                # each finished run is dropped from the follower
                assert follower.following.keys == set()
                assert follower.recorder_host.instance(runs[0].run_id) is None
            else:
                async with anyio.create_task_group() as tg:
                    for i in range(len(runs)):
                        tg.start_soon(one, i, None)
    finally:
        served.stop()
    for i, config in enumerate(runs):
        write_results(tmp_path / f"kafka{i}", got[i], config)
        assert differing(expected[i], tmp_path / f"kafka{i}") == [], config.run_id
