"""A live run on Kafka: the live actors in `carry serve` processes, recorded and replayed."""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

import anyio
import pytest

from services.cli.main import main
from services.rehearsal.clock import SimClock
from services.rehearsal.server import build, serve
from services.runtime.kafka.url import KafkaUrl
from tests.unit.live.conftest import sample_config

pytestmark = pytest.mark.timeout(600)


async def test_a_paper_run_on_kafka_is_recorded_and_replayed(tmp_path: Path, url: KafkaUrl) -> None:
    config = sample_config()
    rehearsal = build(config, SimClock(config.start_ns + 10 * 60_000_000_000, speed=30.0))
    rehearsal.book("binance").credit("spot", "USDT", 100_000.0)
    await serve(rehearsal)
    env = dict(os.environ)
    lines = ['time_source = "binance"']
    for venue, dialect in rehearsal.dialects.items():
        up = venue.upper()
        env[f"CARRY_KT_KEY_{up}"] = dialect.credentials.key
        env[f"CARRY_KT_SECRET_{up}"] = dialect.credentials.secret
        env[f"CARRY_KT_PASSWORD_{up}"] = dialect.credentials.password or "-"
        lines += [
            f"[venues.{venue}]",
            f'exchange = "{venue}"',
            f'api_url = "{rehearsal.urls[venue]}"',
            "rate_limit_ms = 1",
            f'key_env = "CARRY_KT_KEY_{up}"',
            f'secret_env = "CARRY_KT_SECRET_{up}"',
        ]
        if venue == "okx":
            lines.append(f'password_env = "CARRY_KT_PASSWORD_{up}"')
    venues = tmp_path / "venues.toml"
    venues.write_text("\n".join(lines) + "\n")
    out = tmp_path / "live"
    try:
        done = await anyio.run_process(
            [
                sys.executable,
                "-m",
                "services.cli.main",
                "live",
                "--mode",
                "btc_basis",
                "--venues",
                str(venues),
                "--interval",
                "1m",
                "--steps",
                "3",
                "--bus",
                str(url),
                "--out",
                str(out),
                "--quiet",
            ],
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
