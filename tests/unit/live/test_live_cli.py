"""`carry live`: refusals before anything starts, paper mode against a rehearsal server."""

from __future__ import annotations

import json
import os
import signal
import sys
from pathlib import Path

import anyio
import pytest

from services.cli.main import main
from services.rehearsal.clock import SimClock
from services.rehearsal.server import Rehearsal, build, serve
from tests.unit.live.conftest import sample_config

pytestmark = pytest.mark.timeout(300)
PLANTED = "PLANTEDsecretVALUE-5f1c2e9a"


def _venues_file(
    tmp: Path,
    urls: dict[str, str] | None = None,
    exchange: str = "binance",
    key_env: str = "CARRY_TEST_KEY",
    time_source: str = "system",
) -> Path:
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


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(argv)
    out = capsys.readouterr()
    return code, out.out + out.err


def test_trade_refuses_without_the_switch_and_the_limits(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    venues = str(_venues_file(tmp_path))
    monkeypatch.delenv("CARRY_LIVE_TRADING", raising=False)
    code, text = _run(["live", "--mode", "btc_basis", "--venues", venues, "--trade"], capsys)
    assert code == 2
    assert "CARRY_LIVE_TRADING=1" in text
    monkeypatch.setenv("CARRY_LIVE_TRADING", "1")
    code, text = _run(["live", "--mode", "btc_basis", "--venues", venues, "--trade"], capsys)
    assert code == 2
    assert "--max-order-notional and --max-daily-loss" in text
    assert not (tmp_path / "results").exists()


def test_unknown_exchange_and_missing_secret_are_named_before_anything_starts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, text = _run(
        [
            "live",
            "--mode",
            "btc_basis",
            "--venues",
            str(_venues_file(tmp_path, exchange="kraken2")),
        ],
        capsys,
    )
    assert code == 2
    assert "unknown exchange 'kraken2'" in text
    for name in ("BINANCE", "BYBIT", "OKX"):
        monkeypatch.delenv(f"CARRY_TEST_KEY_{name}", raising=False)
    code, text = _run(
        ["live", "--mode", "btc_basis", "--venues", str(_venues_file(tmp_path))], capsys
    )
    assert code == 2
    assert "CARRY_TEST_KEY_BINANCE" in text
    assert "is not set" in text


async def _served(
    tmp_path: Path, speed: float, secret: str = ""
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
    return rehearsal, env, _venues_file(tmp_path, rehearsal.urls, time_source="binance")


async def test_paper_mode_runs_against_a_rehearsal_server_with_a_one_minute_clock(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Recorded time runs 60x faster than the wall: one-minute steps take a second each.
    rehearsal, env, venues = await _served(tmp_path, speed=60.0)
    out = tmp_path / "paper"
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
                "4",
                "--out",
                str(out),
                "--quiet",
                "--kill-file",
                str(tmp_path / "kill"),
                "--ack-file",
                str(tmp_path / "ack"),
            ],
            env=env,
            check=False,
        )
    finally:
        await rehearsal.stop()
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["steps"] == 4
    assert summary["trades"] == 7  # entry: three transfers, the spot buy, three shorts
    assert summary["position_refreshes"] == 3  # the opening balances of each venue
    assert summary["initial_equity"] == pytest.approx(100_000.0)
    assert rehearsal.book("binance").orders == []  # paper: nothing was sent
    assert summary["end"] > summary["start"]
    secrets = [
        v for d in rehearsal.dialects.values() for v in (d.credentials.key, d.credentials.secret)
    ]
    outputs = [done.stdout, done.stderr] + [f.read_bytes() for f in out.rglob("*") if f.is_file()]
    for secret in secrets:
        assert all(secret.encode() not in blob for blob in outputs)


async def test_wrong_credentials_fail_before_anything_starts_without_showing_the_secret(
    tmp_path: Path,
) -> None:
    rehearsal, env, _ = await _served(tmp_path, speed=0.0, secret=PLANTED)
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
                str(_venues_file(tmp_path, rehearsal.urls)),
                "--trade",
                "--max-order-notional",
                "1000",
                "--max-daily-loss",
                "100",
                "--out",
                str(tmp_path / "never"),
            ],
            env=env,
            check=False,
        )
    finally:
        await rehearsal.stop()
    text = (done.stdout + done.stderr).decode()
    assert done.returncode == 2
    assert "refused the API credentials" in text
    assert PLANTED not in text
    assert not (tmp_path / "never").exists()


async def test_a_kill_file_stops_every_order_before_it_is_sent(tmp_path: Path) -> None:
    rehearsal, env, venues = await _served(tmp_path, speed=60.0)
    kill = tmp_path / "kill"
    kill.write_text("stop\n")
    out = tmp_path / "killed"
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
                "--trade",
                "--max-order-notional",
                "1000000",
                "--max-daily-loss",
                "5000",
                "--interval",
                "1m",
                "--steps",
                "2",
                "--out",
                str(out),
                "--quiet",
                "--kill-file",
                str(kill),
                "--ack-file",
                str(tmp_path / "ack"),
            ],
            env=env,
            check=False,
        )
    finally:
        await rehearsal.stop()
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["trades"] == 0
    assert summary["rejected_orders"] > 0
    assert all(book.orders == [] for book in (rehearsal.book(v) for v in rehearsal.dialects))


async def test_sigterm_stops_trading_finishes_the_step_and_writes_the_results(
    tmp_path: Path,
) -> None:
    rehearsal, env, venues = await _served(tmp_path, speed=30.0)
    out = tmp_path / "stopped"
    try:
        proc = await anyio.open_process(
            [
                sys.executable,
                "-m",
                "services.cli.main",
                "live",
                "--mode",
                "btc_basis",
                "--venues",
                str(venues),
                "--trade",
                "--max-order-notional",
                "1000000",
                "--max-daily-loss",
                "5000",
                "--interval",
                "1m",
                "--out",
                str(out),
                "--quiet",
                "--kill-file",
                str(tmp_path / "kill"),
                "--ack-file",
                str(tmp_path / "ack"),
            ],
            env=env,
        )
        async with proc:
            with anyio.fail_after(60):
                while not rehearsal.book("binance").orders:  # noqa: ASYNC110 - polls a server
                    await anyio.sleep(0.2)
            await anyio.sleep(3.0)
            proc.send_signal(signal.SIGTERM)
            with anyio.fail_after(60):
                code = await proc.wait()
    finally:
        await rehearsal.stop()
    assert code == 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["steps"] >= 1
    assert summary["trades"] == 7
