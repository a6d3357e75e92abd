"""A live run on Kafka: the live actors in `carry serve` processes, recorded and replayed."""

from __future__ import annotations

import json
import re
from pathlib import Path

import anyio
import pytest

from services.cli.main import main
from services.runtime.kafka.url import KafkaUrl
from tests.unit.live.rehearsed import assert_a_kill_file_stops_every_order, live_argv, served

pytestmark = pytest.mark.timeout(600)


async def test_a_paper_run_on_kafka_is_recorded_and_replayed(tmp_path: Path, url: KafkaUrl) -> None:
    rehearsal, env, venues = await served(tmp_path, speed=30.0)
    out = tmp_path / "live"
    try:
        done = await anyio.run_process(
            live_argv(
                venues, out, "--interval", "1m", "--steps", "3", "--bus", str(url), "--quiet"
            ),
            env=env,
            check=False,
        )
    finally:
        await rehearsal.stop()
    text = done.stdout.decode()
    assert done.returncode == 0, done.stderr.decode()[-3000:]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["steps"] == 3
    assert summary["trades"] == 7
    found = re.search(r"run id\s+(\S+) on", text)
    assert found is not None
    replayed = tmp_path / "replayed"
    assert (
        await anyio.to_thread.run_sync(
            main, ["replay", "--bus", str(url), "--run-id", found.group(1), "--out", str(replayed)]
        )
        == 0
    )
    again = json.loads((replayed / "summary.json").read_text())
    assert again["final_equity"] == summary["final_equity"]
    assert again["position_refreshes"] == summary["position_refreshes"]


async def test_a_kill_file_stops_every_order_of_a_trading_run_on_kafka(
    tmp_path: Path, url: KafkaUrl
) -> None:
    await assert_a_kill_file_stops_every_order(tmp_path, 30.0, "--bus", str(url))
