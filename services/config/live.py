"""The live part of a run's configuration: venues, switches, limits and reconciliation.

It travels inside `RunConfig` (and so in `RunStarted`), so an actor process needs nothing
but the bus and its own environment. It names the environment variables and files that
hold secrets, never their values: secrets are read by the process that uses them.
"""

from __future__ import annotations

from typing import Annotated

import msgspec

NonNegative = Annotated[float, msgspec.Meta(ge=0)]
Positive = Annotated[float, msgspec.Meta(gt=0)]

SYSTEM_TIME = "system"
"""Time source: this machine's clock (UTC)."""


class LiveVenue(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """One venue of a live run, as the venues file declares it.

    Attributes:
        kind: the venue kind (`cex`; an on-chain kind plugs in the same way).
        exchange: the ccxt exchange id (`binance`, `bybit`, `okx`).
        api_url: base URL replacing the exchange's own (a rehearsal server); "" = real.
        key_env / secret_env / password_env: environment variables holding the API key,
            secret and (OKX) passphrase.
        key_file / secret_file / password_file: files holding them instead.
        rate_limit_ms: spacing of requests (0: ccxt's default throttling).
        timeout_ms: HTTP timeout of one request.
        network: the chain used to move funds to and from this venue.
        aave_provider: kind `chain`: the Aave v3 PoolAddressesProvider (the market is
            found from it); `api_url` is the node's RPC URL, `key_env`/`key_file` the
            wallet's private key.
        loop: kind `chain`: the wallet's `CarryLoop` contract ("" = none, no loop orders).
        address: kind `chain`: the wallet to read when no private key is given (paper).
        confirmations: kind `chain`: blocks a transaction must have.
        tx_timeout_s: kind `chain`: how long to wait for a transaction before it counts
            as dropped.
        api_url_env: an environment variable holding `api_url` instead (an RPC URL with
            a provider's key in it is a secret: it is then never recorded).
    """

    kind: str = "cex"
    exchange: str
    api_url: str = ""
    key_env: str = ""
    secret_env: str = ""
    password_env: str = ""
    key_file: str = ""
    secret_file: str = ""
    password_file: str = ""
    rate_limit_ms: Annotated[int, msgspec.Meta(ge=0)] = 0
    timeout_ms: Annotated[int, msgspec.Meta(gt=0)] = 10_000
    network: str = "TRC20"
    aave_provider: str = ""
    loop: str = ""
    address: str = ""
    confirmations: Annotated[int, msgspec.Meta(ge=1)] = 1
    tx_timeout_s: Annotated[float, msgspec.Meta(gt=0)] = 180.0
    api_url_env: str = ""

    @property
    def has_credentials(self) -> bool:
        """True if the file names a key for this venue."""
        return bool(self.key_env or self.key_file)


class LiveConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """How a live (or paper, or rehearsal) run reaches its venues.

    Attributes:
        venues: venue name (the position-key prefix) -> its declaration.
        wallet: the venue whose spot account is Carry's wallet (`wallet:` keys).
        trade: True sends real orders; False is paper (Carry's simulator fills them).
        time_source: `system`, or a venue whose server time drives the clock.
        max_order_notional: largest notional (USDT) of one trade (0: no limit, paper only).
        max_daily_loss: equity loss (share class) within a UTC day that stops trading.
        reconciliation_tolerance: differences worth less than this (share class) are
            applied silently.
        reconciliation_halt: a difference worth more than this fraction of equity stops
            new orders until an operator acknowledges it.
        retries: attempts of a failed venue call before the step goes on without it.
        backoff_s: first retry delay, doubled on each attempt.
        seed_from_venues: the run starts from the venues' balances, not from `capital`.
    """

    venues: dict[str, LiveVenue]
    wallet: str = ""
    trade: bool = False
    time_source: str = SYSTEM_TIME
    max_order_notional: NonNegative = 0.0
    max_daily_loss: NonNegative = 0.0
    reconciliation_tolerance: NonNegative = 0.01
    reconciliation_halt: Positive = 0.05
    retries: Annotated[int, msgspec.Meta(ge=1, le=20)] = 4
    backoff_s: NonNegative = 0.5
    seed_from_venues: bool = False
