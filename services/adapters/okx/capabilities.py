"""OKX's capability table."""

from __future__ import annotations

from typing import Any

from services.adapters.capabilities import Capabilities
from services.adapters.errors import INSUFFICIENT_FUNDS, INVALID_ORDER, ORDER_NOT_FOUND


def _trading_wallet(info: dict[str, Any]) -> dict[str, float]:
    out: dict[str, float] = {}
    for account in info.get("data", []):
        for d in account.get("details", []):
            out[d["ccy"]] = float(d.get("cashBal") or 0.0)
    return out


async def _deposit_address(exchange: Any, asset: str) -> str:
    response = await exchange.privateGetAssetDepositAddress({"ccy": asset})
    rows = [r for r in response.get("data", []) if r.get("selected", True)]
    return str(rows[0]["addr"])


CAPABILITIES = Capabilities(
    exchange="okx",
    options={
        "fetchMarkets": {"types": ["spot", "swap"]},
        "createOrder": "privatePostTradeOrder",
    },
    has={},  # currencies are loaded: their precision cuts transfer and withdrawal amounts
    keep_url_paths=False,
    error_codes={
        "51008": INSUFFICIENT_FUNDS,
        "51119": INSUFFICIENT_FUNDS,
        "51016": INVALID_ORDER,
        "51020": INVALID_ORDER,
        "51121": INVALID_ORDER,
        "51400": ORDER_NOT_FOUND,
        "51603": ORDER_NOT_FOUND,
    },
    spot_balance={"type": "trading"},
    wallet_balance={"type": "funding"},
    margin_balance={"type": "trading"},
    margin_wallet=_trading_wallet,
    spot_account="trading",
    wallet_account="funding",
    margin_account="trading",
    network=lambda n: {"network": n, "fee": "0"},
    raw_deposit_address=_deposit_address,
)
