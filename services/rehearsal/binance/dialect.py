"""Binance spot and USD-M futures as ccxt calls them (bare JSON, `{code,msg}` errors,
`X-MBX-APIKEY` + HMAC-SHA256 hex of the query or form body).

Accounts: spot trades and deposits settle in `spot`; the futures wallet is `margin`.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from aiohttp import web

from services.rehearsal.binance.account import BinanceAccount
from services.rehearsal.book import Reject
from services.rehearsal.wire import hmac_hex, json_response

ERRORS = {
    "not_found": (-2013, "Order does not exist."),
    "duplicate": (-2010, "Duplicate order sent."),
}
SPOT_FUNDS = "Account has insufficient balance for requested action."


class Binance(BinanceAccount):
    """Binance's REST subset."""

    name = "binance"

    def register(self) -> None:
        """Routes by (method, path)."""
        r = self.routes
        for prefix, kind in (("/api/v3", "spot"), ("/fapi/v1", "perp")):
            r["GET", f"{prefix}/exchangeInfo"] = partial(self.exchange_info, kind)
            r["GET", f"{prefix}/time"] = self.time
            r["GET", f"{prefix}/ticker/24hr"] = partial(self.tickers, kind)
            r["GET", f"{prefix}/klines"] = partial(self.klines, kind)
            r["POST", f"{prefix}/order"] = partial(self.create, kind)
            r["GET", f"{prefix}/order"] = partial(self.get_order, kind)
            r["DELETE", f"{prefix}/order"] = partial(self.cancel, kind)
            r["GET", f"{prefix}/openOrders"] = partial(self.open_orders, kind)
        r["GET", "/fapi/v1/markPriceKlines"] = lambda p: self.klines("perp", p)
        r["GET", "/fapi/v1/premiumIndex"] = self.premium_index
        r["GET", "/fapi/v1/fundingRate"] = self.funding_history
        r["GET", "/api/v3/account"] = self.spot_account
        r["GET", "/fapi/v3/account"] = self.futures_account
        r["GET", "/fapi/v2/account"] = self.futures_account
        r["GET", "/fapi/v1/leverageBracket"] = self.brackets
        r["GET", "/fapi/v3/positionRisk"] = self.position_risk
        r["GET", "/fapi/v2/positionRisk"] = self.position_risk
        r["GET", "/api/v3/myTrades"] = lambda p: self.my_trades("spot", p)
        r["GET", "/fapi/v1/userTrades"] = lambda p: self.my_trades("perp", p)
        r["GET", "/fapi/v1/income"] = self.income
        r["POST", "/sapi/v1/asset/transfer"] = self.transfer
        r["POST", "/sapi/v1/capital/withdraw/apply"] = self.withdraw
        r["GET", "/sapi/v1/capital/deposit/address"] = self.deposit_address

    # -- protocol -------------------------------------------------------------------
    def private(self, path: str) -> bool:
        """Account, order, trade and wallet paths."""
        return path.startswith("/sapi") or any(
            path.endswith(s)
            for s in (
                "/account",
                "/order",
                "/openOrders",
                "/myTrades",
                "/userTrades",
                "/income",
                "/leverageBracket",
                "/positionRisk",
            )
        )

    def authenticate(self, request: web.Request, raw: str) -> web.Response | None:
        """Key header, then the HMAC of the signed parameter string."""
        if request.headers.get("X-MBX-APIKEY") != self.credentials.key:
            return json_response(
                {"code": -2015, "msg": "Invalid API-key, IP, or permissions for action."}, 401
            )
        signed = raw if "signature=" in raw else request.query_string
        payload, _, signature = signed.rpartition("&signature=")
        if not signature or hmac_hex(self.credentials.secret, payload) != signature:
            return json_response(
                {"code": -1022, "msg": "Signature for this request is not valid."}, 400
            )
        return None

    def ok(self, payload: Any) -> web.Response:
        """Bare JSON."""
        return json_response(payload)

    def error(self, reject: Reject, path: str) -> web.Response:
        """`{code, msg}` with HTTP 400; margin and filter failures as on the futures API."""
        if reject.kind == "insufficient_funds":
            code, msg = (
                (-2019, "Margin is insufficient.")
                if path.startswith("/fapi")
                else (-2010, SPOT_FUNDS)
            )
        elif reject.kind == "invalid_order":
            code, msg = (
                (-2022, reject.message)
                if "ReduceOnly" in reject.message
                else (-1013, f"Filter failure: {reject.message}")
            )
        else:
            code, msg = ERRORS[reject.kind]
        return json_response({"code": code, "msg": msg}, 400)

    def empty(self) -> web.Response:
        """`{}`."""
        return json_response({})
