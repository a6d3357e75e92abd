"""deploy/Dockerfile and deploy/compose.yaml stay consistent with the CLI and the actors.

No container engine runs here; these checks are what keeps the files honest.
"""

from __future__ import annotations

import fnmatch
import json
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from services.cli.main import main, parser
from services.launcher.http import parse_addr
from services.registry import KINDS
from services.runtime.kafka.url import parse_kafka_url

ROOT = Path(__file__).resolve().parents[3]
DEPLOY = ROOT / "deploy"
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


def _dockerfile_steps() -> list[tuple[str, str]]:
    text = DOCKERFILE.replace("\\\n", " ")
    steps = []
    for line in text.splitlines():
        word, _, rest = line.strip().partition(" ")
        if word.isupper():
            steps.append((word, rest.strip()))
    return steps


def test_dockerfile_installs_the_dependencies_in_a_layer_before_the_code(tmp_path: Path) -> None:
    steps = _dockerfile_steps()
    index = {f"{w} {r}": i for i, (w, r) in enumerate(steps)}
    runs = [i for i, (w, _) in enumerate(steps) if w == "RUN"]
    deps_run, code_run = runs[0], runs[-1]
    assert index["COPY pyproject.toml ./"] < deps_run < index["COPY services ./services"]
    assert index["COPY schemas ./schemas"] > deps_run
    assert "pip install --no-deps ." in steps[code_run][1]
    # the dependency layer installs exactly pyproject's pinned dependencies
    snippet = re.search(r'python -c "([^"]+)"', steps[deps_run][1])
    assert snippet is not None
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    listed = subprocess.run(
        [sys.executable, "-c", snippet.group(1)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    pinned = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    assert listed == pinned
    assert all("==" in dep for dep in listed)


def _docker_context(path: str) -> bool:
    """Whether `path` enters the build context under .dockerignore (last match wins)."""
    included = True
    for rule in (ROOT / ".dockerignore").read_text().splitlines():
        rule = rule.strip()
        if not rule or rule.startswith("#"):
            continue
        negate = rule.startswith("!")
        pattern = rule.lstrip("!").rstrip("/")
        parts = path.split("/")
        prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
        if pattern.startswith("**/"):
            hit = any(fnmatch.fnmatch(p, pattern[3:]) for p in parts)
        else:
            hit = any(fnmatch.fnmatch(p, pattern) for p in prefixes)
        if hit:
            included = negate
    return included


def test_dockerignore_lets_in_only_what_the_image_copies() -> None:
    copied = [r.split()[0] for w, r in _dockerfile_steps() if w == "COPY"]
    for source in copied:
        assert _docker_context(source), source
    for path in ("services/config/modes/btc_basis.toml", "schemas/base.py", "README.md"):
        assert _docker_context(path), path
    for path in (
        ".kafka/ca.pem",
        ".kafka/libs/kafka_2.13-3.9.1.jar",
        ".kafka-test/data/meta.properties",
        ".venv/bin/python",
        ".git/config",
        "results/btc_basis/summary.json",
        "tests/stubs.py",
        "services/__pycache__/errors.cpython-311.pyc",
        "carry.egg-info/PKG-INFO",
    ):
        assert not _docker_context(path), path


def test_actor_containers_have_a_health_check_on_healthz() -> None:
    steps = dict(_dockerfile_steps())
    assert "/healthz" in steps["HEALTHCHECK"]
    assert "CARRY_METRICS_ADDR" in steps["HEALTHCHECK"]
    addr = re.search(r"CARRY_METRICS_ADDR=(\S+)", DOCKERFILE)
    assert addr is not None
    host, port = parse_addr(addr.group(1))
    assert host == "0.0.0.0"
    assert f"EXPOSE {port}" in DOCKERFILE
    assert f"CARRY_METRICS_ADDR: 0.0.0.0:{port}" in COMPOSE
    args = parser().parse_args(["serve", "clock", "--metrics-addr", addr.group(1)])
    assert args.metrics_addr == addr.group(1)
    # the one-shot launcher has no /healthz; it waits for every actor to be healthy
    backtest = COMPOSE[COMPOSE.index("\n  backtest:") :]
    assert "disable: true" in backtest
    waited = set(
        re.findall(r"^      ([a-z-]+):\n        condition: service_healthy", backtest, re.M)
    )
    services = set(re.findall(r"^  ([a-z-]+):\n    <<: \*carry\n    environment:", COMPOSE, re.M))
    assert waited == services | {"kafka"}


def test_the_broker_port_is_published_where_the_readme_points() -> None:
    readme = (ROOT / "README.md").read_text()
    host_urls = set(re.findall(r"kafka://(127\.0\.0\.1:\d+)", readme))
    assert host_urls == {"127.0.0.1:19092"}
    assert '- "127.0.0.1:19092:19092"' in COMPOSE
    assert "HOST://127.0.0.1:19092" in COMPOSE
    assert "HOST://:19092" in COMPOSE
    assert "HOST:PLAINTEXT" in COMPOSE
    assert 'KAFKA_AUTO_CREATE_TOPICS_ENABLE: "false"' in COMPOSE


def test_version_is_the_package_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert capsys.readouterr().out.strip() == f"carry {version}"
