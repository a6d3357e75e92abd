"""`carry serve KIND` child processes, one per actor kind, for a backtest on Kafka."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import IO

import structlog

STOP_TIMEOUT_S = 15.0
MAX_RESTARTS = 3


class Children:
    """Spawns, watches, restarts and stops `carry serve` processes.

    Args:
        bus: the bus URL the children serve.
        kinds: actor kinds, one process each.
        log_level: the children's log level (their logs go to one file per kind).
    """

    def __init__(self, bus: str, kinds: list[str], log_level: str = "warning") -> None:
        self.bus = bus
        self.kinds = kinds
        self.log_level = log_level
        self.log_dir = Path(tempfile.mkdtemp(prefix="carry-serve-"))
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self.restarts: dict[str, int] = dict.fromkeys(kinds, 0)
        self._files: list[IO[bytes]] = []
        self.log = structlog.get_logger().bind(component="children")

    def command(self, kind: str) -> list[str]:
        """The command line of `kind`'s process."""
        return [
            sys.executable,
            "-m",
            "services.cli.main",
            "--log-level",
            self.log_level,
            "serve",
            kind,
            "--bus",
            self.bus,
            "--metrics-addr",
            "127.0.0.1:0",
        ]

    def start(self) -> None:
        """Start every child."""
        for kind in self.kinds:
            self.spawn(kind)

    def spawn(self, kind: str) -> None:
        """Start `kind`'s process (in its own session: a terminal's Ctrl-C goes to us)."""
        out = (self.log_dir / f"{kind}.log").open("ab")
        self._files.append(out)
        self.procs[kind] = subprocess.Popen(
            self.command(kind),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=out,
            env=os.environ.copy(),
            start_new_session=True,
        )

    def check(self) -> str:
        """Restart children that died; return why the run must fail ("" if it need not)."""
        for kind, proc in self.procs.items():
            code = proc.poll()
            if code is None:
                continue
            if self.restarts[kind] >= MAX_RESTARTS:
                return f"actor {kind} exited {MAX_RESTARTS + 1} times (last code {code})\n" + (
                    self.tail(kind)
                )
            self.restarts[kind] += 1
            self.log.warning("actor_process_exited_restarting", kind=kind, code=code)
            self.spawn(kind)
        return ""

    def tail(self, kind: str, lines: int = 20) -> str:
        """The last lines of `kind`'s log."""
        path = self.log_dir / f"{kind}.log"
        text = path.read_text(errors="replace") if path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def stop(self, keep_logs: bool = False) -> None:
        """SIGTERM every child, SIGKILL those still alive after the timeout."""
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT_S
        for kind, proc in self.procs.items():
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self.log.warning("actor_process_killed", kind=kind)
                proc.kill()
                proc.wait()
        for f in self._files:
            f.close()
        if not keep_logs:
            shutil.rmtree(self.log_dir, ignore_errors=True)
