"""Helpers of the Kafka tier: runs to compare, results folders, `carry serve` processes."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path

from services.config.run import RunConfig
from services.launcher.run import run_on_bus
from services.recorder.results import write_results
from services.runtime.kafka.url import KafkaUrl
from services.runtime.memory import MemoryBus
from tests.stubs import RESULT_FILES, real_data, run_config


def btc_config(days: int, extra: tuple[str, ...] = ()) -> RunConfig:
    """btc_basis over `days` days with a unique run id: real data from 2024-09-01 if
    CARRY_DATA is set, else the synthetic sample from 2024-01-01."""
    data_dir = os.environ.get("CARRY_DATA")
    run_id = f"kafka-test-{uuid.uuid4().hex[:8]}"
    if data_dir:
        start = dt.date(2024, 9, 1)
        window = [f"start={start}", f"end={start + dt.timedelta(days=days)}"]
        return run_config("btc_basis", [*window, *extra], real_data(Path(data_dir)), run_id)
    end = dt.date(2024, 1, 1) + dt.timedelta(days=days)
    return run_config("btc_basis", [f"end={end}", *extra], run_id=run_id)


async def memory_results(config: RunConfig, out: Path) -> Path:
    """The in-process run's results folder."""
    rec = await run_on_bus(config, MemoryBus(), config.actors)
    write_results(out, rec, config)
    return out


def differing(a: Path, b: Path) -> list[str]:
    """Results files whose bytes differ between two folders."""
    return [n for n in RESULT_FILES if (a / n).read_bytes() != (b / n).read_bytes()]


CARRY = (sys.executable, "-m", "services.cli.main")


class Served:
    """`carry serve KIND` processes started by a test (one per kind), by pid only."""

    def __init__(self, url: KafkaUrl, kinds: list[str], logs: Path) -> None:
        self.url, self.kinds, self.logs = url, kinds, logs
        self.procs: dict[str, subprocess.Popen[bytes]] = {}

    def start(self, kind: str, instance: str = "0") -> None:
        """Start (or restart) `kind`'s process (`instance`: its member id in the group)."""
        out = (self.logs / f"{kind}.log").open("ab")
        cmd = [*CARRY, "--log-level", "info", "--log-format", "json", "serve", kind]
        cmd += ["--bus", str(self.url)]
        self.procs[kind] = subprocess.Popen(
            [*cmd, "--instance", instance],
            stdout=out,
            stderr=out,
            start_new_session=True,
        )
        out.close()

    def start_all(self) -> None:
        """Start every kind."""
        for kind in self.kinds:
            self.start(kind)

    def kill(self, kind: str) -> None:
        """SIGKILL `kind`'s process and reap it."""
        proc = self.procs[kind]
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)

    def stop(self) -> dict[str, int]:
        """SIGTERM every process; return their exit codes (see `stop_processes`)."""
        return dict(zip(self.procs, stop_processes(*self.procs.values()), strict=True))

    def log(self, kind: str) -> str:
        """`kind`'s log so far."""
        path = self.logs / f"{kind}.log"
        return path.read_text(errors="replace") if path.exists() else ""


def backtest_args(days: int) -> list[str]:
    """`carry backtest` arguments for btc_basis over `days` days (real data if CARRY_DATA
    is set, else the synthetic sample)."""
    data_dir = os.environ.get("CARRY_DATA")
    start = dt.date(2024, 9, 1) if data_dir else dt.date(2024, 1, 1)
    end = start + dt.timedelta(days=days)
    args = ["backtest", "--mode", "btc_basis", "--quiet"]
    args += ["--set", f"start={start}", "--set", f"end={end}"]
    return args + (["--data", data_dir] if data_dir else [])


def children_of(pid: int) -> list[int]:
    """Pids of the live processes whose parent is `pid`."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        if int(fields[1]) == pid and fields[0] != "Z":
            found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    """True while `pid` runs (a zombie counts as gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] != "Z"


def stop_processes(*procs: subprocess.Popen[bytes]) -> list[int]:
    """SIGTERM every process, then their exit codes (-9: killed after 30 s)."""
    for proc in procs:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    codes = []
    for proc in procs:
        try:
            codes.append(proc.wait(timeout=30))
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            codes.append(-9)
    return codes
