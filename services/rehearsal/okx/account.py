"""Okx's private endpoints in the rehearsal server: balances, orders, fills, wallet."""

from __future__ import annotations

from typing import Any

from services.rehearsal.book import Order, Reject
from services.rehearsal.dialect import fmt, ms
from services.rehearsal.network import address_of
from services.rehearsal.okx.market import OkxMarket, inst_id
from services.rehearsal.wire import num

ACCOUNTS = {"6": "funding", "18": "margin"}
STATE = {"open": "live", "closed": "filled", "canceled": "canceled"}


class OkxAccount(OkxMarket):
    """Accounts, orders and transfers in Okx's shapes."""

    def balance(self, p: dict[str, str]) -> list[dict[str, Any]]:
        """The trading account: equity (with unrealised P&L) and available balance."""
        now = self.book.now()
        details = [
            {
                "ccy": b.asset,
                "eq": fmt(b.equity),
                "cashBal": fmt(b.wallet),
                "upl": fmt(b.upnl),
                "availBal": fmt(b.available),
                "availEq": fmt(b.available),
                "frozenBal": fmt(b.im),
                "uTime": str(ms(now)),
            }
            for b in self.book.margin_balances(now)
        ]
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
            if wanted is not None and inst_id(i) not in wanted:
                continue
            mark = self.book.market.price(i, now)
            rows.append(
                {
                    "instType": "SWAP",
                    "instId": inst_id(i),
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
            if p.get("instId") in (None, inst_id(o.instrument))
        ]

    def _order(self, o: Order) -> dict[str, Any]:
        i, ct = o.instrument, self._ct(o.instrument)
        return {
            "instType": "SWAP" if i.kind == "perp" else "SPOT",
            "instId": inst_id(i),
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
            if p.get("instId") not in (None, inst_id(o.instrument)):
                continue
            if p.get("ordId") and p["ordId"] != str(o.id):
                continue
            rows.append(
                {
                    "instType": "SWAP" if o.instrument.kind == "perp" else "SPOT",
                    "instId": inst_id(o.instrument),
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
                "instId": inst_id(x.instrument),
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
