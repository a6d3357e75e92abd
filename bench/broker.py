"""A Kafka broker for the Kafka tests and benchmarks: `$CARRY_KAFKA`, or one started here.

`deploy/kafka/kafka.sh` runs the broker; this module starts a private one (its own
`KAFKA_HOME` and ports, so it never touches a developer's broker on 19092), waits for
it and stops it. Every failure says why, so a missing broker fails loudly.
"""

from __future__ import annotations

import os
import socket
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SCRIPT = REPO / "deploy" / "kafka" / "kafka.sh"


class BrokerUnavailable(RuntimeError):
    """No broker could be found or started; the message says why."""


@dataclass
class Broker:
    """A broker on 127.0.0.1.

    Attributes:
        bootstrap: `HOST:PORT`.
        home: its `KAFKA_HOME` if this process started it (None: someone else's).
    """

    bootstrap: str
    home: Path | None = None
    port: int = 0
    controller_port: int = 0
    env: dict[str, str] = field(default_factory=dict)

    def script(self, command: str, keep_data: bool = False, timeout: float = 120) -> str:
        """Run `kafka.sh command` for this broker; return its output; raise on failure."""
        if self.home is None:
            raise BrokerUnavailable(f"the broker at {self.bootstrap} was not started here")
        env = {**os.environ, **self.env, "KAFKA_KEEP_DATA": "1" if keep_data else "0"}
        done = subprocess.run(
            [str(SCRIPT), command], env=env, capture_output=True, text=True, timeout=timeout
        )
        if done.returncode != 0:
            raise BrokerUnavailable(
                f"deploy/kafka/kafka.sh {command} failed ({done.returncode}):\n"
                f"{done.stdout}\n{done.stderr}"
            )
        return done.stdout + done.stderr

    def stop(self) -> None:
        """Stop it (only a broker started here)."""
        if self.home is not None:
            self.script("stop")


def reachable(bootstrap: str, timeout: float = 2.0) -> bool:
    """True if something accepts TCP connections at `bootstrap`."""
    host, _, port = bootstrap.rpartition(":")
    try:
        with socket.create_connection((host, int(port)), timeout=timeout):
            return True
    except OSError:
        return False


def start_private(
    name: str, port: int, controller_port: int, env: dict[str, str] | None = None
) -> Broker:
    """Start a broker with `KAFKA_HOME=<repo>/.kafka-<name>` on the given ports (`env`:
    more settings of kafka.sh, e.g. KAFKA_SECURITY)."""
    home = REPO / f".kafka-{name}"
    shared_libs = REPO / ".kafka" / "libs"
    home.mkdir(exist_ok=True)
    libs = home / "libs"
    if shared_libs.is_dir() and not libs.exists():
        libs.symlink_to(shared_libs)  # reuse jars already fetched for the main broker
    broker = Broker(
        bootstrap=f"127.0.0.1:{port}",
        home=home,
        port=port,
        controller_port=controller_port,
        env={
            "KAFKA_HOME": str(home),
            "KAFKA_PORT": str(port),
            "KAFKA_CONTROLLER_PORT": str(controller_port),
            **(env or {}),
        },
    )
    if reachable(broker.bootstrap, 0.5):
        broker.script("stop")  # a broker left behind by an interrupted session
    broker.script("start")
    return broker


def session_broker(name: str, port: int, controller_port: int) -> Broker:
    """`$CARRY_KAFKA` if set (it must answer), else a private broker started here."""
    given = os.environ.get("CARRY_KAFKA")
    if given:
        if not reachable(given):
            raise BrokerUnavailable(
                f"CARRY_KAFKA={given} does not answer: start it (deploy/kafka/kafka.sh start) "
                "or unset CARRY_KAFKA to let the tests start their own broker"
            )
        return Broker(bootstrap=given)
    return start_private(name, port, controller_port)
