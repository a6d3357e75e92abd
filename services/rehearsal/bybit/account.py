"""Bybit's private endpoints in the rehearsal server: balances, orders, fills, wallet."""

from __future__ import annotations

from typing import Any

from services.rehearsal.book import Order, Reject
from services.rehearsal.bybit.market import BybitMarket
from services.rehearsal.dialect import fmt, ms
from services.rehearsal.network import address_of
from services.rehearsal.wire import num

ACCOUNTS = {"UNIFIED": "margin", "FUND": "funding", "CONTRACT": "margin", "SPOT": "margin"}
STATUS = {"open": "New", "closed": "Filled", "canceled": "Cancelled"}


class BybitAccount(BybitMarket):
    """Accounts, orders and transfers in Bybit's shapes."""

    def wallet_balance(self, p: dict[str, str]) -> dict[str, Any]:
        """The unified account: wallet balance and equity (with unrealised P&L) per coin."""
        now = self.book.now()
        coins = [
            {
                "coin": b.asset,
                "walletBalance": fmt(b.wallet),
                "equity": fmt(b.equity),
                "unrealisedPnl": fmt(b.upnl),
                "locked": "0",
                "totalPositionIM": fmt(b.im),
                "totalOrderIM": "0",
            }
            for b in self.book.margin_balances(now)
        ]
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
