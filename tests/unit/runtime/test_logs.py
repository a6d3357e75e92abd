"""Logs: pure JSON lines on a non-terminal stderr, simulated time next to the step, the
process and instance on every record, changes at info, library records in the same
pipeline."""

from __future__ import annotations

import io
import json
import logging
import subprocess
import sys

from services.runtime.logs import configure_logging


def _records(text: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in text.splitlines()]


def test_a_backtest_writes_only_json_records_to_a_piped_stderr(tmp_path, monkeypatch) -> None:
    monkeypatch.delenv("CARRY_DATA", raising=False)
    monkeypatch.delenv("CARRY_LOG_FORMAT")  # auto: JSON, as stderr is a pipe
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "services.cli.main",
            "backtest",
            "--mode",
            "eth_leveraged",
            "--out",
            str(tmp_path / "out"),
            "--log-level",
            "info",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    records = _records(done.stderr)  # every line is JSON: no progress bar, no plain text
    events = {r["event"] for r in records}
    assert "order" in events
    assert "plan" not in events  # a plan is a debug detail; orders are the changes
    for r in records:
        assert r["process"] == "carry backtest"
        assert r["instance"] == "0"
        assert isinstance(r["pid"], int)
        if "step" in r:
            assert str(r["sim_time"]).endswith("Z")
    orders = [r for r in records if r["event"] == "order"]
    assert orders[0]["step"] == 0
    assert orders[0]["sim_time"] == "2024-01-01T00:00:00Z"


def test_errors_are_json_records_when_stderr_is_not_a_terminal(monkeypatch) -> None:
    monkeypatch.delenv("CARRY_LOG_FORMAT")
    done = subprocess.run(
        [sys.executable, "-m", "services.cli.main", "backtest", "--mode", "btc_carry"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    (record,) = _records(done.stderr)
    assert record["level"] == "error"
    assert "unknown mode 'btc_carry'" in str(record["error"])
    assert record["exit_code"] == 2


def test_library_records_go_through_the_same_pipeline_at_the_chosen_level() -> None:
    out = io.StringIO()
    configure_logging("info", json=True, stream=out, process="carry serve", instance="3")
    try:
        logging.getLogger("aiokafka.consumer").info("group joined")
        logging.getLogger("web3.providers").debug("too chatty")
        logging.getLogger("ccxt.base").warning("rate limited")
    finally:
        configure_logging("warning", json=True)
    records = _records(out.getvalue())
    assert [(r["logger"], r["event"], r["level"]) for r in records] == [
        ("aiokafka.consumer", "group joined", "info"),
        ("ccxt.base", "rate limited", "warning"),
    ]
    assert {(r["process"], r["instance"]) for r in records} == {("carry serve", "3")}
