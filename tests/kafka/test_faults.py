"""Faults on the real broker: an actor process killed mid-run, the broker restarted."""

from __future__ import annotations

from pathlib import Path

import anyio
import pytest

from bench.broker import start_private
from services.launcher.kafka_run import run_on_kafka
from services.recorder.results import write_results
from services.runtime.kafka.url import parse_kafka_url
from tests.kafka.helpers import Served, btc_config, differing, memory_results

RESTART_PORT, RESTART_CONTROLLER_PORT = 19392, 19393


@pytest.mark.timeout(300)
async def test_sigkilled_actors_restart_and_the_run_equals_in_process(url, tmp_path: Path) -> None:
    config = btc_config(14)
    expected = await memory_results(config, tmp_path / "memory")
    kinds = [k for k in config.actors if k != "recorder"]
    served = Served(url, kinds, tmp_path)
    served.start_all()
    plan = [(0.3, "position_monitor"), (0.6, "cex_venue")]
    killed: list[tuple[str, int]] = []

    def progress(done: int, total: int) -> None:
        if plan and done >= plan[0][0] * total and done < total:
            _, kind = plan.pop(0)
            served.kill(kind)
            served.start(kind)
            killed.append((kind, done))

    try:
        with anyio.fail_after(240):
            rec = await run_on_kafka(config, url, attach=True, progress=progress)
    finally:
        codes = served.stop()
    assert [k for k, _ in killed] == ["position_monitor", "cex_venue"], killed
    assert all(0 < done < config.steps for _, done in killed), killed
    write_results(tmp_path / "kafka", rec, config)
    assert differing(expected, tmp_path / "kafka") == []
    for kind, _ in killed:
        assert '"recovering"' in served.log(kind)
    assert codes == dict.fromkeys(kinds, 0), "SIGTERM drains and exits cleanly"


@pytest.mark.timeout(300)
async def test_broker_restart_mid_run_waits_and_completes_identically(tmp_path: Path) -> None:
    broker = start_private("restart", RESTART_PORT, RESTART_CONTROLLER_PORT)
    try:
        url = parse_kafka_url(f"kafka://{broker.bootstrap}?partitions=2&namespace=restart")
        config = btc_config(7)
        expected = await memory_results(config, tmp_path / "memory")
        half = anyio.Event()
        at: list[int] = []

        def progress(done: int, total: int) -> None:
            if not half.is_set() and done >= 0.3 * total and done < total:
                at.append(done)
                half.set()

        async def restart() -> None:
            await half.wait()
            await anyio.to_thread.run_sync(broker.script, "stop")
            await anyio.sleep(2)
            await anyio.to_thread.run_sync(lambda: broker.script("start", keep_data=True))

        with anyio.fail_after(240):
            async with anyio.create_task_group() as tg:
                tg.start_soon(restart)
                rec = await run_on_kafka(config, url, progress=progress)
        assert at, "the broker was never restarted"
        assert at[0] < config.steps
        write_results(tmp_path / "kafka", rec, config)
        assert differing(expected, tmp_path / "kafka") == []
    finally:
        broker.stop()
