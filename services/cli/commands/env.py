"""Environment variables the commands read, and the bus URL helper."""

from __future__ import annotations

import argparse
import math
import os

from services.errors import ConfigError
from services.runtime.kafka.url import KafkaUrl, is_memory, parse_kafka_url
from services.runtime.kafka.watch import DEFAULT_BROKER_TIMEOUT_S

ENV_BUS = "CARRY_BUS"
ENV_ACTORS = "CARRY_ACTORS"
ENV_INSTANCE = "CARRY_INSTANCE"
ENV_DATA = "CARRY_DATA"
ENV_LOG_LEVEL = "CARRY_LOG_LEVEL"
ENV_LOG_FORMAT = "CARRY_LOG_FORMAT"
ENV_METRICS_ADDR = "CARRY_METRICS_ADDR"
ENV_BROKER_TIMEOUT = "CARRY_BROKER_TIMEOUT"

BUS_HELP = (
    "kafka://HOST:PORT[?partitions=N&namespace=NAME&retention=7d&security=sasl_ssl&ca=PATH]"
    " (default: $CARRY_BUS)"
)


def env_bus() -> str | None:
    """The bus URL from the environment, if any."""
    return os.environ.get(ENV_BUS) or None


def kafka_url(bus: str | None, what: str) -> KafkaUrl:
    """The Kafka URL of `--bus`; `ConfigError` if there is none."""
    if is_memory(bus):
        raise ConfigError(
            f"{what} needs a Kafka bus", f"pass --bus kafka://HOST:PORT or set {ENV_BUS}"
        )
    return parse_kafka_url(str(bus))


def add_broker_timeout(parser: argparse.ArgumentParser) -> None:
    """`--broker-timeout SECONDS` (default `$CARRY_BROKER_TIMEOUT`, else 120)."""
    parser.add_argument(
        "--broker-timeout",
        type=_seconds,
        default=os.environ.get(ENV_BROKER_TIMEOUT) or DEFAULT_BROKER_TIMEOUT_S,
        metavar="SECONDS",
        help=f"kafka: fail once the broker has not answered for this long "
        f"(${ENV_BROKER_TIMEOUT}; default {DEFAULT_BROKER_TIMEOUT_S:.0f})",
    )


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or not 1 <= value <= 86_400:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a number of seconds from 1 to 86400 (also ${ENV_BROKER_TIMEOUT})"
        )
    return value
