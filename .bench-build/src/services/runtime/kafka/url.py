"""Bus URLs: `memory://` or `kafka://HOST:PORT[?partitions=N&namespace=NAME]`.

The namespace prefixes every topic and consumer-group name, so tests (and parallel
deployments) can share one broker without seeing each other's records.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from services.errors import ConfigError

DEFAULT_PARTITIONS = 4
_NAME = re.compile(r"^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$")
_FIX = "use kafka://HOST:PORT[?partitions=N&namespace=NAME] or memory://"


@dataclass(frozen=True)
class KafkaUrl:
    """Where the broker is and how this deployment names its topics.

    Attributes:
        host: broker host (use a literal 127.0.0.1 locally, not localhost).
        port: broker port.
        partitions: partitions per topic when Carry creates the topics.
        namespace: prefix of every topic and group name ("" for none).
    """

    host: str
    port: int
    partitions: int = DEFAULT_PARTITIONS
    namespace: str = ""

    @property
    def bootstrap(self) -> str:
        """`HOST:PORT` for the Kafka clients."""
        return f"{self.host}:{self.port}"

    def topic(self, base: str) -> str:
        """The broker-side name of topic `base`."""
        return f"{self.namespace}.{base}" if self.namespace else base

    def base(self, name: str) -> str:
        """The topic constant behind a broker-side name."""
        prefix = f"{self.namespace}." if self.namespace else ""
        return name[len(prefix) :] if prefix and name.startswith(prefix) else name

    def group(self, kind: str) -> str:
        """Consumer group of actor kind `kind`: `carry[.namespace].<kind>`."""
        return ".".join(p for p in ("carry", self.namespace, kind) if p)

    def __str__(self) -> str:
        query = [f"partitions={self.partitions}"] if self.partitions != DEFAULT_PARTITIONS else []
        if self.namespace:
            query.append(f"namespace={self.namespace}")
        return f"kafka://{self.bootstrap}" + (f"?{'&'.join(query)}" if query else "")


def is_memory(url: str | None) -> bool:
    """True for the in-process bus (`memory`, `memory://` or nothing)."""
    return not url or url in ("memory", "memory://")


def parse_kafka_url(url: str) -> KafkaUrl:
    """Parse a `kafka://` URL; raise `ConfigError` naming the bad part."""
    parts = urlsplit(url)
    if parts.scheme != "kafka" or not parts.hostname:
        raise ConfigError(f"bus {url!r} is not a kafka:// URL", _FIX)
    try:
        port = parts.port
    except ValueError as e:
        raise ConfigError(f"bus {url!r} has a bad port: {e}", _FIX) from e
    if port is None:
        raise ConfigError(f"bus {url!r} names no port", _FIX)
    query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
    unknown = sorted(set(query) - {"partitions", "namespace"})
    if unknown:
        raise ConfigError(f"bus {url!r} has unknown options {unknown}", _FIX)
    raw = query.get("partitions", str(DEFAULT_PARTITIONS))
    if not raw.isdigit() or not 1 <= int(raw) <= 1024:
        raise ConfigError(f"bus {url!r}: partitions must be 1..1024, was {raw!r}", _FIX)
    namespace = query.get("namespace", "")
    if namespace and not _NAME.match(namespace):
        raise ConfigError(
            f"bus {url!r}: namespace {namespace!r} may hold only letters, digits, '.', '_', '-'",
            _FIX,
        )
    return KafkaUrl(parts.hostname, port, int(raw), namespace)
