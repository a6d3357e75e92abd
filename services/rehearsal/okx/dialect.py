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

from services.rehearsal.book import Order, Reject
from services.rehearsal.dialect import Dialect, fmt, ms
from services.rehearsal.market import Instrument
from services.rehearsal.network import address_of
from services.rehearsal.wire import json_response, num
from services.runtime.clock import HOUR_NS

CODES = {"insufficient_funds": "51008", "invalid_order": "51020", "duplicate": "51016"}
CONTRACT = {"BTC": 0.01, "ETH": 0.1}
"""Base units per swap contract (`ctVal`)."""
ACCOUNTS = {"6": "funding", "18": "margin"}
STATE = {"open": "live", "closed": "filled", "canceled": "canceled"}


def _inst_id(i: Instrument) -> str:
    return f"{i.base}-USDT-SWAP" if i.kind == "perp" else f"{i.base}-USDT"


class Okx(Dialect):
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

    def _all(self) -> list[Instrument]:
        return self.book.market.of(self.book.venue)

    def _by_id(self, inst_id: str) -> Instrument:
        for i in self._all():
            if _inst_id(i) == inst_id:
                return i
        raise Reject("invalid_order", f"unknown instrument {inst_id}")

    def _ct(self, i: Instrument) -> float:
        return CONTRACT.get(i.base, 1.0) if i.kind == "perp" else 1.0

    def instruments(self, p: dict[str, str]) -> list[dict[str, Any]]:
        """Spot and swap instruments (fractional contracts allowed)."""
        kind = {"SPOT": "spot", "SWAP": "perp"}.get(p.get("instType", ""), "")
        rows = []
        for i in self._all():
            if i.kind != kind:
                continue
            row: dict[str, Any] = {
                "instType": p["instType"],
                "instId": _inst_id(i),
                "baseCcy": i.base,
                "quoteCcy": "USDT",
                "tickSz": "0.01",
                "lotSz": "0.00000001",
                "minSz": "0.00000001",
                "maxLmtSz": "100000000",
                "maxMktSz": "100000000",
                "state": "live",
                "lever": "10",
                "listTime": "1606468572000",
            }
            if kind == "perp":
                row.update(
                    uly=f"{i.base}-USDT",
                    instFamily=f"{i.base}-USDT",
                    settleCcy="USDT",
                    ctVal=fmt(self._ct(i)),
                    ctMult="1",
                    ctValCcy=i.base,
                    ctType="linear",
                    baseCcy="",
                    quoteCcy="",
                    expTime="",
                )
            rows.append(row)
        return rows

    def tickers(self, p: dict[str, str]) -> list[dict[str, Any]]:
        """Tickers of one instrument or of an instrument type."""
        now = self.book.now()
        rows = []
        for i in self._all():
            if p.get("instId") not in (None, _inst_id(i)):
                continue
            if p.get("instType") and {"SPOT": "spot", "SWAP": "perp"}.get(p["instType"]) != i.kind:
                continue
            price = self.book.market.price(i, now)
            high, low = self.book.market.high_low(i, now)
            rows.append(
                {
                    "instType": "SWAP" if i.kind == "perp" else "SPOT",
                    "instId": _inst_id(i),
                    "last": fmt(price),
                    "bidPx": fmt(price),
                    "askPx": fmt(price),
                    "bidSz": "1",
                    "askSz": "1",
                    "open24h": fmt(price),
                    "high24h": fmt(high),
                    "low24h": fmt(low),
                    "vol24h": "0",
                    "volCcy24h": "0",
                    "ts": str(ms(now)),
                }
            )
        return rows

    def candles(self, p: dict[str, str]) -> list[list[str]]:
        """Hourly candles, newest first; `after`/`before` page by time."""
        i = self._by_id(p.get("instId", ""))
        if p.get("bar", "1H") != "1H":
            raise Reject("invalid_order", "this rehearsal serves 1H candles only")
        after = int(num(p, "after", 0)) * 1_000_000 or self.book.now() + 1
        before = int(num(p, "before", -1)) * 1_000_000
        limit = int(num(p, "limit", 100))
        now = self.book.now()
        candles = self.book.market.closed_candles(i, before + 1, after - 1, now, 1 << 30)
        return [[str(t), o, h, lo, c, "0", "0", "0", "1"] for t, o, h, lo, c in candles][::-1][
            :limit
        ]

    def funding_rate(self, p: dict[str, str]) -> list[dict[str, Any]]:
        """The current rate and the next settlement time."""
        i = self._by_id(p.get("instId", ""))
        now = self.book.now()
        last = self.book.market.last_funding_at(now)
        rate = self.book.market.funding_rate(i, last) or 0.0
        return [
            {
                "instType": "SWAP",
                "instId": _inst_id(i),
                "fundingRate": fmt(rate),
                "fundingTime": str(ms(last + 8 * HOUR_NS)),
                "nextFundingTime": str(ms(last + 16 * HOUR_NS)),
                "nextFundingRate": "",
                "method": "current_period",
                "ts": str(ms(now)),
            }
        ]

    def funding_history(self, p: dict[str, str]) -> list[dict[str, Any]]:
        """Settled rates, newest first, `before` < time < `after`."""
        i = self._by_id(p.get("instId", ""))
        now = self.book.now()
        market = self.book.market
        before = int(num(p, "before", -1)) * 1_000_000
        after = int(num(p, "after", 0)) * 1_000_000 or now + 1
        rows: list[dict[str, Any]] = []
        t = market.last_funding_at(min(now, after - 1))
        while t > before and t >= market.start_ns and len(rows) < int(num(p, "limit", 100)):
            rate = market.funding_rate(i, t)
            if rate is not None:
                rows.append(
                    {
                        "instType": "SWAP",
                        "instId": _inst_id(i),
                        "fundingRate": fmt(rate),
                        "realizedRate": fmt(rate),
                        "fundingTime": str(ms(t)),
                        "method": "current_period",
                    }
                )
            t -= 8 * HOUR_NS
        return rows

    def balance(self, p: dict[str, str]) -> list[dict[str, Any]]:
        """The trading account: equity (with unrealised P&L) and available balance."""
        now = self.book.now()
        upnl = self.book.unrealized(now)
        im = self.book.initial_margin(now)
        details = []
        for ccy, cash in sorted(self.book.accounts.get("margin", {}).items()):
            u, m = (upnl, im) if ccy == "USDT" else (0.0, 0.0)
            details.append(
                {
                    "ccy": ccy,
                    "eq": fmt(cash + u),
                    "cashBal": fmt(cash),
                    "upl": fmt(u),
                    "availBal": fmt(cash + u - m),
                    "availEq": fmt(cash + u - m),
                    "frozenBal": fmt(m),
                    "uTime": str(ms(now)),
                }
            )
        return [{"uTime": str(ms(now)), "totalEq": "0", "details": details}]

    def funding_balance(self, p: dict[str, str]) -> list[dict[str, Any]]:
        """The funding account."""
        self.book.now()
        return [
            {"ccy": c, "bal": fmt(v), "availBal": fmt(v), "frozenBal": "0"}
            for c, v in sorted(self.book.accounts.get("funding", {}).items())
        ]

    def positions(self, p: dict[str, str]) -> list[dict[str, Any]]:
        """Swap positions in net mode, sizes in contracts."""
        now = self.book.now()
        wanted = set(p["instId"].split(",")) if p.get("instId") else None
        rows = []
        for i in self._all():
            pos = self.book.positions.get(i.symbol)
            if i.kind != "perp" or pos is None or pos.size == 0.0:
                continue
            if wanted is not None and _inst_id(i) not in wanted:
                continue
            mark = self.book.market.price(i, now)
            rows.append(
                {
                    "instType": "SWAP",
                    "instId": _inst_id(i),
                    "mgnMode": "cross",
                    "posId": str(i.symbol),
                    "posSide": "net",
                    "pos": fmt(pos.size / self._ct(i)),
                    "avgPx": fmt(pos.entry),
                    "markPx": fmt(mark),
                    "upl": fmt(pos.size * (mark - pos.entry)),
                    "lever": "10",
                    "liqPx": "",
                    "imr": "0",
                    "mmr": "0",
                    "notionalUsd": fmt(abs(pos.size) * mark),
                    "ccy": "USDT",
                    "cTime": str(ms(now)),
                    "uTime": str(ms(now)),
                    "realizedPnl": "0",
                }
            )
        return rows

    def create(self, p: dict[str, str]) -> list[dict[str, Any]]:
        """Place an order (swap `sz` in contracts)."""
        i = self._by_id(p.get("instId", ""))
        order = self.book.place(
            i,
            p.get("side", ""),
            p.get("ordType", ""),
            num(p, "sz") * self._ct(i),
            num(p, "px"),
            p.get("clOrdId", ""),
            p.get("reduceOnly") == "true",
        )
        return [
            {
                "ordId": str(order.id),
                "clOrdId": order.client_id,
                "tag": p.get("tag", ""),
                "ts": str(ms(order.created_ns)),
                "sCode": "0",
                "sMsg": "Order placed",
            }
        ]

    def _find(self, p: dict[str, str]) -> Order:
        oid = p.get("ordId")
        return self.book.find_order(
            int(oid) if oid and oid.isdigit() else None, p.get("clOrdId", "")
        )

    def cancel(self, p: dict[str, str]) -> list[dict[str, Any]]:
        """Cancel an open order."""
        oid = p.get("ordId")
        order = self.book.cancel(int(oid) if oid and oid.isdigit() else None, p.get("clOrdId", ""))
        return [{"ordId": str(order.id), "clOrdId": order.client_id, "sCode": "0", "sMsg": ""}]

    def pending(self, p: dict[str, str]) -> list[dict[str, Any]]:
        """Open orders."""
        return [
            self._order(o)
            for o in self.book.open_orders()
            if p.get("instId") in (None, _inst_id(o.instrument))
        ]

    def _order(self, o: Order) -> dict[str, Any]:
        i, ct = o.instrument, self._ct(o.instrument)
        return {
            "instType": "SWAP" if i.kind == "perp" else "SPOT",
            "instId": _inst_id(i),
            "ordId": str(o.id),
            "clOrdId": o.client_id,
            "px": fmt(o.price),
            "sz": fmt(o.amount / ct),
            "ordType": o.type,
            "side": o.side,
            "posSide": "net",
            "tdMode": "cross",
            "accFillSz": fmt(o.filled / ct),
            "avgPx": fmt(o.average),
            "state": STATE[o.status],
            "fee": fmt(-o.fee),
            "feeCcy": "USDT",
            "reduceOnly": "true" if o.reduce_only else "false",
            "cTime": str(ms(o.created_ns)),
            "uTime": str(ms(o.updated_ns)),
        }

    def fills(self, p: dict[str, str]) -> list[dict[str, Any]]:
        """Fills (fee negative = charged), sizes in contracts for swaps."""
        self.book.now()
        rows = []
        for f in self.book.fills:
            o, ct = f.order, self._ct(f.order.instrument)
            if p.get("instId") not in (None, _inst_id(o.instrument)):
                continue
            if p.get("ordId") and p["ordId"] != str(o.id):
                continue
            rows.append(
                {
                    "instType": "SWAP" if o.instrument.kind == "perp" else "SPOT",
                    "instId": _inst_id(o.instrument),
                    "tradeId": str(f.id),
                    "ordId": str(o.id),
                    "clOrdId": o.client_id,
                    "billId": str(f.id),
                    "fillPx": fmt(f.price),
                    "fillSz": fmt(f.amount / ct),
                    "side": o.side,
                    "posSide": "net",
                    "execType": "T",
                    "fee": fmt(-f.fee),
                    "feeCcy": "USDT",
                    "ts": str(ms(f.ns)),
                }
            )
        return rows[::-1][: int(num(p, "limit", 100))]

    def bills(self, p: dict[str, str]) -> list[dict[str, Any]]:
        """Funding payments (type 8), newest first; `balChg` > 0 is received."""
        self.book.now()
        if p.get("type") not in (None, "8"):
            return []
        rows = [
            {
                "billId": str(x.id),
                "instType": "SWAP",
                "instId": _inst_id(x.instrument),
                "ccy": "USDT",
                "type": "8",
                "subType": "173" if x.amount < 0 else "174",
                "balChg": fmt(x.amount),
                "bal": "0",
                "sz": "0",
                "ts": str(ms(x.ns)),
            }
            for x in self.book.payments
        ]
        return rows[::-1][: int(num(p, "limit", 100))]

    def transfer(self, p: dict[str, str]) -> list[dict[str, Any]]:
        """Move a currency between the funding (6) and trading (18) accounts."""
        source, target = p.get("from", ""), p.get("to", "")
        if source not in ACCOUNTS or target not in ACCOUNTS:
            raise Reject("invalid_order", f"unsupported accounts {source} -> {target}")
        record = self.book.transfer(
            p.get("ccy", ""), num(p, "amt"), ACCOUNTS[source], ACCOUNTS[target]
        )
        return [
            {
                "transId": str(record["id"]),
                "ccy": p.get("ccy"),
                "from": source,
                "to": target,
                "amt": p.get("amt"),
            }
        ]

    def withdraw(self, p: dict[str, str]) -> list[dict[str, Any]]:
        """Withdraw from the funding account to another exchange."""
        move = self.network.withdraw(
            self.book, p.get("ccy", ""), num(p, "amt"), p.get("toAddr", "")
        )
        return [
            {
                "wdId": move["id"],
                "ccy": p.get("ccy"),
                "amt": p.get("amt"),
                "chain": p.get("chain", ""),
            }
        ]

    def currencies(self, p: dict[str, str]) -> list[dict[str, Any]]:
        """Currencies and their one chain (withdrawal precision 8 decimals, no fee)."""
        coins = sorted({"USDT", *(i.base for i in self._all())})
        return [
            {
                "ccy": c,
                "chain": f"{c}-TRC20",
                "name": c,
                "canDep": True,
                "canWd": True,
                "canInternal": True,
                "minWd": "0.00000001",
                "maxWd": "100000000",
                "wdTickSz": "8",
                "minFee": "0",
                "maxFee": "0",
                "fee": "0",
                "mainNet": True,
                "minDep": "0.00000001",
            }
            for c in coins
        ]

    def deposit_address(self, p: dict[str, str]) -> list[dict[str, Any]]:
        """The deposit address of a currency (one chain)."""
        ccy = p.get("ccy", "")
        return [
            {
                "ccy": ccy,
                "chain": f"{ccy}-TRC20",
                "addr": address_of(self.book.venue, ccy),
                "to": "6",
                "selected": True,
            }
        ]
