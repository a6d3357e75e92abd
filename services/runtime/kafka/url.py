"""Bus URLs: `memory://` or
`kafka://HOST:PORT[?partitions=N&namespace=NAME&retention=T&security=sasl_ssl&ca=PATH]`.

The namespace prefixes every topic and consumer-group name, so tests (and parallel
deployments) can share one broker without seeing each other's records. `retention`
(e.g. `7d`, `12h`, `30m`) is how long the topics Carry creates keep their records.
`security=sasl_ssl` connects over TLS (trusting the CA file `ca`, else the system's)
and authenticates with SCRAM-SHA-512; the credentials come only from the environment
(`auth`): a URL holding any is refused, and no message repeats them.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from urllib.parse import parse_qs, quote, urlsplit

from services.errors import ConfigError

DEFAULT_PARTITIONS = 4
DEFAULT_RETENTION_MS = 7 * 24 * 3600 * 1000
"""A week: long enough to export or replay a run, short enough that topics stay small."""
_NAME = re.compile(r"^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$")
_DURATION = re.compile(r"^(\d{1,9})(ms|s|m|h|d)$")
_UNIT_MS = {"ms": 1, "s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000}
_FIX = (
    "use kafka://HOST:PORT[?partitions=N&namespace=NAME&retention=7d"
    "&security=sasl_ssl&ca=PATH] or memory://"
)
_OPTIONS = ("partitions", "namespace", "retention", "security", "ca")
SECURITIES = ("plaintext", "sasl_ssl")


@dataclass(frozen=True)
class KafkaUrl:
    """Where the broker is and how this deployment names its topics.

    Attributes:
        host: broker host (use a literal 127.0.0.1 locally, not localhost).
        port: broker port.
        partitions: partitions per topic when Carry creates the topics.
        namespace: prefix of every topic and group name ("" for none).
        retention_ms: how long topics Carry creates keep records.
        security: `plaintext` or `sasl_ssl` (TLS and SCRAM-SHA-512).
        ca: sasl_ssl: the CA file that signed the broker's certificate ("": the system's).
    """

    host: str
    port: int
    partitions: int = DEFAULT_PARTITIONS
    namespace: str = ""
    retention_ms: int = DEFAULT_RETENTION_MS
    security: str = "plaintext"
    ca: str = ""

    @property
    def bootstrap(self) -> str:
        """`HOST:PORT` for the Kafka clients (`[HOST]:PORT` for an IPv6 address)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"

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
        if self.retention_ms != DEFAULT_RETENTION_MS:
            query.append(f"retention={self.retention_ms}ms")
        if self.security != "plaintext":
            query.append(f"security={self.security}")
        if self.ca:
            query.append(f"ca={quote(self.ca, safe='/')}")
        return f"kafka://{self.bootstrap}" + (f"?{'&'.join(query)}" if query else "")


def is_memory(url: str | None) -> bool:
    """True for the in-process bus (`memory`, `memory://` or nothing)."""
    return not url or url in ("memory", "memory://")


def _userinfo(url: str) -> bool:
    """Whether `url` holds anything before an `@` ahead of its query (credentials,
    however malformed the rest)."""
    return "@" in url.partition("?")[0]


def shown(url: str) -> str:
    """`url` as messages may show it: nothing before an `@` (credentials), and the values
    of options that are not Carry's hidden (they might be secrets)."""
    head, _, query_text = url.partition("?")
    if "@" in head:
        scheme, sep, _ = head.partition("://")
        head = f"{scheme if sep else ''}{sep}***@{head.rpartition('@')[2]}"
    try:
        query = parse_qs(query_text, keep_blank_values=True)
    except ValueError:
        return head + ("?***" if query_text else "")
    pairs = [f"{k}={v[-1] if k in _OPTIONS else '***'}" for k, v in query.items()]
    return head + (f"?{'&'.join(pairs)}" if pairs else "")


def parse_kafka_url(url: str) -> KafkaUrl:
    """Parse a `kafka://` URL; raise `ConfigError` naming the bad part (never a secret)."""
    if _userinfo(url):
        raise ConfigError(
            f"bus {shown(url)} holds credentials: Carry never takes them from a URL",
            "remove them from the URL; give the user in CARRY_KAFKA_USER and the password in "
            "CARRY_KAFKA_PASSWORD or a file named by CARRY_KAFKA_PASSWORD_FILE, with "
            "?security=sasl_ssl",
        )
    try:
        parts = urlsplit(url)
    except ValueError as e:
        raise ConfigError(f"bus {shown(url)} is not a URL: {e}", _FIX) from e
    url = shown(url)
    if parts.scheme != "kafka" or not parts.hostname:
        raise ConfigError(f"bus {url!r} is not a kafka:// URL", _FIX)
    try:
        port = parts.port
    except ValueError as e:
        raise ConfigError(f"bus {url!r} has a bad port: {e}", _FIX) from e
    if port is None:
        raise ConfigError(f"bus {url!r} names no port", _FIX)
    query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
    unknown = sorted(set(query) - set(_OPTIONS))
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
    security, ca = _security(url, query)
    return KafkaUrl(parts.hostname, port, int(raw), namespace, _retention(url, query), security, ca)


def _security(url: str, query: dict[str, str]) -> tuple[str, str]:
    security = query.get("security", "plaintext")
    if security not in SECURITIES:
        raise ConfigError(
            f"bus {url!r}: security {security!r} is not one of {', '.join(SECURITIES)}", _FIX
        )
    ca = query.get("ca", "")
    if ca and security != "sasl_ssl":
        raise ConfigError(f"bus {url!r}: a ca file needs security=sasl_ssl", _FIX)
    if ca and not os.path.isfile(ca):
        raise ConfigError(
            f"bus {url!r}: the CA file {ca} does not exist",
            "give the PEM file of the CA that signed the broker's certificate "
            "(deploy/kafka/kafka.sh writes it to .kafka/ca.pem)",
        )
    return security, os.path.abspath(ca) if ca else ""


def _retention(url: str, query: dict[str, str]) -> int:
    raw = query.get("retention")
    if raw is None:
        return DEFAULT_RETENTION_MS
    found = _DURATION.match(raw)
    if not found or int(found[1]) == 0:
        raise ConfigError(
            f"bus {url!r}: retention {raw!r} is not a duration such as 7d, 12h, 30m", _FIX
        )
    return int(found[1]) * _UNIT_MS[found[2]]
