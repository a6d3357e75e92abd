"""Secured bus URLs and credentials: only from the environment, never shown."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.errors import ConfigError
from services.runtime.kafka.auth import client_options, credentials, scrub
from services.runtime.kafka.url import parse_kafka_url, shown

SECRET = "hunter2-Secret"


@pytest.mark.parametrize(
    "leaky",
    [
        f"kafka://alice:{SECRET}@h:1",
        f"kafka://alice:{SECRET}@h:1?security=sasl_ssl",
        f"kafka://{SECRET}@h:1",
        f"kafka://alice:{SECRET}@h",
        f"http://alice:{SECRET}@h:1",
        f"://alice:{SECRET}@x@h:1",
        f"kafka:/ǐ/alice:{SECRET}@h:1",
    ],
)
def test_credentials_in_a_url_are_refused_without_repeating_them(leaky: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_kafka_url(leaky)
    message = f"{caught.value}"
    assert "holds credentials" in message
    assert "CARRY_KAFKA_PASSWORD" in message
    assert SECRET not in message
    assert "alice" not in message


@pytest.mark.parametrize(
    "bad", [f"kafka://h:1?password={SECRET}", f"kafka://h:1?sasl_password={SECRET}&x=1"]
)
def test_unknown_options_are_named_but_their_values_hidden(bad: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_kafka_url(bad)
    assert "unknown options" in str(caught.value)
    assert SECRET not in str(caught.value)
    assert SECRET not in shown(bad)


def test_a_secured_url_round_trips_with_its_ca(tmp_path: Path) -> None:
    ca = tmp_path / "ca.pem"
    ca.write_text("-----BEGIN CERTIFICATE-----\n")
    url = parse_kafka_url(f"kafka://h:1?namespace=carry.a&security=sasl_ssl&ca={ca}")
    assert (url.security, url.ca) == ("sasl_ssl", str(ca))
    assert parse_kafka_url(str(url)) == url
    assert parse_kafka_url("kafka://h:1").security == "plaintext"


@pytest.mark.parametrize(
    ("bad", "why"),
    [
        ("kafka://h:1?security=ssl", "security 'ssl' is not one of plaintext, sasl_ssl"),
        ("kafka://h:1?ca=/etc/hostname", "a ca file needs security=sasl_ssl"),
        ("kafka://h:1?security=sasl_ssl&ca=/nowhere/ca.pem", "the CA file /nowhere/ca.pem"),
    ],
)
def test_bad_security_options_are_refused(bad: str, why: str) -> None:
    with pytest.raises(ConfigError, match=why):
        parse_kafka_url(bad)


def test_credentials_come_from_the_variables_or_the_password_file(tmp_path: Path) -> None:
    assert credentials({"CARRY_KAFKA_USER": "u", "CARRY_KAFKA_PASSWORD": SECRET}).password == (
        SECRET
    )
    file = tmp_path / "pw"
    file.write_text(f"{SECRET}\n")
    got = credentials({"CARRY_KAFKA_USER": "u", "CARRY_KAFKA_PASSWORD_FILE": str(file)})
    assert (got.user, got.password) == ("u", SECRET)
    assert SECRET not in repr(got)


@pytest.mark.parametrize(
    ("env", "why"),
    [
        ({"CARRY_KAFKA_PASSWORD": SECRET}, "CARRY_KAFKA_USER is not set"),
        ({"CARRY_KAFKA_USER": "u"}, "needs a password and none is set for u"),
        (
            {
                "CARRY_KAFKA_USER": "u",
                "CARRY_KAFKA_PASSWORD": SECRET,
                "CARRY_KAFKA_PASSWORD_FILE": "f",
            },
            "both CARRY_KAFKA_PASSWORD and CARRY_KAFKA_PASSWORD_FILE are set",
        ),
        (
            {"CARRY_KAFKA_USER": "u", "CARRY_KAFKA_PASSWORD_FILE": "/nowhere/pw"},
            "CARRY_KAFKA_PASSWORD_FILE /nowhere/pw cannot be read",
        ),
    ],
)
def test_missing_or_ambiguous_credentials_are_refused(env: dict[str, str], why: str) -> None:
    with pytest.raises(ConfigError, match=why) as caught:
        credentials(env)
    assert SECRET not in str(caught.value)


def test_a_password_file_of_several_lines_is_refused(tmp_path: Path) -> None:
    file = tmp_path / "pw"
    file.write_text(f"{SECRET}\nsecond\n")
    with pytest.raises(ConfigError, match="holds more than one password") as caught:
        credentials({"CARRY_KAFKA_USER": "u", "CARRY_KAFKA_PASSWORD_FILE": str(file)})
    assert SECRET not in str(caught.value)


def test_clients_of_a_secured_bus_use_scram_over_tls(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CARRY_KAFKA_USER", "u")
    monkeypatch.setenv("CARRY_KAFKA_PASSWORD", SECRET)
    monkeypatch.delenv("CARRY_KAFKA_PASSWORD_FILE", raising=False)
    assert client_options(parse_kafka_url("kafka://h:1")) == {}
    options = client_options(parse_kafka_url("kafka://h:1?security=sasl_ssl"))
    assert options["security_protocol"] == "SASL_SSL"
    assert options["sasl_mechanism"] == "SCRAM-SHA-512"
    assert options["sasl_plain_username"] == "u"
    assert options["ssl_context"].check_hostname
    assert scrub(f"refused {SECRET}!") == "refused ***!"


def test_an_ipv6_broker_round_trips() -> None:
    url = parse_kafka_url("kafka://[::1]:19092")
    assert url.bootstrap == "[::1]:19092"
    assert parse_kafka_url(str(url)) == url
