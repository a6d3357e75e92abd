"""Build a ccxt async exchange for a venue: options, URL override, credentials."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from services.adapters.capabilities import Capabilities
from services.adapters.registry import EXCHANGES
from services.config.live import LiveVenue
from services.errors import ConfigError
from services.live.secrets import Secrets


def capabilities(venue: str, spec: LiveVenue) -> Capabilities:
    """The capability table of `spec.exchange`; raise `ConfigError` for an unknown one."""
    caps = EXCHANGES.get(spec.exchange)
    if caps is None:
        raise ConfigError(
            f"venue {venue}: unknown exchange {spec.exchange!r}",
            f"use one of: {', '.join(sorted(EXCHANGES))}",
        )
    return caps


def make_exchange(venue: str, spec: LiveVenue, secrets: Secrets) -> Any:
    """A configured (not yet loaded) ccxt async exchange."""
    import ccxt.async_support as ccxt  # 0.5 s to import: only live venues need it

    caps = capabilities(venue, spec)
    config: dict[str, Any] = {
        "apiKey": secrets.key,
        "secret": secrets.secret,
        "password": secrets.password,
        "timeout": spec.timeout_ms,
        # Amounts are cut to the currency's precision, never rounded above what is held.
        "options": {"currencyToPrecisionRoundingMode": ccxt.TRUNCATE, **caps.options},
    }
    if spec.rate_limit_ms:
        config["rateLimit"] = spec.rate_limit_ms
    exchange = getattr(ccxt, caps.exchange)(config)
    for name, value in caps.has.items():
        exchange.has[name] = value
    if spec.api_url:
        override_urls(exchange, spec.api_url, caps.keep_url_paths)
    return exchange


def override_urls(exchange: Any, base: str, keep_paths: bool) -> None:
    """Point every API base URL at `base`, keeping each URL's path where the exchange's
    signing needs it (Binance's `/api/v3`, `/fapi/v1`, `/sapi/v1`, ...)."""
    base = base.rstrip("/")
    api = exchange.urls["api"]
    for name, url in list(api.items()):
        path = urlsplit(url.replace("{hostname}", "host")).path if keep_paths else ""
        api[name] = base + path
