"""deploy/Dockerfile and deploy/compose.yaml stay consistent with the CLI and the actors.

No container engine runs here; these checks are what keeps the files honest.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from services.cli.main import main, parser
from services.registry import KINDS
from services.runtime.kafka.url import parse_kafka_url

DEPLOY = Path(__file__).resolve().parents[3] / "deploy"
COMPOSE = (DEPLOY / "compose.yaml").read_text()
DOCKERFILE = (DEPLOY / "Dockerfile").read_text()
SERVICES = Path(__file__).resolve().parents[3] / "services"


def _env_read_by_the_cli() -> set[str]:
    names: set[str] = set()
    for path in SERVICES.rglob("*.py"):
        names |= set(re.findall(r"\"(CARRY_[A-Z_]+)\"", path.read_text()))
    return names


def test_compose_has_one_service_per_actor_kind() -> None:
    served = set(re.findall(r"^\s+CARRY_ACTORS: (\w+)$", COMPOSE, re.MULTILINE))
    assert served == set(KINDS) - {"recorder"}


def test_deploy_files_use_only_environment_the_cli_reads() -> None:
    used = set(re.findall(r"\b(CARRY_[A-Z_]+)\b", COMPOSE + DOCKERFILE)) - {"CARRY_DATA_DIR"}
    assert used <= _env_read_by_the_cli()
    assert {"CARRY_BUS", "CARRY_ACTORS", "CARRY_DATA", "CARRY_LOG_LEVEL"} <= used


def test_compose_bus_and_launcher_command_parse() -> None:
    bus = re.search(r'CARRY_BUS: "([^"]+)"', COMPOSE)
    assert bus is not None
    assert parse_kafka_url(bus.group(1)).bootstrap == "kafka:9092"
    command = re.search(r"command: (\[.*\])", COMPOSE)
    assert command is not None
    args = parser().parse_args(json.loads(command.group(1)))
    assert args.command == "backtest"
    assert args.attach
    assert "apache/kafka:" in COMPOSE
    assert 'ENTRYPOINT ["carry"]' in DOCKERFILE
    assert 'CMD ["serve"]' in DOCKERFILE


def test_serve_takes_everything_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CARRY_BUS", "kafka://127.0.0.1:19999")
    monkeypatch.setenv("CARRY_ACTORS", "clock, market_data")
    assert main(["serve"]) == 2  # the actors were accepted; there is no broker
    assert "cannot reach Kafka at 127.0.0.1:19999" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("env", "message"),
    [({}, "needs actor kinds"), ({"CARRY_ACTORS": "recorder"}, "cannot serve recorder")],
)
def test_serve_refuses_missing_or_unservable_actors(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    env: dict[str, str],
    message: str,
) -> None:
    monkeypatch.delenv("CARRY_ACTORS", raising=False)
    monkeypatch.setenv("CARRY_BUS", "kafka://127.0.0.1:19999")
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    assert main(["serve"]) == 2
    assert message in capsys.readouterr().err
