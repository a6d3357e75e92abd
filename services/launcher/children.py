"""`carry serve KIND` child processes, one per actor kind, for a backtest on Kafka.

Children die with their launcher: each is told the launcher's pid (`--parent`), asks
the kernel for SIGTERM when its parent dies and also watches the pid itself. Their
logs go to a `carry-serve-<launcher pid>-*` folder in the temporary folder, created
only when the children start and removed when they stop; folders left by a launcher
that was killed are removed by the next launcher.
"""

from __future__ import annotations

import os
import re
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
LOG_PREFIX = "carry-serve-"
_LOG_DIR = re.compile(rf"^{LOG_PREFIX}(\d+)-")


class Children:
    """Spawns, watches, restarts and stops `carry serve` processes.

    Args:
        bus: the bus URL the children serve.
        kinds: actor kinds, one process each.
        log_level: the children's log level (their logs go to one file per kind).
        broker_timeout_s: the children's deadline for an unreachable broker.
    """

    def __init__(
        self,
        bus: str,
        kinds: list[str],
        log_level: str = "warning",
        broker_timeout_s: float | None = None,
    ) -> None:
        self.bus = bus
        self.kinds = kinds
        self.log_level = log_level
        self.broker_timeout_s = broker_timeout_s
        self.log_dir: Path | None = None
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self.restarts: dict[str, int] = dict.fromkeys(kinds, 0)
        self._files: list[IO[bytes]] = []
        self.log = structlog.get_logger().bind(component="children")
        remove_stale_logs()

    def command(self, kind: str) -> list[str]:
        """The command line of `kind`'s process (it derives a free instance id)."""
        command = [sys.executable, "-m", "services.cli.main", "--log-level", self.log_level]
        command += ["--log-format", "json", "serve", kind, "--bus", self.bus]
        command += ["--metrics-addr", "127.0.0.1:0", "--parent", str(os.getpid())]
        if self.broker_timeout_s is not None:
            command += ["--broker-timeout", str(self.broker_timeout_s)]
        return command

    def start(self) -> None:
        """Start every child."""
        self.log_dir = Path(tempfile.mkdtemp(prefix=f"{LOG_PREFIX}{os.getpid()}-"))
        for kind in self.kinds:
            self.spawn(kind)

    def spawn(self, kind: str) -> None:
        """Start `kind`'s process (in its own session: a terminal's Ctrl-C goes to us)."""
        if self.log_dir is None:
            raise RuntimeError("Children.spawn before start")
        out = (self.log_dir / f"{kind}.log").open("ab")
        self._files.append(out)
        env = {k: v for k, v in os.environ.items() if k != "CARRY_INSTANCE"}
        self.procs[kind] = subprocess.Popen(
            self.command(kind),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=out,
            env=env,
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
        path = self.log_dir / f"{kind}.log" if self.log_dir else None
        text = path.read_text(errors="replace") if path and path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def stop(self) -> None:
        """SIGTERM every child (once), SIGKILL those still alive after the timeout, and
        remove their logs."""
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
        if self.log_dir is not None:
            shutil.rmtree(self.log_dir, ignore_errors=True)


def remove_stale_logs() -> list[Path]:
    """Remove the log folders of launchers that are gone; return them."""
    removed = []
    for path in Path(tempfile.gettempdir()).glob(f"{LOG_PREFIX}*"):
        found = _LOG_DIR.match(path.name)
        if found is None or not path.is_dir() or path.is_symlink():
            continue
        if _alive(int(found[1])):
            continue
        shutil.rmtree(path, ignore_errors=True)
        removed.append(path)
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
