"""Binance's capability table."""

from __future__ import annotations

from typing import Any

from services.adapters.capabilities import Capabilities
from services.adapters.errors import AUTH, INSUFFICIENT_FUNDS, INVALID_ORDER, ORDER_NOT_FOUND


def _futures_wallet(info: dict[str, Any]) -> dict[str, float]:
    return {a["asset"]: float(a["walletBalance"]) for a in info.get("assets", [])}


CAPABILITIES = Capabilities(
    exchange="binance",
    options={
        "fetchCurrencies": False,
        "fetchMargins": False,
        "fetchMarkets": {"types": ["spot", "linear"]},
        "fetchOpenOrders": {"warnWithoutSymbol": False},
    },
    has={},
    keep_url_paths=True,
    # Off Binance's own hosts ccxt raises these futures codes as plain ExchangeError.
    error_codes={
        "-2019": INSUFFICIENT_FUNDS,
        "-2018": INSUFFICIENT_FUNDS,
        "-4164": INVALID_ORDER,
        "-2022": INVALID_ORDER,
        "-1013": INVALID_ORDER,
        "-1111": INVALID_ORDER,
        "-2013": ORDER_NOT_FOUND,
        "-2011": ORDER_NOT_FOUND,
        "-2015": AUTH,
        "-1022": AUTH,
    },
    spot_balance={"type": "spot"},
    wallet_balance={"type": "spot"},
    margin_balance={"type": "future"},
    margin_wallet=_futures_wallet,
    spot_account="spot",
    wallet_account="spot",
    margin_account="linear",
)
