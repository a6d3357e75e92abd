"""A secured bus: TLS and SCRAM-SHA-512 against the real broker, ACLs, and refusals that
come within seconds and never show the password."""

from __future__ import annotations

import os
import subprocess
import time
import uuid
from pathlib import Path

import anyio
import pytest
from aiokafka import AIOKafkaConsumer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import GroupAuthorizationFailedError

from schemas import control
from services.launcher.run import run_started
from services.registry import host
from services.runtime.kafka.auth import client_options
from services.runtime.kafka.bus import KafkaBus
from services.runtime.kafka.url import KafkaUrl
from tests.kafka.helpers import CARRY, backtest_args, btc_config, differing
from tests.secure.conftest import Secured

pytestmark = pytest.mark.timeout(300)

TOPIC_AUTHORIZATION_FAILED = 29
REFUSAL_S = 60
"""A refused client fails in a few seconds; the bound leaves room for a loaded machine."""


def _carry(args: list[str], env: dict[str, str], timeout: float = 240) -> tuple[int, str, float]:
    started = time.monotonic()
    done = subprocess.run(
        [*CARRY, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **env},
    )
    return done.returncode, done.stdout + done.stderr, time.monotonic() - started


async def test_a_bus_runs_over_tls_as_the_scram_user(url: KafkaUrl) -> None:
    config = btc_config(1)
    bus = KafkaBus(url)
    clock = host("clock", dedup=True)
    bus.attach(clock)
    await bus.start()
    try:
        await bus.publish(control.TOPIC, run_started(config))
        with anyio.fail_after(60):
            await bus.run_until(lambda: clock.instance(config.run_id) is not None)
        await bus.close_run(config.run_id)
    finally:
        await bus.stop()
    assert clock.instance(config.run_id) is not None


def test_a_backtest_on_the_secured_bus_matches_the_in_process_run(
    url: KafkaUrl, tmp_path: Path
) -> None:
    env = {"CARRY_KAFKA_USER": os.environ["CARRY_KAFKA_USER"]}
    args = [*backtest_args(2), "--run-id", f"secured-{uuid.uuid4().hex[:8]}"]
    code, out, _ = _carry([*args, "--out", str(tmp_path / "memory")], env)
    assert code == 0, out[-3000:]
    code, out, _ = _carry([*args, "--bus", str(url), "--out", str(tmp_path / "kafka")], env)
    assert code == 0, out[-3000:]
    assert differing(tmp_path / "memory", tmp_path / "kafka") == []
    assert os.environ["CARRY_KAFKA_PASSWORD"] not in out


@pytest.mark.parametrize("via", ["variable", "file"])
def test_a_wrong_password_fails_within_seconds_and_is_never_shown(
    url: KafkaUrl, secured: Secured, tmp_path: Path, via: str
) -> None:
    wrong = f"not-{secured.password}"
    if via == "file":
        (tmp_path / "password").write_text(wrong + "\n")
        env = {"CARRY_KAFKA_PASSWORD": "", "CARRY_KAFKA_PASSWORD_FILE": str(tmp_path / "password")}
    else:
        env = {"CARRY_KAFKA_PASSWORD": wrong}
    code, out, took = _carry(["serve", "clock", "--bus", str(url)], env)
    assert code == 2, out[-3000:]
    assert f"cannot reach Kafka at {secured.bootstrap}" in out
    assert f"it refused SCRAM-SHA-512 user '{secured.user}' over TLS" in out
    assert wrong not in out
    assert secured.password not in out
    assert "Traceback" not in out
    assert took < REFUSAL_S


def test_a_plaintext_client_is_turned_away_with_the_fix(secured: Secured) -> None:
    plain = f"kafka://{secured.bootstrap}?namespace=carry.plain"
    env = {"CARRY_KAFKA_USER": secured.user, "CARRY_KAFKA_PASSWORD": secured.password}
    code, out, took = _carry(["serve", "clock", "--bus", plain], env)
    assert code == 2, out[-3000:]
    assert f"cannot reach Kafka at {secured.bootstrap}" in out
    assert "a secured broker needs ?security=sasl_ssl&ca=PATH" in out
    assert secured.password not in out
    assert took < REFUSAL_S


def test_a_broker_certificate_from_an_unknown_ca_is_refused(secured: Secured) -> None:
    system_cas = f"kafka://{secured.bootstrap}?namespace=carry.tls&security=sasl_ssl"
    env = {"CARRY_KAFKA_USER": secured.user, "CARRY_KAFKA_PASSWORD": secured.password}
    code, out, took = _carry(["serve", "clock", "--bus", system_cas], env)
    assert code == 2, out[-3000:]
    assert "its certificate is not trusted" in out
    assert secured.password not in out
    assert took < REFUSAL_S


def test_credentials_in_the_url_are_refused_and_not_repeated(secured: Secured) -> None:
    leaky = f"kafka://{secured.user}:{secured.password}@{secured.bootstrap}?security=sasl_ssl"
    code, out, _ = _carry(["serve", "clock", "--bus", leaky], {})
    assert code == 2, out[-3000:]
    assert "holds credentials: Carry never takes them from a URL" in out
    assert secured.password not in out
    assert f"{secured.user}:" not in out


async def test_the_user_reaches_only_carrys_topics_and_groups(url: KafkaUrl) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=url.bootstrap, **client_options(url))
    await admin.start()
    try:
        created = await admin.create_topics(
            [NewTopic("elsewhere", 1, 1), NewTopic(url.topic("carry.x"), 1, 1)]
        )
    finally:
        await admin.close()
    codes = {name: code for name, code, *_ in created.topic_errors}
    assert codes == {"elsewhere": TOPIC_AUTHORIZATION_FAILED, url.topic("carry.x"): 0}
    consumer = AIOKafkaConsumer(
        url.topic("carry.x"),
        bootstrap_servers=url.bootstrap,
        group_id="elsewhere",
        **client_options(url),
    )
    try:
        with pytest.raises(GroupAuthorizationFailedError), anyio.fail_after(30):
            await consumer.start()
    finally:
        await consumer.stop()
