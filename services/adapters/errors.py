"""Carry's error taxonomy for venue calls, and the translation of ccxt's exceptions.

Every failure of a venue call becomes a `VenueError` of one kind: `retryable` (network,
timeout, venue unavailable), `rate_limited` (HTTP 429/418, rate-limit codes),
`insufficient_funds`, `invalid_order`, `order_not_found`, `auth` or `fatal`. Exchange
codes that ccxt leaves as a plain `ExchangeError` (Binance's futures codes when the
API is not on Binance's own host) are mapped by each exchange's table.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

RETRYABLE = "retryable"
RATE_LIMITED = "rate_limited"
INSUFFICIENT_FUNDS = "insufficient_funds"
INVALID_ORDER = "invalid_order"
ORDER_NOT_FOUND = "order_not_found"
AUTH = "auth"
FATAL = "fatal"
KINDS = (RETRYABLE, RATE_LIMITED, INSUFFICIENT_FUNDS, INVALID_ORDER, ORDER_NOT_FOUND, AUTH, FATAL)
TRANSIENT = (RETRYABLE, RATE_LIMITED)
"""Kinds worth another attempt."""

_CODE = re.compile(r'"(?:code|retCode|sCode)"\s*:\s*"?(-?\d+)"?')


class VenueError(Exception):
    """A venue call failed.

    Attributes:
        kind: one of `KINDS`.
        venue: the venue.
        message: what the venue said, without credentials.
    """

    def __init__(self, kind: str, venue: str, message: str) -> None:
        super().__init__(f"{venue}: {kind}: {message}")
        self.kind = kind
        self.venue = venue
        self.message = message


def classify(error: Exception, codes: Mapping[str, str]) -> str:
    """The taxonomy kind of a ccxt exception (exchange codes first, then the class)."""
    import ccxt.async_support as ccxt  # only live venues need it

    for code in _CODE.findall(str(error)):
        if code in codes:
            return codes[code]
    order: tuple[tuple[type[Exception], str], ...] = (
        (ccxt.RateLimitExceeded, RATE_LIMITED),
        (ccxt.DDoSProtection, RATE_LIMITED),
        (ccxt.AuthenticationError, AUTH),
        (ccxt.PermissionDenied, AUTH),
        (ccxt.InvalidNonce, RETRYABLE),
        (ccxt.NetworkError, RETRYABLE),
        (ccxt.InsufficientFunds, INSUFFICIENT_FUNDS),
        (ccxt.OrderNotFound, ORDER_NOT_FOUND),
        (ccxt.InvalidOrder, INVALID_ORDER),
        (ccxt.OperationFailed, RETRYABLE),
        (TimeoutError, RETRYABLE),
        (OSError, RETRYABLE),
    )
    for cls, kind in order:
        if isinstance(error, cls):
            return kind
    return FATAL


def translate(
    error: Exception, venue: str, codes: Mapping[str, str], secrets: tuple[str, ...]
) -> VenueError:
    """A `VenueError` for `error`, with every secret blanked out of its message."""
    message = str(error) or type(error).__name__
    for secret in secrets:
        if secret:
            message = message.replace(secret, "***")
    return VenueError(classify(error, codes), venue, f"{type(error).__name__}: {message[:500]}")
