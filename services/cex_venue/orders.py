"""Order execution on the CEX venues: checks, fills and the resulting deltas."""

from __future__ import annotations

from typing import Any, NamedTuple

from schemas.market import MarketSnapshot
from schemas.orders import OrderBase, PerpOrder, SpotOrder, TransferOrder
from schemas.pnl import SLIPPAGE, TRADING_FEES, TRANSFER
from schemas.triggers import Cost, PositionDelta
from services.cex_venue.fills import market_fill
from services.cex_venue.margin import TierTable
from services.config.run import RunConfig
from services.valuation.keys import WALLET, cash, parse_key, perp

TOLERANCE = 1e-9
"""Relative slack for balance checks (float rounding of amounts computed from the ledger)."""


class Rejection(NamedTuple):
    """Why an order was refused."""

    reason: str


def _short(amount: float, available: float) -> bool:
    return amount > available + TOLERANCE * max(1.0, abs(amount))


class OrderBook:
    """Executes market orders against a ledger.

    Args:
        config: the run (venue tables, `costs` switch).
        tables: venue -> symbol -> maintenance tiers.
    """

    def __init__(self, config: RunConfig, tables: dict[str, dict[str, TierTable]]) -> None:
        self.venues = config.venues
        self.tables = tables
        self.costs = config.typed_params().costs

    def execute(
        self,
        order: SpotOrder | PerpOrder | TransferOrder,
        ledger: dict[str, float],
        market: MarketSnapshot,
    ) -> dict[str, Any] | Rejection:
        """Fields of the `VenueExecution` for `order`, or why it is rejected."""
        if isinstance(order, SpotOrder):
            return self._spot(order, ledger, market)
        if isinstance(order, PerpOrder):
            return self._perp(order, ledger, market)
        return self._transfer(order, ledger, market)

    def _spot(
        self, order: SpotOrder, ledger: dict[str, float], market: MarketSnapshot
    ) -> dict[str, Any] | Rejection:
        cfg = self.venues[order.venue]
        if order.symbol not in cfg.spot_series or order.quantity <= 0:
            return Rejection(
                f"no spot market {order.symbol} on {order.venue} "
                f"or quantity {order.quantity} not positive"
            )
        base = order.symbol.removesuffix("USDT")
        reference = market.prices[f"{order.venue}:spot:{order.symbol}"]
        buy = order.side == "buy"
        fill = market_fill(
            reference, order.quantity, buy, cfg.spot_taker_fee, cfg.slippage_buckets, self.costs
        )
        wallet, held = cash(WALLET, "USDT"), cash(order.venue, base)
        notional = order.quantity * fill.price
        if buy:
            if _short(notional + fill.fee, ledger.get(wallet, 0.0)):
                return Rejection(
                    f"wallet USDT {ledger.get(wallet, 0.0):.2f} < cost {notional + fill.fee:.2f}"
                )
            deltas = [
                PositionDelta(wallet, -(notional + fill.fee)),
                PositionDelta(held, order.quantity),
            ]
        else:
            if _short(order.quantity, ledger.get(held, 0.0)):
                return Rejection(f"{held} {ledger.get(held, 0.0)} < {order.quantity}")
            deltas = [
                PositionDelta(held, -order.quantity),
                PositionDelta(wallet, notional - fill.fee),
            ]
        return self._fields(
            order,
            "spot_trade",
            order.symbol,
            deltas,
            fill.price,
            reference,
            fill.fee,
            order.side,
            order.quantity,
        )

    def _perp(
        self, order: PerpOrder, ledger: dict[str, float], market: MarketSnapshot
    ) -> dict[str, Any] | Rejection:
        cfg = self.venues[order.venue]
        table = self.tables[order.venue].get(order.symbol)
        if table is None or order.quantity <= 0:
            return Rejection(
                f"no perp {order.symbol} on {order.venue} or quantity {order.quantity} not positive"
            )
        reference = market.prices[f"{order.venue}:perp:{order.symbol}"]
        buy = order.side == "buy"
        fill = market_fill(
            reference, order.quantity, buy, cfg.perp_taker_fee, cfg.slippage_buckets, self.costs
        )
        key, usdt = perp(order.venue, order.symbol), cash(order.venue, "USDT")
        size = ledger.get(key, 0.0)
        new_size = size + (order.quantity if buy else -order.quantity)
        charge = fill.fee + fill.slippage
        if abs(new_size) > abs(size):
            notional = abs(new_size) * reference
            if notional > table.max_notional:
                return Rejection(
                    f"notional {notional:.0f} above the venue's largest tier "
                    f"{table.max_notional:.0f}"
                )
            balance = ledger.get(usdt, 0.0) - charge
            required = self._initial(order.venue, ledger, market, key, new_size)
            if _short(required, balance):
                return Rejection(
                    f"{order.venue} margin {balance:.2f} USDT < initial margin "
                    f"{required:.2f} for {notional:.0f} notional"
                )
        deltas = [PositionDelta(key, new_size - size), PositionDelta(usdt, -charge)]
        return self._fields(
            order,
            "perp_trade",
            order.symbol,
            deltas,
            fill.price,
            reference,
            fill.fee,
            order.side,
            order.quantity,
        )

    def _transfer(
        self, order: TransferOrder, ledger: dict[str, float], market: MarketSnapshot
    ) -> dict[str, Any] | Rejection:
        source = cash(order.from_account, order.asset)
        available = ledger.get(source, 0.0)
        if order.amount <= 0 or _short(order.amount, available):
            return Rejection(f"{source} holds {available:.6f}, cannot transfer {order.amount}")
        if order.from_account in self.tables and order.asset == "USDT":
            required = self._initial(order.from_account, ledger, market, "", 0.0)
            if _short(required, available - order.amount):
                return Rejection(
                    f"{order.from_account} would keep {available - order.amount:.2f} "
                    f"USDT < initial margin {required:.2f}"
                )
        deltas = [
            PositionDelta(source, -order.amount),
            PositionDelta(cash(order.to_account, order.asset), order.amount),
        ]
        fields = self._fields(
            order, "transfer", order.asset, deltas, 0.0, 0.0, 0.0, "", order.amount
        )
        fields["cause"] = TRANSFER
        fields["costs"] = []
        return fields

    def _initial(
        self,
        venue: str,
        ledger: dict[str, float],
        market: MarketSnapshot,
        key: str,
        size: float,
    ) -> float:
        """Initial margin of the venue's perps, with `key` at `size` if given."""
        total = 0.0
        for k, amount in ledger.items():
            parsed = parse_key(k)
            if parsed.venue == venue and parsed.kind == "Perp" and k != key:
                mark = market.prices[f"{venue}:perp:{parsed.symbol}"]
                total += self.tables[venue][parsed.symbol].initial(abs(amount) * mark)
        if key:
            symbol = parse_key(key).symbol
            mark = market.prices[f"{venue}:perp:{symbol}"]
            total += self.tables[venue][symbol].initial(abs(size) * mark)
        return total

    @staticmethod
    def _fields(
        order: SpotOrder | PerpOrder | TransferOrder,
        operation: str,
        instrument: str,
        deltas: list[PositionDelta],
        price: float,
        reference: float,
        fee: float,
        side: str,
        quantity: float,
    ) -> dict[str, Any]:
        costs = [Cost(TRADING_FEES, "USDT", fee)] if fee else []
        return execution_fields(
            order, operation, instrument, deltas, price, reference, costs, side, quantity
        )


def execution_fields(
    order: OrderBase,
    operation: str,
    instrument: str,
    deltas: list[PositionDelta],
    price: float,
    reference: float,
    costs: list[Cost],
    side: str,
    quantity: float,
    cause: str = SLIPPAGE,
) -> dict[str, Any]:
    """The fields of the `VenueExecution` of `order` (simulated or live)."""
    return {
        "deltas": deltas,
        "order_id": order.order_id,
        "action": order.action,
        "venue": order.venue,
        "operation": operation,
        "instrument": instrument,
        "side": side,
        "quantity": quantity,
        "price": price,
        "reference_price": reference,
        "costs": costs,
        "cause": cause,
    }
