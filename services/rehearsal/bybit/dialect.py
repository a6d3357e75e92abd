"""Bybit v5 as ccxt calls it (`{retCode, retMsg, result, time}` with HTTP 200 even on
errors; `X-BAPI-*` headers with HMAC-SHA256 hex of timestamp + key + recvWindow +
query or body).

Accounts: the unified account (`UNIFIED`, the book's `margin`) holds spot and perps;
deposits land in `FUND` (the book's `funding`).
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from services.rehearsal.book import Reject
from services.rehearsal.bybit.account import BybitAccount
from services.rehearsal.dialect import ms
from services.rehearsal.wire import hmac_hex, json_response

CODES = {
    "insufficient_funds": 110007,
    "invalid_order": 110094,
    "not_found": 110001,
    "duplicate": 110072,
}


class Bybit(BybitAccount):
    """Bybit's v5 REST subset."""

    name = "bybit"

    def register(self) -> None:
        """Routes by (method, path)."""
        r = self.routes
        r["GET", "/v5/market/instruments-info"] = self.instruments
        r["GET", "/v5/market/time"] = self.time
        r["GET", "/v5/market/tickers"] = self.tickers
        r["GET", "/v5/market/kline"] = self.klines
        r["GET", "/v5/market/mark-price-kline"] = self.klines
        r["GET", "/v5/market/funding/history"] = self.funding_history
        r["GET", "/v5/account/wallet-balance"] = self.wallet_balance
        r["GET", "/v5/asset/transfer/query-account-coins-balance"] = self.fund_balance
        r["GET", "/v5/position/list"] = self.positions
        r["POST", "/v5/order/create"] = self.create
        r["POST", "/v5/order/cancel"] = self.cancel
        r["GET", "/v5/order/realtime"] = lambda p: self.orders(p, history=False)
        r["GET", "/v5/order/history"] = lambda p: self.orders(p, history=True)
        r["GET", "/v5/execution/list"] = self.executions
        r["POST", "/v5/asset/transfer/inter-transfer"] = self.transfer
        r["POST", "/v5/asset/withdraw/create"] = self.withdraw
        r["GET", "/v5/asset/deposit/query-address"] = self.deposit_address
        r["GET", "/v5/user/query-api"] = lambda p: {"unified": 0, "uta": 1}
        r["GET", "/v5/account/info"] = lambda p: {"unifiedMarginStatus": 5}

    def private(self, path: str) -> bool:
        """Everything outside `/v5/market`."""
        return not path.startswith("/v5/market")

    def authenticate(self, request: web.Request, raw: str) -> web.Response | None:
        """Key header, then the HMAC of timestamp + key + recvWindow + payload."""
        h = request.headers
        if h.get("X-BAPI-API-KEY") != self.credentials.key:
            return self._envelope({}, 10003, "API key is invalid.")
        payload = request.query_string if request.method == "GET" else raw
        stamp, window = h.get("X-BAPI-TIMESTAMP", ""), h.get("X-BAPI-RECV-WINDOW", "")
        signed = f"{stamp}{self.credentials.key}{window}{payload}"
        if hmac_hex(self.credentials.secret, signed) != h.get("X-BAPI-SIGN"):
            return self._envelope({}, 10004, "error sign! origin_string[...]")
        return None

    def _envelope(self, result: Any, code: int = 0, msg: str = "OK") -> web.Response:
        return json_response(
            {
                "retCode": code,
                "retMsg": msg,
                "result": result,
                "retExtInfo": {},
                "time": ms(self.book.clock.now_ns()),
            }
        )

    def ok(self, payload: Any) -> web.Response:
        """`retCode` 0."""
        return self._envelope(payload)

    def error(self, reject: Reject, path: str) -> web.Response:
        """`retCode` of the refusal, HTTP 200."""
        return self._envelope({}, CODES[reject.kind], reject.message)

    def empty(self) -> web.Response:
        """An empty list."""
        return self._envelope({"list": [], "nextPageCursor": ""})
