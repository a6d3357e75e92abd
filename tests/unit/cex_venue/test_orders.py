"""Order execution: fills, fees, slippage buckets, margin and balance checks."""

from __future__ import annotations

import pytest

from schemas.orders import PerpOrder, SpotOrder, TransferOrder
from services.cex_venue.margin import TierTable
from services.cex_venue.orders import OrderBook, Rejection
from tests.stubs import envelope, market, run_config

CONFIG = run_config("btc_basis")
TABLES = {
    v: {s: TierTable(t) for s, t in c.maintenance_tiers.items()} for v, c in CONFIG.venues.items()
}
MARKET = market(
    0,
    prices={
        "binance:spot:BTCUSDT": 50_000.0,
        "binance:perp:BTCUSDT": 50_100.0,
        "okx:perp:BTCUSDT": 50_100.0,
    },
)
COMMON = {**envelope(0, "strategy"), "order_id": "0/0", "action": "entry_full", "based_on": 0}


def test_spot_buy_pays_slippage_then_taker_fee_from_the_wallet() -> None:
    book = OrderBook(CONFIG, TABLES)
    order = SpotOrder(**COMMON, venue="binance", symbol="BTCUSDT", side="buy", quantity=1.0)
    fields = book.execute(order, {"wallet:BaseToken:USDT": 60_000.0}, MARKET)
    assert not isinstance(fields, Rejection)
    price = 50_000.0 * (1 + 4 / 10_000)  # 50k notional: the 100k bucket, 4 bps
    assert fields["price"] == pytest.approx(price)
    deltas = {d.key: d.amount for d in fields["deltas"]}
    assert deltas["binance:BaseToken:BTC"] == 1.0
    assert deltas["wallet:BaseToken:USDT"] == pytest.approx(-price * 1.001)
    assert fields["costs"][0].amount == pytest.approx(price * 0.001)


def test_spot_buy_beyond_the_wallet_is_rejected_with_the_amounts() -> None:
    book = OrderBook(CONFIG, TABLES)
    order = SpotOrder(**COMMON, venue="binance", symbol="BTCUSDT", side="buy", quantity=2.0)
    result = book.execute(order, {"wallet:BaseToken:USDT": 60_000.0}, MARKET)
    assert isinstance(result, Rejection)
    assert "wallet USDT 60000.00 < cost" in result.reason


def test_costs_off_fills_at_the_reference_without_fee() -> None:
    free = run_config("btc_basis", ["costs=false"])
    book = OrderBook(free, TABLES)
    order = PerpOrder(**COMMON, venue="okx", symbol="BTCUSDT", side="sell", quantity=0.1)
    fields = book.execute(order, {"okx:BaseToken:USDT": 1_000.0}, MARKET)
    assert not isinstance(fields, Rejection)
    assert fields["price"] == 50_100.0
    assert {d.key: d.amount for d in fields["deltas"]} == {
        "okx:Perp:BTCUSDT": -0.1,
        "okx:BaseToken:USDT": 0.0,
    }


def test_perp_increase_without_initial_margin_is_rejected() -> None:
    book = OrderBook(CONFIG, TABLES)
    order = PerpOrder(**COMMON, venue="okx", symbol="BTCUSDT", side="sell", quantity=1.0)
    result = book.execute(order, {"okx:BaseToken:USDT": 100.0}, MARKET)
    assert isinstance(result, Rejection)
    assert "initial margin" in result.reason


def test_perp_reduction_needs_no_margin_and_charges_fee_and_slippage() -> None:
    book = OrderBook(CONFIG, TABLES)
    order = PerpOrder(**COMMON, venue="okx", symbol="BTCUSDT", side="buy", quantity=0.5)
    fields = book.execute(order, {"okx:Perp:BTCUSDT": -1.0, "okx:BaseToken:USDT": 10.0}, MARKET)
    assert not isinstance(fields, Rejection)
    fill = 50_100.0 * (1 + 4 / 10_000)
    fee, slip = 0.5 * fill * 0.0005, 0.5 * (fill - 50_100.0)
    deltas = {d.key: d.amount for d in fields["deltas"]}
    assert deltas["okx:Perp:BTCUSDT"] == 0.5
    assert deltas["okx:BaseToken:USDT"] == pytest.approx(-(fee + slip))


def test_withdrawal_that_would_break_initial_margin_is_rejected() -> None:
    book = OrderBook(CONFIG, TABLES)
    order = TransferOrder(
        **COMMON, venue="okx", asset="USDT", from_account="okx", to_account="wallet", amount=990.0
    )
    ledger = {"okx:Perp:BTCUSDT": -1.0, "okx:BaseToken:USDT": 1_000.0}
    result = book.execute(order, ledger, MARKET)
    assert isinstance(result, Rejection)
    assert "initial margin" in result.reason
