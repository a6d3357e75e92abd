"""A `carry live` process against rehearsal servers: venues file, environment, command."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import anyio

from services.rehearsal.clock import SimClock
from services.rehearsal.server import Rehearsal, build, serve
from tests.unit.live.conftest import sample_config

TRADE = ("--trade", "--max-order-notional", "1000000", "--max-daily-loss", "5000")
"""Real orders, behind limits no test reaches."""


def venues_file(
    tmp: Path,
    urls: dict[str, str] | None = None,
    exchange: str = "binance",
    key_env: str = "CARRY_TEST_KEY",
    time_source: str = "system",
) -> Path:
    """A venues file for the three venues (binance's exchange may be swapped out)."""
    lines = [f'time_source = "{time_source}"']
    for venue in ("binance", "bybit", "okx"):
        lines += [f"[venues.{venue}]", f'exchange = "{exchange if venue == "binance" else venue}"']
        if urls:
            lines += [f'api_url = "{urls[venue]}"', "rate_limit_ms = 1"]
        if key_env:
            lines += [
                f'key_env = "{key_env}_{venue.upper()}"',
                f'secret_env = "CARRY_TEST_SECRET_{venue.upper()}"',
            ]
            if venue == "okx":
                lines.append('password_env = "CARRY_TEST_PASSWORD_OKX"')
    path = tmp / "venues.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


async def served(
    tmp: Path, speed: float, secret: str = ""
) -> tuple[Rehearsal, dict[str, str], Path]:
    """Rehearsal servers (100k USDT at binance), the environment naming their keys, and a
    venues file whose clock is binance's server time."""
    config = sample_config()
    rehearsal = build(config, SimClock(config.start_ns + 10 * 60_000_000_000, speed=speed))
    rehearsal.book("binance").credit("spot", "USDT", 100_000.0)
    await serve(rehearsal)
    env = dict(os.environ)
    for venue, dialect in rehearsal.dialects.items():
        env[f"CARRY_TEST_KEY_{venue.upper()}"] = dialect.credentials.key
        env[f"CARRY_TEST_SECRET_{venue.upper()}"] = secret or dialect.credentials.secret
    env["CARRY_TEST_PASSWORD_OKX"] = rehearsal.dialects["okx"].credentials.password
    env["CARRY_LIVE_TRADING"] = "1"
    return rehearsal, env, venues_file(tmp, rehearsal.urls, time_source="binance")


def live_argv(venues: Path, out: Path, *options: str) -> list[str]:
    """`carry live` of btc_basis as a separate process."""
    cmd = [sys.executable, "-m", "services.cli.main", "live", "--mode", "btc_basis"]
    return [*cmd, "--venues", str(venues), "--out", str(out), *options]


async def assert_a_kill_file_stops_every_order(tmp: Path, speed: float, *options: str) -> None:
    """A trading run started while the kill file exists sends nothing: every order of its
    entry is rejected, none reaches an exchange."""
    rehearsal, env, venues = await served(tmp, speed=speed)
    kill = tmp / "kill"
    kill.write_text("stop\n")
    out = tmp / "killed"
    switches = ("--kill-file", str(kill), "--ack-file", str(tmp / "ack"))
    steps = ("--interval", "1m", "--steps", "2", "--quiet")
    try:
        argv = live_argv(venues, out, *TRADE, *steps, *switches, *options)
        done = await anyio.run_process(argv, env=env, check=False)
    finally:
        await rehearsal.stop()
    assert done.returncode == 0, done.stderr.decode()[-3000:]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["trades"] == 0
    assert summary["rejected_orders"] > 0
    assert all(book.orders == [] for book in (rehearsal.book(v) for v in rehearsal.dialects))
