"""The Kafka tier: a real broker from `$CARRY_KAFKA`, or one started for the session.

CI (`.ci/run`) starts the broker and sets CARRY_KAFKA; without it the tier starts a
private broker with deploy/kafka/kafka.sh on ports 19292/19293 (its own KAFKA_HOME)
and stops it at the end. If neither works, every test fails with the reason.
"""

from __future__ import annotations

import sys
import uuid
from collections.abc import Iterator

import pytest

from bench.broker import Broker, BrokerUnavailable, session_broker
from services.runtime.kafka.url import KafkaUrl, parse_kafka_url
from services.runtime.logs import configure_logging

TEST_PORT, TEST_CONTROLLER_PORT = 19292, 19293


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/kafka/" in str(item.fspath).replace("\\", "/"):
            item.add_marker(pytest.mark.kafka)


@pytest.fixture(autouse=True)
def _logs_to_the_real_stderr() -> None:
    """A CLI test binds structlog to pytest's captured stderr, closed after that test;
    warnings logged by a later test (a run waiting for the broker) must not crash it."""
    configure_logging("warning", json=False, stream=sys.__stderr__)


@pytest.fixture(scope="session")
def broker() -> Iterator[Broker]:
    """The session's broker (fails loudly, never skips)."""
    try:
        b = session_broker("test", TEST_PORT, TEST_CONTROLLER_PORT)
    except BrokerUnavailable as e:
        pytest.fail(f"no Kafka broker for the Kafka tier: {e}")
    yield b
    b.stop()


@pytest.fixture
def url(broker: Broker) -> KafkaUrl:
    """A bus URL with a fresh namespace: topics and groups of this test only."""
    return parse_kafka_url(
        f"kafka://{broker.bootstrap}?partitions=3&namespace=t{uuid.uuid4().hex[:10]}"
    )


@pytest.fixture(autouse=True)
def _console_logs(monkeypatch: pytest.MonkeyPatch) -> None:
    """Actor processes log JSON lines here: the tests read their records."""
    monkeypatch.setenv("CARRY_LOG_FORMAT", "json")
