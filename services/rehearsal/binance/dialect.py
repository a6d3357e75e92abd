"""Binance spot and USD-M futures as ccxt calls them (bare JSON, `{code,msg}` errors,
`X-MBX-APIKEY` + HMAC-SHA256 hex of the query or form body).

Accounts: spot trades and deposits settle in `spot`; the futures wallet is `margin`.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from aiohttp import web

from services.rehearsal.book import Fill, Order, Reject
from services.rehearsal.dialect import Dialect, fmt, ms
from services.rehearsal.market import Instrument
from services.rehearsal.network import address_of
from services.rehearsal.wire import hmac_hex, json_response, num
from services.runtime.clock import HOUR_NS

ERRORS = {
    "not_found": (-2013, "Order does not exist."),
    "duplicate": (-2010, "Duplicate order sent."),
}
SPOT_FUNDS = "Account has insufficient balance for requested action."
ACCOUNTS = {"MAIN": "spot", "UMFUTURE": "margin"}
STATUS = {"open": "NEW", "closed": "FILLED", "canceled": "CANCELED"}


class Binance(Dialect):
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

    # -- market data ----------------------------------------------------------------
    def _instruments(self, kind: str) -> list[Instrument]:
        return [i for i in self.book.market.of(self.book.venue) if i.kind == kind]

    def time(self, p: dict[str, str]) -> dict[str, Any]:
        """Server time."""
        return {"serverTime": ms(self.book.now())}

    def get_order(self, kind: str, p: dict[str, str]) -> dict[str, Any]:
        """One order by id or client id."""
        return self.order(kind, self.find(p))

    def exchange_info(self, kind: str, p: dict[str, str]) -> dict[str, Any]:
        """Markets with fine lot sizes (a backtest has none)."""
        symbols = []
        for i in self._instruments(kind):
            entry: dict[str, Any] = {
                "symbol": i.symbol,
                "status": "TRADING",
                "baseAsset": i.base,
                "quoteAsset": "USDT",
                "orderTypes": ["LIMIT", "MARKET"],
                "baseAssetPrecision": 8,
                "quotePrecision": 8,
                "filters": [
                    {
                        "filterType": "PRICE_FILTER",
                        "minPrice": "0.01",
                        "maxPrice": "10000000",
                        "tickSize": "0.01",
                    },
                    {
                        "filterType": "LOT_SIZE",
                        "minQty": "0.00000001",
                        "maxQty": "100000",
                        "stepSize": "0.00000001",
                    },
                    {"filterType": "NOTIONAL", "minNotional": "5"},
                ],
            }
            if kind == "perp":
                entry.update(
                    contractType="PERPETUAL",
                    marginAsset="USDT",
                    pricePrecision=2,
                    quantityPrecision=8,
                )
            symbols.append(entry)
        return {"timezone": "UTC", "serverTime": ms(self.book.now()), "symbols": symbols}

    def tickers(self, kind: str, p: dict[str, str]) -> Any:
        """24h tickers: last, bid, ask at the recorded close."""
        now = self.book.now()
        rows = []
        for i in self._instruments(kind):
            if p.get("symbol") not in (None, i.symbol):
                continue
            price = self.book.market.price(i, now)
            high, low = self.book.market.high_low(i, now)
            rows.append(
                {
                    "symbol": i.symbol,
                    "lastPrice": fmt(price),
                    "bidPrice": fmt(price),
                    "askPrice": fmt(price),
                    "bidQty": "1",
                    "askQty": "1",
                    "openPrice": fmt(price),
                    "highPrice": fmt(high),
                    "lowPrice": fmt(low),
                    "volume": "0",
                    "quoteVolume": "0",
                    "closeTime": ms(now),
                }
            )
        if "symbol" in p:
            if not rows:
                raise Reject("invalid_order", f"Invalid symbol {p['symbol']}")
            return rows[0]
        return rows

    def klines(self, kind: str, p: dict[str, str]) -> list[list[Any]]:
        """Hourly candles of the recorded series up to the current hour."""
        i = self.instrument(kind, p.get("symbol", ""))
        if p.get("interval", "1h") != "1h":
            raise Reject("invalid_order", "this rehearsal serves 1h candles only")
        start = int(num(p, "startTime", 0)) * 1_000_000
        end = int(num(p, "endTime", 0)) * 1_000_000 or self.book.now()
        rows = self.book.market.closed_candles(
            i, start, end, self.book.now(), int(num(p, "limit", 500))
        )
        return [
            [t, o, h, lo, c, "0", t + HOUR_NS // 1_000_000 - 1, "0", 0, "0", "0", "0"]
            for t, o, h, lo, c in rows
        ]

    def premium_index(self, p: dict[str, str]) -> Any:
        """Mark, index, last funding rate and next funding time."""
        now = self.book.now()
        rows = []
        for i in self._instruments("perp"):
            if p.get("symbol") not in (None, i.symbol):
                continue
            last = self.book.market.last_funding_at(now)
            rate = self.book.market.funding_rate(i, last) or 0.0
            price = self.book.market.price(i, now)
            rows.append(
                {
                    "symbol": i.symbol,
                    "markPrice": fmt(price),
                    "indexPrice": fmt(price),
                    "lastFundingRate": fmt(rate),
                    "interestRate": "0.0001",
                    "nextFundingTime": ms(last + 8 * HOUR_NS),
                    "time": ms(now),
                }
            )
        return rows[0] if "symbol" in p and rows else rows

    def funding_history(self, p: dict[str, str]) -> list[dict[str, Any]]:
        """Settled funding rates between startTime and endTime."""
        i = self.instrument("perp", p.get("symbol", ""))
        now = self.book.now()
        start = int(num(p, "startTime", 0)) * 1_000_000
        end = min(int(num(p, "endTime", 0)) * 1_000_000 or now, now)
        limit = int(num(p, "limit", 100))
        market = self.book.market
        out: list[dict[str, Any]] = []
        t = max(start, market.start_ns)
        t += (-t) % (8 * HOUR_NS)
        while t <= end and len(out) < limit:
            rate = market.funding_rate(i, t)
            if rate is not None:
                out.append(
                    {
                        "symbol": i.symbol,
                        "fundingRate": fmt(rate),
                        "fundingTime": ms(t),
                        "markPrice": fmt(market.price(i, t)),
                    }
                )
            t += 8 * HOUR_NS
        return out

    # -- accounts -------------------------------------------------------------------
    def spot_account(self, p: dict[str, str]) -> dict[str, Any]:
        """Spot balances."""
        now = self.book.now()
        balances = [
            {"asset": a, "free": fmt(v), "locked": "0"}
            for a, v in sorted(self.book.accounts.get("spot", {}).items())
        ]
        return {
            "updateTime": ms(now),
            "accountType": "SPOT",
            "canTrade": True,
            "balances": balances,
        }

    def futures_account(self, p: dict[str, str]) -> dict[str, Any]:
        """Futures wallet: wallet balance, unrealised P&L, margin balance."""
        now = self.book.now()
        upnl = self.book.unrealized(now)
        im = self.book.initial_margin(now)
        assets = []
        for asset, wallet in sorted(self.book.accounts.get("margin", {}).items()):
            u = upnl if asset == "USDT" else 0.0
            assets.append(
                {
                    "asset": asset,
                    "walletBalance": fmt(wallet),
                    "unrealizedProfit": fmt(u),
                    "marginBalance": fmt(wallet + u),
                    "initialMargin": fmt(im if asset == "USDT" else 0.0),
                    "availableBalance": fmt(wallet + u - (im if asset == "USDT" else 0.0)),
                    "maintMargin": "0",
                    "updateTime": ms(now),
                }
            )
        return {"assets": assets, "positions": [], "totalWalletBalance": "0"}

    def brackets(self, p: dict[str, str]) -> list[dict[str, Any]]:
        """Leverage brackets from the venue's maintenance tiers."""
        out: list[dict[str, Any]] = []
        for symbol, table in sorted(self.book.tiers.items()):
            floor, rows = 0.0, []
            for n, (cap, rate) in enumerate(zip(table.caps, table.rates, strict=True)):
                rows.append(
                    {
                        "bracket": n + 1,
                        "initialLeverage": int(0.5 / rate),
                        "notionalCap": cap,
                        "notionalFloor": floor,
                        "maintMarginRatio": rate,
                        "cum": table.deductions[n],
                    }
                )
                floor = cap
            out.append({"symbol": symbol, "brackets": rows})
        return out

    def position_risk(self, p: dict[str, str]) -> list[dict[str, Any]]:
        """Every perp position (empty ones included)."""
        now = self.book.now()
        out = []
        for i in self._instruments("perp"):
            pos = self.book.positions.get(i.symbol)
            size, entry = (pos.size, pos.entry) if pos else (0.0, 0.0)
            mark = self.book.market.price(i, now)
            out.append(
                {
                    "symbol": i.symbol,
                    "positionAmt": fmt(size),
                    "entryPrice": fmt(entry),
                    "markPrice": fmt(mark),
                    "unRealizedProfit": fmt(size * (mark - entry)),
                    "liquidationPrice": "0",
                    "leverage": "10",
                    "marginType": "cross",
                    "isolatedMargin": "0",
                    "positionSide": "BOTH",
                    "notional": fmt(size * mark),
                    "updateTime": ms(now),
                }
            )
        return out

    # -- orders ---------------------------------------------------------------------
    def create(self, kind: str, p: dict[str, str]) -> dict[str, Any]:
        """Place an order (market or limit)."""
        i = self.instrument(kind, p.get("symbol", ""))
        order = self.book.place(
            i,
            p.get("side", "").lower(),
            p.get("type", "").lower(),
            num(p, "quantity"),
            num(p, "price"),
            p.get("newClientOrderId", ""),
            p.get("reduceOnly") == "true",
        )
        return self.order(kind, order)

    def find(self, p: dict[str, str]) -> Order:
        """The order named by orderId or origClientOrderId."""
        oid = p.get("orderId")
        return self.book.find_order(int(oid) if oid else None, p.get("origClientOrderId", ""))

    def cancel(self, kind: str, p: dict[str, str]) -> dict[str, Any]:
        """Cancel an open order."""
        oid = p.get("orderId")
        try:
            order = self.book.cancel(int(oid) if oid else None, p.get("origClientOrderId", ""))
        except Reject as e:
            raise Reject("not_found", "Unknown order sent.") from e
        return self.order(kind, order)

    def open_orders(self, kind: str, p: dict[str, str]) -> list[dict[str, Any]]:
        """Open orders of a symbol (or all)."""
        symbol = p.get("symbol")
        return [
            self.order(kind, o)
            for o in self.book.open_orders()
            if o.instrument.kind == kind and symbol in (None, o.instrument.symbol)
        ]

    def order(self, kind: str, o: Order) -> dict[str, Any]:
        """An order in Binance's shape (RESULT fields; spot adds its fills)."""
        out: dict[str, Any] = {
            "symbol": o.instrument.symbol,
            "orderId": o.id,
            "clientOrderId": o.client_id,
            "price": fmt(o.price),
            "origQty": fmt(o.amount),
            "executedQty": fmt(o.filled),
            "status": STATUS[o.status],
            "timeInForce": "GTC",
            "type": o.type.upper(),
            "side": o.side.upper(),
            "transactTime": ms(o.created_ns),
            "updateTime": ms(o.updated_ns),
            "time": ms(o.created_ns),
        }
        if kind == "spot":
            out["cummulativeQuoteQty"] = fmt(o.filled * o.average)
            out["fills"] = [
                {
                    "price": fmt(f.price),
                    "qty": fmt(f.amount),
                    "commission": fmt(f.fee),
                    "commissionAsset": "USDT",
                    "tradeId": f.id,
                }
                for f in self.book.fills
                if f.order is o
            ]
        else:
            out.update(
                avgPrice=fmt(o.average),
                cumQuote=fmt(o.filled * o.average),
                reduceOnly=o.reduce_only,
                positionSide="BOTH",
            )
        return out

    def my_trades(self, kind: str, p: dict[str, str]) -> list[dict[str, Any]]:
        """Fills of a symbol, optionally of one order or since a time."""
        self.book.now()
        symbol, oid = p.get("symbol"), p.get("orderId")
        start = int(num(p, "startTime", 0)) * 1_000_000
        return [
            self._trade(kind, f)
            for f in self.book.fills
            if f.order.instrument.kind == kind
            and f.order.instrument.symbol == symbol
            and (not oid or f.order.id == int(oid))
            and f.ns >= start
        ][: int(num(p, "limit", 500))]

    def _trade(self, kind: str, f: Fill) -> dict[str, Any]:
        buy = f.order.side == "buy"
        # ccxt tells futures fills from spot ones by `buyer`/`maker` vs `isBuyer`/`isMaker`.
        flags = (
            {"buyer": buy, "maker": False} if kind == "perp" else {"isBuyer": buy, "isMaker": False}
        )
        return {
            **flags,
            "symbol": f.order.instrument.symbol,
            "id": f.id,
            "orderId": f.order.id,
            "side": f.order.side.upper(),
            "price": fmt(f.price),
            "qty": fmt(f.amount),
            "quoteQty": fmt(f.price * f.amount),
            "realizedPnl": fmt(f.realized),
            "commission": fmt(f.fee),
            "commissionAsset": "USDT",
            "time": ms(f.ns),
            "positionSide": "BOTH",
        }

    def income(self, p: dict[str, str]) -> list[dict[str, Any]]:
        """Funding payments (incomeType FUNDING_FEE)."""
        self.book.now()
        start = int(num(p, "startTime", 0)) * 1_000_000
        symbol = p.get("symbol")
        return [
            {
                "symbol": x.instrument.symbol,
                "incomeType": "FUNDING_FEE",
                "income": fmt(x.amount),
                "asset": "USDT",
                "time": ms(x.ns),
                "tranId": x.id,
                "info": "FUNDING_FEE",
            }
            for x in self.book.payments
            if x.ns >= start and symbol in (None, x.instrument.symbol)
        ][: int(num(p, "limit", 100))]

    # -- wallet ---------------------------------------------------------------------
    def transfer(self, p: dict[str, str]) -> dict[str, Any]:
        """Spot <-> USD-M futures (`MAIN_UMFUTURE`, `UMFUTURE_MAIN`)."""
        source, _, target = p.get("type", "").partition("_")
        if source not in ACCOUNTS or target not in ACCOUNTS:
            raise Reject("invalid_order", f"unsupported transfer type {p.get('type')}")
        record = self.book.transfer(
            p.get("asset", ""), num(p, "amount"), ACCOUNTS[source], ACCOUNTS[target]
        )
        return {"tranId": record["id"]}

    def withdraw(self, p: dict[str, str]) -> dict[str, Any]:
        """Withdraw from the spot wallet to another exchange's deposit address."""
        move = self.network.withdraw(
            self.book, p.get("coin", ""), num(p, "amount"), p.get("address", "")
        )
        return {"id": move["id"]}

    def deposit_address(self, p: dict[str, str]) -> dict[str, Any]:
        """The deposit address of a coin."""
        coin = p.get("coin", "")
        return {"coin": coin, "address": address_of(self.book.venue, coin), "tag": "", "url": ""}
