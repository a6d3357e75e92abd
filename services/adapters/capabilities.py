"""What differs between exchanges, as data: one `Capabilities` per exchange subpackage."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

WalletReader = Callable[[dict[str, Any]], dict[str, float]]


@dataclass(frozen=True)
class Capabilities:
    """One exchange's specifics.

    Attributes:
        exchange: the ccxt id.
        options: ccxt options that keep calls minimal (no currency or margin-pair loads).
        has: ccxt `has` flags to switch off.
        keep_url_paths: the API URL override keeps each base URL's path (Binance's
            `/api/v3`, `/fapi/v1`, ...).
        error_codes: exchange codes -> taxonomy kind, for errors ccxt leaves generic.
        spot_balance: `fetch_balance` params of the account spot assets settle in.
        wallet_balance: `fetch_balance` params of the account deposits and Carry's
            wallet live in.
        margin_balance: `fetch_balance` params of the perp margin account.
        margin_wallet: reads the margin account's wallet balances (without unrealised
            P&L) from the raw balance response.
        spot_account / wallet_account / margin_account: ccxt account names for `transfer`.
        funding_sign: multiplies ccxt's funding-history amount into "received > 0".
        lookup_by_link_id: look orders up by client id through open/closed order lists
            (`orderLinkId`) instead of `fetch_order`.
        network: ccxt withdrawal params for a network name.
        deposit_network: ccxt deposit-address params for a network name.
        raw_deposit_address: reads the address through the exchange's own endpoint where
            ccxt's unified parser needs currency data Carry does not load.
    """

    exchange: str
    options: Mapping[str, Any]
    has: Mapping[str, bool]
    keep_url_paths: bool
    error_codes: Mapping[str, str]
    spot_balance: Mapping[str, Any]
    wallet_balance: Mapping[str, Any]
    margin_balance: Mapping[str, Any]
    margin_wallet: WalletReader
    spot_account: str
    wallet_account: str
    margin_account: str
    funding_sign: float = 1.0
    lookup_by_link_id: bool = False
    network: Callable[[str], dict[str, Any]] = field(default=lambda n: {"network": n})
    deposit_network: Callable[[str], dict[str, Any]] = field(default=lambda n: {"network": n})
    raw_deposit_address: Callable[[Any, str], Awaitable[str]] | None = None
