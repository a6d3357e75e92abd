"""`carry live`: refusals before anything starts, paper mode against a rehearsal server."""

from __future__ import annotations

import json
import signal
from pathlib import Path

import anyio
import pytest

from services.cli.main import main
from tests.unit.live.rehearsed import (
    TRADE,
    assert_a_kill_file_stops_every_order,
    live_argv,
    served,
    venues_file,
)

pytestmark = pytest.mark.timeout(300)
PLANTED = "PLANTEDsecretVALUE-5f1c2e9a"


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(argv)
    out = capsys.readouterr()
    return code, out.out + out.err


def test_trade_refuses_without_the_switch_and_the_limits(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    venues = str(venues_file(tmp_path))
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
            str(venues_file(tmp_path, exchange="kraken2")),
        ],
        capsys,
    )
    assert code == 2
    assert "unknown exchange 'kraken2'" in text
    for name in ("BINANCE", "BYBIT", "OKX"):
        monkeypatch.delenv(f"CARRY_TEST_KEY_{name}", raising=False)
    code, text = _run(
        ["live", "--mode", "btc_basis", "--venues", str(venues_file(tmp_path))], capsys
    )
    assert code == 2
    assert "CARRY_TEST_KEY_BINANCE" in text
    assert "is not set" in text


async def test_paper_mode_runs_against_a_rehearsal_server_with_a_one_minute_clock(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Recorded time runs 60x faster than the wall: one-minute steps take a second each.
    rehearsal, env, venues = await served(tmp_path, speed=60.0)
    out = tmp_path / "paper"
    try:
        done = await anyio.run_process(
            live_argv(
                venues,
                out,
                "--interval",
                "1m",
                "--steps",
                "4",
                "--quiet",
                "--kill-file",
                str(tmp_path / "kill"),
                "--ack-file",
                str(tmp_path / "ack"),
            ),
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
    rehearsal, env, _ = await served(tmp_path, speed=0.0, secret=PLANTED)
    try:
        done = await anyio.run_process(
            live_argv(
                venues_file(tmp_path, rehearsal.urls),
                tmp_path / "never",
                "--trade",
                "--max-order-notional",
                "1000",
                "--max-daily-loss",
                "100",
            ),
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
    await assert_a_kill_file_stops_every_order(tmp_path, 60.0)


async def test_sigterm_stops_trading_finishes_the_step_and_writes_the_results(
    tmp_path: Path,
) -> None:
    rehearsal, env, venues = await served(tmp_path, speed=30.0)
    out = tmp_path / "stopped"
    try:
        proc = await anyio.open_process(
            live_argv(
                venues,
                out,
                *TRADE,
                "--interval",
                "1m",
                "--quiet",
                "--kill-file",
                str(tmp_path / "kill"),
                "--ack-file",
                str(tmp_path / "ack"),
            ),
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
