"""Binance's private endpoints in the rehearsal server: balances, orders, fills, wallet."""

from __future__ import annotations

from typing import Any

from services.rehearsal.binance.market import BinanceMarket
from services.rehearsal.book import Fill, Order, Reject
from services.rehearsal.dialect import fmt, ms
from services.rehearsal.network import address_of
from services.rehearsal.wire import num

ACCOUNTS = {"MAIN": "spot", "UMFUTURE": "margin"}
STATUS = {"open": "NEW", "closed": "FILLED", "canceled": "CANCELED"}


class BinanceAccount(BinanceMarket):
    """Accounts, orders and transfers in Binance's shapes."""

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
        assets = [
            {
                "asset": b.asset,
                "walletBalance": fmt(b.wallet),
                "unrealizedProfit": fmt(b.upnl),
                "marginBalance": fmt(b.equity),
                "initialMargin": fmt(b.im),
                "availableBalance": fmt(b.available),
                "maintMargin": "0",
                "updateTime": ms(now),
            }
            for b in self.book.margin_balances(now)
        ]
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

    def get_order(self, kind: str, p: dict[str, str]) -> dict[str, Any]:
        """One order by id or client id."""
        return self.order(kind, self.find(p))

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
