"""OKX v5 as ccxt calls it (`{code, msg, data: [...]}`; `OK-ACCESS-*` headers with a
base64 HMAC-SHA256 of timestamp + method + path + body; swap sizes in contracts).

Accounts: the trading account (`18`, the book's `margin`) holds spot and swaps;
deposits land in the funding account (`6`, the book's `funding`).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any

from aiohttp import web

from services.rehearsal.book import Reject
from services.rehearsal.dialect import ms
from services.rehearsal.okx.account import OkxAccount
from services.rehearsal.wire import json_response

CODES = {"insufficient_funds": "51008", "invalid_order": "51020", "duplicate": "51016"}


class Okx(OkxAccount):
    """OKX's v5 REST subset."""

    name = "okx"

    def register(self) -> None:
        """Routes by (method, path)."""
        r, a = self.routes, "/api/v5"
        r["GET", f"{a}/public/instruments"] = self.instruments
        r["GET", f"{a}/public/time"] = lambda p: [{"ts": str(ms(self.book.now()))}]
        r["GET", f"{a}/market/ticker"] = self.tickers
        r["GET", f"{a}/market/tickers"] = self.tickers
        r["GET", f"{a}/market/candles"] = self.candles
        r["GET", f"{a}/market/history-candles"] = self.candles
        r["GET", f"{a}/market/history-mark-price-candles"] = self.candles
        r["GET", f"{a}/public/funding-rate"] = self.funding_rate
        r["GET", f"{a}/public/funding-rate-history"] = self.funding_history
        r["GET", f"{a}/account/balance"] = self.balance
        r["GET", f"{a}/asset/balances"] = self.funding_balance
        r["GET", f"{a}/account/positions"] = self.positions
        r["POST", f"{a}/trade/order"] = self.create
        r["POST", f"{a}/trade/cancel-order"] = self.cancel
        r["GET", f"{a}/trade/order"] = lambda p: [self._order(self._find(p))]
        r["GET", f"{a}/trade/orders-pending"] = self.pending
        r["GET", f"{a}/trade/fills"] = self.fills
        r["GET", f"{a}/trade/fills-history"] = self.fills
        r["GET", f"{a}/account/bills"] = self.bills
        r["GET", f"{a}/account/bills-archive"] = self.bills
        r["POST", f"{a}/asset/transfer"] = self.transfer
        r["POST", f"{a}/asset/withdrawal"] = self.withdraw
        r["GET", f"{a}/asset/deposit-address"] = self.deposit_address
        r["GET", f"{a}/asset/currencies"] = self.currencies

    def private(self, path: str) -> bool:
        """Account, trade and asset paths."""
        return path.startswith(("/api/v5/account", "/api/v5/trade", "/api/v5/asset"))

    def authenticate(self, request: web.Request, raw: str) -> web.Response | None:
        """Key and passphrase headers, then the base64 HMAC of the prehash string."""
        h = request.headers
        if (
            h.get("OK-ACCESS-KEY") != self.credentials.key
            or h.get("OK-ACCESS-PASSPHRASE") != self.credentials.password
        ):
            return json_response({"code": "50111", "msg": "Invalid OK-ACCESS-KEY", "data": []}, 401)
        path = request.path + (f"?{request.query_string}" if request.query_string else "")
        body = raw if request.method != "GET" else ""
        prehash = f"{h.get('OK-ACCESS-TIMESTAMP', '')}{request.method}{path}{body}"
        digest = hmac.new(
            self.credentials.secret.encode(), prehash.encode(), hashlib.sha256
        ).digest()
        if base64.b64encode(digest).decode() != h.get("OK-ACCESS-SIGN"):
            return json_response({"code": "50113", "msg": "Invalid Sign", "data": []}, 401)
        return None

    def ok(self, payload: Any) -> web.Response:
        """`code` 0, `data` a list."""
        return json_response({"code": "0", "msg": "", "data": payload})

    def error(self, reject: Reject, path: str) -> web.Response:
        """Order refusals as `code` 1 with the per-order `sCode`; a missing order as 51603."""
        if reject.kind == "not_found":
            code = "51400" if path.endswith("cancel-order") else "51603"
            if code == "51400":
                return json_response(
                    {"code": "1", "msg": "", "data": [{"sCode": code, "sMsg": reject.message}]}
                )
            return json_response({"code": code, "msg": "Order does not exist", "data": []})
        return json_response(
            {
                "code": "1",
                "msg": "",
                "data": [{"sCode": CODES[reject.kind], "sMsg": reject.message}],
            }
        )

    def empty(self) -> web.Response:
        """An empty list."""
        return self.ok([])
