"""The secured-bus tier: a SASL_SSL broker with SCRAM users and ACLs.

CI (`.ci/run`) starts it with `KAFKA_SECURITY=sasl_ssl deploy/kafka/kafka.sh start` and
sets CARRY_KAFKA_SECURE (its bootstrap), CARRY_KAFKA_SECURE_CA (its CA file) and the
user's CARRY_KAFKA_USER / CARRY_KAFKA_PASSWORD. Without CARRY_KAFKA_SECURE the tier
starts a private secured broker on ports 19460/19461 with a user of its own and stops
it at the end. If neither works, every test fails with the reason.
"""

from __future__ import annotations

import os
import secrets
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bench.broker import BrokerUnavailable, reachable, start_private
from services.runtime.kafka.url import KafkaUrl, parse_kafka_url

PORT, CONTROLLER_PORT = 19460, 19461


@dataclass(frozen=True)
class Secured:
    """A secured broker and the user the tests connect as."""

    bootstrap: str
    ca: Path
    user: str
    password: str


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/secure/" in str(item.fspath).replace("\\", "/"):
            item.add_marker(pytest.mark.secure)


@pytest.fixture(scope="session")
def secured() -> Iterator[Secured]:
    """The session's secured broker (fails loudly, never skips)."""
    given = os.environ.get("CARRY_KAFKA_SECURE")
    if given:
        ca = Path(os.environ.get("CARRY_KAFKA_SECURE_CA", ""))
        user = os.environ.get("CARRY_KAFKA_USER", "")
        password = os.environ.get("CARRY_KAFKA_PASSWORD", "")
        if not (reachable(given) and ca.is_file() and user and password):
            pytest.fail(
                f"CARRY_KAFKA_SECURE={given} needs a reachable broker, CARRY_KAFKA_SECURE_CA "
                "(its CA file), CARRY_KAFKA_USER and CARRY_KAFKA_PASSWORD"
            )
        yield Secured(given, ca, user, password)
        return
    user, password = "carry-test", secrets.token_urlsafe(18)
    env = {
        "KAFKA_SECURITY": "sasl_ssl",
        "CARRY_KAFKA_USER": user,
        "CARRY_KAFKA_PASSWORD": password,
    }
    try:
        broker = start_private("secure", PORT, CONTROLLER_PORT, env)
    except BrokerUnavailable as e:
        pytest.fail(f"no secured Kafka broker for the secured tier: {e}")
    try:
        assert broker.home is not None
        yield Secured(broker.bootstrap, broker.home / "ca.pem", user, password)
    finally:
        broker.stop()


@pytest.fixture
def url(secured: Secured, monkeypatch: pytest.MonkeyPatch) -> KafkaUrl:
    """A secured bus URL with a fresh namespace under Carry's ACL prefix, and the user's
    credentials in the environment."""
    monkeypatch.setenv("CARRY_KAFKA_USER", secured.user)
    monkeypatch.setenv("CARRY_KAFKA_PASSWORD", secured.password)
    monkeypatch.delenv("CARRY_KAFKA_PASSWORD_FILE", raising=False)
    monkeypatch.setenv("CARRY_LOG_FORMAT", "json")
    return parse_kafka_url(
        f"kafka://{secured.bootstrap}?partitions=2&namespace=carry.t{uuid.uuid4().hex[:10]}"
        f"&security=sasl_ssl&ca={secured.ca}"
    )
