"""`carry serve` answers /healthz and /metrics, and one SIGTERM ends it."""

from __future__ import annotations

import re
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import anyio
import pytest

from schemas import control, pnl
from services.launcher.run import run_started
from services.runtime.kafka.bus import KafkaBus
from services.runtime.kafka.url import KafkaUrl
from tests.kafka.helpers import CARRY, btc_config
from tests.stubs import pnl_report

pytestmark = pytest.mark.timeout(120)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(port: int, path: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=3) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()
    except OSError:
        return 0, ""


def _until(port: int, path: str, ok, seconds: float = 40) -> str:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        status, body = _get(port, path)
        if ok(status, body):
            return body
        time.sleep(0.2)
    pytest.fail(f"{path} never satisfied the test; last answer {status}: {body}")


def _metric(body: str, name: str) -> float:
    found = re.search(rf"^{re.escape(name)} (\S+)$", body, re.M)
    return float(found.group(1)) if found else -1.0


def _serve_clock(url: KafkaUrl, port: int, log_path: Path) -> subprocess.Popen[bytes]:
    with log_path.open("wb") as log:
        args = ["--log-level", "info", "--log-format", "json", "serve", "clock", "--bus", str(url)]
        return subprocess.Popen(
            [*CARRY, *args, "--metrics-addr", f"127.0.0.1:{port}"],
            stdout=log,
            stderr=log,
            start_new_session=True,
        )


async def test_serve_answers_healthz_and_metrics_and_one_sigterm_ends_it(
    url: KafkaUrl, tmp_path: Path
) -> None:
    port = _free_port()
    proc = _serve_clock(url, port, tmp_path / "serve.log")
    try:
        health = await anyio.to_thread.run_sync(_until, port, "/healthz", lambda s, b: s == 200)
        assert '"status": "serving"' in health
        config = btc_config(1)
        bus = KafkaBus(url)
        await bus.start()
        try:
            await bus.publish(control.TOPIC, run_started(config))
            handled = 'carry_records_handled_total{actor="clock"}'
            await anyio.to_thread.run_sync(
                _until, port, "/metrics", lambda s, b: _metric(b, handled) >= 1
            )
            for step in range(3):
                await bus.publish(pnl.TOPIC, pnl_report(step, config.run_id))
            body = await anyio.to_thread.run_sync(
                _until, port, "/metrics", lambda s, b: _metric(b, handled) >= 4
            )
        finally:
            await bus.stop()
        # steps 0, 0, 1, 2 handled: two steps advanced
        assert _metric(body, 'carry_step_latency_seconds_count{actor="clock"}') == 2
        assert _metric(body, 'carry_dead_letters_total{actor="clock"}') in (-1.0, 0.0)
        assert _metric(body, "carry_up") == 1
        lags = re.findall(r'^carry_consumer_lag_records\{actor="clock",topic="([^"]+)"', body, re.M)
        assert {"carry.control", "carry.pnl"} <= set(lags)
        assert _get(port, "/nowhere")[0] == 404
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0, "one SIGTERM drains and ends the process"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    text = (tmp_path / "serve.log").read_text()
    assert '"event": "metrics_listening"' in text
    assert f'"port": {port}' in text
