"""Credentials and TLS for a secured bus (`?security=sasl_ssl`).

The user comes from `CARRY_KAFKA_USER`, the password from `CARRY_KAFKA_PASSWORD` or
the file named by `CARRY_KAFKA_PASSWORD_FILE` (its content without the final newline).
They are read when a client is made, never from a URL, and no message, log record or
output file repeats the password.
"""

from __future__ import annotations

import contextlib
import os
import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import anyio
from aiokafka.conn import create_conn
from aiokafka.errors import AuthenticationFailedError, KafkaError, SaslAuthenticationFailed
from aiokafka.helpers import create_ssl_context

from services.errors import ConfigError
from services.runtime.kafka.url import KafkaUrl

ENV_USER = "CARRY_KAFKA_USER"
ENV_PASSWORD = "CARRY_KAFKA_PASSWORD"  # noqa: S105 - the variable's name, not a password
ENV_PASSWORD_FILE = "CARRY_KAFKA_PASSWORD_FILE"  # noqa: S105 - likewise
MECHANISM = "SCRAM-SHA-512"
_FIX = (
    f"set {ENV_USER} and {ENV_PASSWORD} (or {ENV_PASSWORD_FILE}, a file holding only the "
    "password) to the SCRAM user of the broker"
)


@dataclass(frozen=True)
class Credentials:
    """A SCRAM user (the password never shows in a repr)."""

    user: str
    password: str = field(repr=False)


def credentials(env: Mapping[str, str] | None = None) -> Credentials:
    """The bus credentials from the environment; `ConfigError` if they are missing."""
    env = os.environ if env is None else env
    user = env.get(ENV_USER, "")
    if not user:
        raise ConfigError(f"a sasl_ssl bus needs a user and {ENV_USER} is not set", _FIX)
    password = env.get(ENV_PASSWORD, "")
    path = env.get(ENV_PASSWORD_FILE, "")
    if password and path:
        raise ConfigError(
            f"both {ENV_PASSWORD} and {ENV_PASSWORD_FILE} are set",
            f"set only one of them (prefer {ENV_PASSWORD_FILE})",
        )
    if path:
        try:
            with open(path, encoding="utf-8") as f:
                password = f.read(64 * 1024 + 1).rstrip("\r\n")
        except (OSError, UnicodeDecodeError) as e:
            reason = e.strerror if isinstance(e, OSError) else "it is not UTF-8 text"
            raise ConfigError(f"{ENV_PASSWORD_FILE} {path} cannot be read: {reason}", _FIX) from e
        if len(password) > 64 * 1024 or "\n" in password:
            raise ConfigError(f"{ENV_PASSWORD_FILE} {path} holds more than one password", _FIX)
    if not password:
        raise ConfigError(f"a sasl_ssl bus needs a password and none is set for {user}", _FIX)
    return Credentials(user, password)


def client_options(url: KafkaUrl) -> dict[str, Any]:
    """The aiokafka client arguments that secure a connection to `url` (none for
    plaintext)."""
    if url.security == "plaintext":
        return {}
    creds = credentials()
    return {
        "security_protocol": "SASL_SSL",
        "ssl_context": tls_context(url),
        "sasl_mechanism": MECHANISM,
        "sasl_plain_username": creds.user,
        "sasl_plain_password": creds.password,
    }


def tls_context(url: KafkaUrl) -> ssl.SSLContext:
    """Verifies the broker's certificate and host name against `url.ca` (or the system's
    CAs)."""
    try:
        context: ssl.SSLContext = create_ssl_context(cafile=url.ca or None)
    except (OSError, ssl.SSLError) as e:
        raise ConfigError(
            f"the CA file {url.ca} is not a PEM certificate: {e}",
            "give the CA that signed the broker's certificate (.kafka/ca.pem)",
        ) from e
    return context


def secured(url: KafkaUrl) -> str:
    """How a message describes the connection to `url`."""
    if url.security == "plaintext":
        return "plaintext"
    user = os.environ.get(ENV_USER, "")
    return f"{MECHANISM} user {user!r} over TLS"


def scrub(text: str) -> str:
    """`text` with the bus password (if any is set) blotted out."""
    password = os.environ.get(ENV_PASSWORD, "")
    path = os.environ.get(ENV_PASSWORD_FILE, "")
    if not password and path:
        with contextlib.suppress(OSError, UnicodeDecodeError), open(path, encoding="utf-8") as f:
            password = f.read(64 * 1024).rstrip("\r\n")
    return text.replace(password, "***") if password else text


async def refusal(url: KafkaUrl, timeout_s: float) -> str:
    """Why a connection to a secured `url` fails: TLS or authentication ("" if it does
    not, or `url` is plaintext)."""
    if url.security == "plaintext":
        return ""
    try:
        with anyio.fail_after(timeout_s):
            conn = await create_conn(url.host, url.port, **client_options(url))
        conn.close()
    except ssl.SSLCertVerificationError as e:
        return f"its certificate is not trusted ({e.verify_message}; ca={url.ca or 'system'})"
    except (AuthenticationFailedError, SaslAuthenticationFailed) as e:
        return f"it refused {secured(url)}: {e}"
    except (KafkaError, OSError, TimeoutError) as e:
        return f"{type(e).__name__}: {e}"
    return ""
