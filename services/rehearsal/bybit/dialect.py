"""Bybit v5 as ccxt calls it (`{retCode, retMsg, result, time}` with HTTP 200 even on
errors; `X-BAPI-*` headers with HMAC-SHA256 hex of timestamp + key + recvWindow +
query or body).

Accounts: the unified account (`UNIFIED`, the book's `margin`) holds spot and perps;
deposits land in `FUND` (the book's `funding`).
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from services.rehearsal.book import Order, Reject
from services.rehearsal.dialect import Dialect, fmt, ms
from services.rehearsal.market import Instrument
from services.rehearsal.network import address_of
from services.rehearsal.wire import hmac_hex, json_response, num
from services.runtime.clock import HOUR_NS

CODES = {
    "insufficient_funds": 110007,
    "invalid_order": 110094,
    "not_found": 110001,
    "duplicate": 110072,
}
ACCOUNTS = {"UNIFIED": "margin", "FUND": "funding", "CONTRACT": "margin", "SPOT": "margin"}
STATUS = {"open": "New", "closed": "Filled", "canceled": "Cancelled"}
CATEGORY = {"spot": "spot", "linear": "perp"}


class Bybit(Dialect):
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

    def _kind(self, p: dict[str, str]) -> str:
        category = p.get("category", "linear")
        if category not in CATEGORY:
            raise Reject("invalid_order", f"unsupported category {category}")
        return CATEGORY[category]

    def _of(self, kind: str) -> list[Instrument]:
        return [i for i in self.book.market.of(self.book.venue) if i.kind == kind]

    def time(self, p: dict[str, str]) -> dict[str, Any]:
        """Server time (also the envelope's `time`)."""
        now = self.book.now()
        return {"timeSecond": str(now // 1_000_000_000), "timeNano": str(now)}

    def instruments(self, p: dict[str, str]) -> dict[str, Any]:
        """Spot and linear instruments (fine lot sizes)."""
        kind = self._kind(p)
        rows = []
        if p.get("status") != "PreLaunch":
            for i in self._of(kind):
                row: dict[str, Any] = {
                    "symbol": i.symbol,
                    "baseCoin": i.base,
                    "quoteCoin": "USDT",
                    "status": "Trading",
                    "priceFilter": {"tickSize": "0.01", "minPrice": "0.01", "maxPrice": "10000000"},
                }
                if kind == "spot":
                    row["lotSizeFilter"] = {
                        "basePrecision": "0.00000001",
                        "quotePrecision": "0.00000001",
                        "minOrderQty": "0.00000001",
                        "maxOrderQty": "100000",
                        "minOrderAmt": "1",
                        "maxOrderAmt": "100000000",
                    }
                else:
                    row.update(
                        contractType="LinearPerpetual",
                        settleCoin="USDT",
                        launchTime="1585526400000",
                        deliveryTime="0",
                        fundingInterval=480,
                        leverageFilter={
                            "minLeverage": "1",
                            "maxLeverage": "100",
                            "leverageStep": "0.01",
                        },
                        lotSizeFilter={
                            "minOrderQty": "0.00000001",
                            "maxOrderQty": "100000",
                            "qtyStep": "0.00000001",
                            "minNotionalValue": "5",
                        },
                    )
                rows.append(row)
        return {"category": p.get("category"), "list": rows, "nextPageCursor": ""}

    def tickers(self, p: dict[str, str]) -> dict[str, Any]:
        """Tickers; linear ones carry mark, index, funding rate and next funding time."""
        kind = self._kind(p)
        now = self.book.now()
        rows = []
        for i in self._of(kind):
            if p.get("symbol") not in (None, i.symbol):
                continue
            price = self.book.market.price(i, now)
            high, low = self.book.market.high_low(i, now)
            row = {
                "symbol": i.symbol,
                "lastPrice": fmt(price),
                "bid1Price": fmt(price),
                "ask1Price": fmt(price),
                "bid1Size": "1",
                "ask1Size": "1",
                "prevPrice24h": fmt(price),
                "price24hPcnt": "0",
                "highPrice24h": fmt(high),
                "lowPrice24h": fmt(low),
                "volume24h": "0",
                "turnover24h": "0",
            }
            if kind == "perp":
                last = self.book.market.last_funding_at(now)
                rate = self.book.market.funding_rate(i, last) or 0.0
                row.update(
                    markPrice=fmt(price),
                    indexPrice=fmt(price),
                    fundingRate=fmt(rate),
                    nextFundingTime=str(ms(last + 8 * HOUR_NS)),
                    fundingIntervalHour="8",
                )
            rows.append(row)
        return {"category": p.get("category"), "list": rows}

    def klines(self, p: dict[str, str]) -> dict[str, Any]:
        """Hourly candles, newest first."""
        i = self.instrument(self._kind(p), p.get("symbol", ""))
        if p.get("interval", "60") != "60":
            raise Reject("invalid_order", "this rehearsal serves 1h candles only")
        start = int(num(p, "start", 0)) * 1_000_000
        end = int(num(p, "end", 0)) * 1_000_000 or self.book.now()
        candles = self.book.market.closed_candles(
            i, start, end, self.book.now(), int(num(p, "limit", 200))
        )
        rows = [[str(t), o, h, lo, c, "0", "0"] for t, o, h, lo, c in candles]
        return {"symbol": i.symbol, "category": p.get("category"), "list": rows[::-1]}

    def funding_history(self, p: dict[str, str]) -> dict[str, Any]:
        """Settled funding rates, newest first."""
        i = self.instrument("perp", p.get("symbol", ""))
        now = self.book.now()
        market = self.book.market
        start = max(int(num(p, "startTime", 0)) * 1_000_000, market.start_ns)
        end = min(int(num(p, "endTime", 0)) * 1_000_000 or now, now)
        t = start + (-start) % (8 * HOUR_NS)
        rows = []
        while t <= end:
            rate = market.funding_rate(i, t)
            if rate is not None:
                rows.append(
                    {
                        "symbol": i.symbol,
                        "fundingRate": fmt(rate),
                        "fundingRateTimestamp": str(ms(t)),
                    }
                )
            t += 8 * HOUR_NS
        return {"category": "linear", "list": rows[::-1][: int(num(p, "limit", 200))]}

    def wallet_balance(self, p: dict[str, str]) -> dict[str, Any]:
        """The unified account: wallet balance and equity (with unrealised P&L) per coin."""
        now = self.book.now()
        upnl = self.book.unrealized(now)
        im = self.book.initial_margin(now)
        coins = []
        for coin, wallet in sorted(self.book.accounts.get("margin", {}).items()):
            u = upnl if coin == "USDT" else 0.0
            coins.append(
                {
                    "coin": coin,
                    "walletBalance": fmt(wallet),
                    "equity": fmt(wallet + u),
                    "unrealisedPnl": fmt(u),
                    "locked": "0",
                    "totalPositionIM": fmt(im if coin == "USDT" else 0.0),
                    "totalOrderIM": "0",
                }
            )
        return {"list": [{"accountType": "UNIFIED", "coin": coins}]}

    def fund_balance(self, p: dict[str, str]) -> dict[str, Any]:
        """The funding account."""
        self.book.now()
        balance = [
            {"coin": c, "walletBalance": fmt(v), "transferBalance": fmt(v)}
            for c, v in sorted(self.book.accounts.get("funding", {}).items())
        ]
        return {"accountType": "FUND", "balance": balance}

    def positions(self, p: dict[str, str]) -> dict[str, Any]:
        """Linear positions (one-way mode)."""
        now = self.book.now()
        rows = []
        for i in self._of("perp"):
            if p.get("symbol") not in (None, i.symbol):
                continue
            pos = self.book.positions.get(i.symbol)
            size, entry = (pos.size, pos.entry) if pos else (0.0, 0.0)
            mark = self.book.market.price(i, now)
            rows.append(
                {
                    "symbol": i.symbol,
                    "side": "Buy" if size > 0 else ("Sell" if size < 0 else ""),
                    "size": fmt(abs(size)),
                    "avgPrice": fmt(entry),
                    "positionIdx": 0,
                    "positionValue": fmt(abs(size) * entry),
                    "markPrice": fmt(mark),
                    "unrealisedPnl": fmt(size * (mark - entry)),
                    "leverage": "10",
                    "liqPrice": "",
                    "positionIM": "0",
                    "positionMM": "0",
                    "createdTime": str(ms(now)),
                    "updatedTime": str(ms(now)),
                    "tradeMode": 0,
                    "curRealisedPnl": "0",
                }
            )
        return {"category": "linear", "list": rows, "nextPageCursor": ""}

    def create(self, p: dict[str, str]) -> dict[str, Any]:
        """Place an order; the response carries only its ids."""
        i = self.instrument(self._kind(p), p.get("symbol", ""))
        order = self.book.place(
            i,
            p.get("side", "").lower(),
            p.get("orderType", "").lower(),
            num(p, "qty"),
            num(p, "price"),
            p.get("orderLinkId", ""),
            p.get("reduceOnly") == "true",
        )
        return {"orderId": str(order.id), "orderLinkId": order.client_id}

    def _find(self, p: dict[str, str]) -> Order:
        oid = p.get("orderId")
        return self.book.find_order(
            int(oid) if oid and oid.isdigit() else None, p.get("orderLinkId", "")
        )

    def cancel(self, p: dict[str, str]) -> dict[str, Any]:
        """Cancel an open order."""
        oid = p.get("orderId")
        order = self.book.cancel(
            int(oid) if oid and oid.isdigit() else None, p.get("orderLinkId", "")
        )
        return {"orderId": str(order.id), "orderLinkId": order.client_id}

    def orders(self, p: dict[str, str], history: bool) -> dict[str, Any]:
        """Open orders (realtime) or closed ones (history), by id or link id."""
        kind = self._kind(p)
        if p.get("orderId") or p.get("orderLinkId"):
            try:
                found = [self._find(p)]
            except Reject:
                found = []
        else:
            found = [o for o in self.book.orders if o.instrument.kind == kind]
        rows = [
            self._order(o)
            for o in found
            if (o.status != "open") == history and p.get("symbol") in (None, o.instrument.symbol)
        ]
        return {"category": p.get("category"), "list": rows, "nextPageCursor": ""}

    def _order(self, o: Order) -> dict[str, Any]:
        return {
            "orderId": str(o.id),
            "orderLinkId": o.client_id,
            "symbol": o.instrument.symbol,
            "price": fmt(o.price),
            "qty": fmt(o.amount),
            "side": o.side.capitalize(),
            "orderStatus": STATUS[o.status],
            "avgPrice": fmt(o.average),
            "leavesQty": fmt(o.amount - o.filled),
            "cumExecQty": fmt(o.filled),
            "cumExecValue": fmt(o.filled * o.average),
            "cumExecFee": fmt(o.fee),
            "timeInForce": "GTC",
            "orderType": o.type.capitalize(),
            "reduceOnly": o.reduce_only,
            "createdTime": str(ms(o.created_ns)),
            "updatedTime": str(ms(o.updated_ns)),
        }

    def executions(self, p: dict[str, str]) -> dict[str, Any]:
        """Trades (execType Trade) or funding (execType Funding; execFee > 0 is paid)."""
        self.book.now()
        start = int(num(p, "startTime", 0)) * 1_000_000
        symbol = p.get("symbol")
        rows: list[dict[str, Any]] = []
        if p.get("execType") == "Funding":
            for x in self.book.payments:
                if x.ns >= start and symbol in (None, x.instrument.symbol):
                    rows.append(  # noqa: PERF401 - one row shape per branch
                        {
                            "symbol": x.instrument.symbol,
                            "execType": "Funding",
                            "execId": str(x.id),
                            "execFee": fmt(-x.amount),
                            "feeRate": fmt(x.rate),
                            "execTime": str(ms(x.ns)),
                            "execPrice": "0",
                            "execQty": "0",
                            "side": "",
                            "orderId": "",
                            "orderLinkId": "",
                            "feeCurrency": "USDT",
                        }
                    )
        else:
            oid, link = p.get("orderId"), p.get("orderLinkId")
            for f in self.book.fills:
                o = f.order
                if f.ns < start or symbol not in (None, o.instrument.symbol):
                    continue
                if (oid and str(o.id) != oid) or (link and o.client_id != link):
                    continue
                rows.append(
                    {
                        "symbol": o.instrument.symbol,
                        "orderId": str(o.id),
                        "orderLinkId": o.client_id,
                        "side": o.side.capitalize(),
                        "execId": str(f.id),
                        "execPrice": fmt(f.price),
                        "execQty": fmt(f.amount),
                        "execValue": fmt(f.price * f.amount),
                        "execFee": fmt(f.fee),
                        # Fees are charged in USDT here (the backtest's cost model).
                        "feeCurrency": "USDT",
                        "feeCoin": "USDT",
                        "feeRate": "0",
                        "isMaker": False,
                        "execTime": str(ms(f.ns)),
                        "execType": "Trade",
                        "orderType": o.type.capitalize(),
                    }
                )
        return {
            "category": p.get("category", "linear"),
            "list": rows[: int(num(p, "limit", 50))],
            "nextPageCursor": "",
        }

    def transfer(self, p: dict[str, str]) -> dict[str, Any]:
        """Move a coin between FUND and UNIFIED."""
        source, target = p.get("fromAccountType", ""), p.get("toAccountType", "")
        if source not in ACCOUNTS or target not in ACCOUNTS:
            raise Reject("invalid_order", f"unsupported account types {source} -> {target}")
        self.book.transfer(p.get("coin", ""), num(p, "amount"), ACCOUNTS[source], ACCOUNTS[target])
        return {"transferId": p.get("transferId", ""), "status": "SUCCESS"}

    def withdraw(self, p: dict[str, str]) -> dict[str, Any]:
        """Withdraw from the funding account to another exchange."""
        move = self.network.withdraw(
            self.book, p.get("coin", ""), num(p, "amount"), p.get("address", "")
        )
        return {"id": move["id"]}

    def deposit_address(self, p: dict[str, str]) -> dict[str, Any]:
        """The deposit address of a coin."""
        coin = p.get("coin", "")
        chain = p.get("chainType") or "TRX"
        return {
            "coin": coin,
            "chains": [
                {
                    "chainType": chain,
                    "chain": chain,
                    "addressDeposit": address_of(self.book.venue, coin),
                    "tagDeposit": "",
                }
            ],
        }
