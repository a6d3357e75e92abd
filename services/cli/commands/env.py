"""Environment variables the commands read, and the bus URL helper."""

from __future__ import annotations

import os

from services.errors import ConfigError
from services.runtime.kafka.url import KafkaUrl, is_memory, parse_kafka_url

ENV_BUS = "CARRY_BUS"
ENV_ACTORS = "CARRY_ACTORS"
ENV_INSTANCE = "CARRY_INSTANCE"
ENV_DATA = "CARRY_DATA"
ENV_LOG_LEVEL = "CARRY_LOG_LEVEL"
ENV_LOG_FORMAT = "CARRY_LOG_FORMAT"
ENV_METRICS_ADDR = "CARRY_METRICS_ADDR"

BUS_HELP = "kafka://HOST:PORT[?partitions=N&namespace=NAME] (default: $CARRY_BUS)"


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
