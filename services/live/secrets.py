"""API credentials, read only from the environment or from secret files.

A value never appears in a log, an error, an event or an output file: errors name the
variable or file, and `Secrets.values` lets error paths blank them out.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from services.config.live import LiveVenue
from services.errors import ConfigError


@dataclass(frozen=True)
class Secrets:
    """One venue's credentials (empty strings: none, public data only)."""

    key: str = ""
    secret: str = ""
    password: str = ""

    @property
    def values(self) -> tuple[str, ...]:
        """Every non-empty secret (to blank out of messages)."""
        return tuple(v for v in (self.key, self.secret, self.password) if v)

    def __repr__(self) -> str:
        return "Secrets(***)"


def _read(venue: str, what: str, env: str, file: str) -> str:
    if env:
        value = os.environ.get(env, "")
        if not value:
            raise ConfigError(
                f"venue {venue}: the environment variable {env} (its API {what}) is not set",
                f"export {env}=... before starting, or name a {what}_file in the venues file",
            )
        return value.strip()
    if file:
        path = Path(file).expanduser()
        try:
            value = path.read_text(encoding="utf-8").strip()
        except OSError as e:
            raise ConfigError(
                f"venue {venue}: cannot read the API {what} file {path}: {e.strerror}",
                f"create {path} holding only the {what}, readable by this user",
            ) from None
        if not value:
            raise ConfigError(
                f"venue {venue}: the API {what} file {path} is empty",
                f"write the {what} into {path}",
            )
        return value
    return ""


def rpc_url(venue: str, spec: LiveVenue) -> str:
    """A chain venue's RPC URL: the value of `api_url_env`, else `api_url`; `ConfigError`
    if it names neither."""
    env = spec.api_url_env
    url = os.environ.get(env, "").strip() if env else spec.api_url
    if env and not url:
        raise ConfigError(
            f"venue {venue}: the environment variable {env} (its RPC URL) is not set",
            f"export {env}=https://... before starting",
        )
    if not url:
        raise ConfigError(
            f"venue {venue}: a chain venue needs its node's RPC URL",
            "set api_url_env (an environment variable holding it) or api_url",
        )
    return url


def read_secrets(venue: str, spec: LiveVenue) -> Secrets:
    """The credentials `spec` names; raise `ConfigError` naming what is missing."""
    key = _read(venue, "key", spec.key_env, spec.key_file)
    if spec.kind == "chain":
        return Secrets(key)  # the wallet's private key: it signs, there is no API secret
    secret = _read(venue, "secret", spec.secret_env, spec.secret_file)
    password = _read(venue, "passphrase", spec.password_env, spec.password_file)
    if bool(key) != bool(secret):
        raise ConfigError(
            f"venue {venue}: an API key needs its secret (and a secret its key)",
            "name both key_env/secret_env (or key_file/secret_file) in the venues file",
        )
    if key and spec.exchange == "okx" and not password:
        raise ConfigError(
            f"venue {venue}: OKX needs the API passphrase as well",
            "name password_env or password_file in the venues file",
        )
    return Secrets(key, secret, password)
