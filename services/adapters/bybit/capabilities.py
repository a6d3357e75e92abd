"""Bybit's capability table."""

from __future__ import annotations

from typing import Any

from services.adapters.capabilities import Capabilities
from services.adapters.errors import INSUFFICIENT_FUNDS, INVALID_ORDER, ORDER_NOT_FOUND


def _unified_wallet(info: dict[str, Any]) -> dict[str, float]:
    out: dict[str, float] = {}
    for account in info.get("result", {}).get("list", []):
        for coin in account.get("coin", []):
            out[coin["coin"]] = float(coin["walletBalance"])
    return out


CAPABILITIES = Capabilities(
    exchange="bybit",
    options={
        "fetchMarkets": {"types": ["spot", "linear"]},
        "enableUnifiedAccount": True,
        "enableUnifiedMargin": False,
    },
    has={"fetchCurrencies": False},
    keep_url_paths=False,
    error_codes={
        "110007": INSUFFICIENT_FUNDS,
        "110004": INSUFFICIENT_FUNDS,
        "110012": INSUFFICIENT_FUNDS,
        "110017": INVALID_ORDER,
        "110072": INVALID_ORDER,
        "110094": INVALID_ORDER,
        "110001": ORDER_NOT_FOUND,
    },
    spot_balance={"type": "unified"},
    wallet_balance={"type": "funding"},
    margin_balance={"type": "unified"},
    margin_wallet=_unified_wallet,
    spot_account="unified",
    wallet_account="funding",
    margin_account="unified",
    funding_sign=-1.0,  # Bybit's funding `execFee` is positive when the account pays
    lookup_by_link_id=True,
    network=lambda n: {"network": n},
)
