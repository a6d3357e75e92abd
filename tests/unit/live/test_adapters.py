"""Every adapter call against the rehearsal servers, through unmodified ccxt."""

from __future__ import annotations

import pytest

from services.adapters.errors import (
    AUTH,
    INSUFFICIENT_FUNDS,
    INVALID_ORDER,
    RATE_LIMITED,
    RETRYABLE,
    VenueError,
)
from services.rehearsal.server import Rehearsal
from services.rehearsal.wire import Fault
from services.runtime.clock import HOUR_NS
from tests.unit.live.conftest import EXCHANGES, adapter

MS = 1_000_000
pytestmark = pytest.mark.timeout(120)


@pytest.mark.parametrize("venue", EXCHANGES)
async def test_market_data_calls_return_the_recorded_prices(
    rehearsal: Rehearsal, venue: str
) -> None:
    a = adapter(rehearsal, venue)
    try:
        await a.load()
        book = rehearsal.book(venue)
        now = book.clock.now_ns()
        assert await a.server_time_ms() == now // MS
        perp = book.market.find(venue, "perp", "BTCUSDT")
        assert perp is not None
        mark, rate, nxt = await a.perp_quote("BTCUSDT")
        assert mark == book.market.price(perp, now)
        assert rate == book.market.funding_rate(perp, now)
        assert nxt == (now + 8 * HOUR_NS) // MS
        spot = book.market.find(venue, "spot", "BTCUSDT")
        if spot is not None:
            assert await a.spot_price("BTCUSDT") == book.market.price(spot, now)
        rehearsal.clock.move_to(now + 24 * HOUR_NS)
        rates = await a.settled_rates("BTCUSDT", now // MS)
        assert rates[now // MS] == book.market.funding_rate(perp, now)
        assert len(rates) == 4  # 00, 08, 16 and the next day's 00 UTC
        candles = await a.ohlcv("perp", "BTCUSDT", now // MS, 10)
        assert [c[0] for c in candles] == [(now + h * HOUR_NS) // MS for h in range(10)]
    finally:
        await a.close()


@pytest.mark.parametrize("venue", EXCHANGES)
async def test_orders_fills_fees_positions_and_funding(rehearsal: Rehearsal, venue: str) -> None:
    a, b = adapter(rehearsal, "binance"), adapter(rehearsal, venue)
    try:
        await a.load()
        await b.load()
        book = rehearsal.book(venue)
        if venue == "binance":
            await a.transfer("USDT", 20_000.0, "spot", a.caps.margin_account)
        else:
            address = await b.deposit_address("USDT")
            await a.withdraw("USDT", 20_000.0, address)
            assert book.balance(book.deposit_account, "USDT") == 20_000.0
            await b.transfer("USDT", 20_000.0, b.caps.wallet_account, b.caps.margin_account)
        assert book.balance("margin", "USDT") == 20_000.0
        await b.create("perp", "BTCUSDT", "sell", 0.25, "cx1")
        state = await b.lookup("perp", "BTCUSDT", "cx1")
        assert state is not None
        assert state.status == "closed"
        assert state.filled == pytest.approx(0.25)
        fill = book.fills[-1]
        assert state.average == pytest.approx(fill.price)
        fees = await b.fees("perp", "BTCUSDT", state)
        assert [(f.asset, round(f.amount, 6)) for f in fees] == [("USDT", round(fill.fee, 6))]
        positions = await b.positions(["BTCUSDT"])
        assert positions["BTCUSDT"].size == pytest.approx(-0.25)
        assert positions["BTCUSDT"].entry == pytest.approx(fill.price)
        raw = await b.balance(dict(b.caps.margin_balance))
        assert b.caps.margin_wallet(raw["info"])["USDT"] == pytest.approx(20_000.0 - fill.fee)
        start = book.clock.now_ns()
        rehearsal.clock.move_to(start - start % (8 * HOUR_NS) + 8 * HOUR_NS)
        payments = await b.funding_payments("BTCUSDT", start // MS)
        assert [p.amount for p in payments] == pytest.approx([p.amount for p in book.payments])
        assert await b.lookup("perp", "BTCUSDT", "never-sent") is None
        await b.create("perp", "BTCUSDT", "buy", 0.25, "cx2", reduce_only=True)
        assert (await b.positions(["BTCUSDT"]))["BTCUSDT"].size == pytest.approx(0.0, abs=1e-12)
    finally:
        await a.close()
        await b.close()


@pytest.mark.parametrize("venue", EXCHANGES)
async def test_refusals_map_to_the_taxonomy(rehearsal: Rehearsal, venue: str) -> None:
    b = adapter(rehearsal, venue)
    try:
        await b.load()
        with pytest.raises(VenueError) as funds:
            await b.create("perp", "BTCUSDT", "sell", 5.0, "cx-big")
        assert funds.value.kind == INSUFFICIENT_FUNDS
        with pytest.raises(VenueError) as reduce:
            await b.create("perp", "BTCUSDT", "buy", 1.0, "cx-ro", reduce_only=True)
        assert reduce.value.kind == INVALID_ORDER
    finally:
        await b.close()


@pytest.mark.parametrize("venue", EXCHANGES)
async def test_wrong_credentials_are_an_auth_error_without_the_secret(
    rehearsal: Rehearsal, venue: str
) -> None:
    planted = "PLANTED-SECRET-0123456789abcdef"
    b = adapter(rehearsal, venue, secret=planted)
    try:

        async def probe() -> None:  # OKX already loads its currencies with the keys
            await b.load()
            await b.balance(dict(b.caps.margin_balance))

        with pytest.raises(VenueError) as e:
            await probe()
        assert e.value.kind == AUTH
        assert planted not in str(e.value)
    finally:
        await b.close()


@pytest.mark.parametrize(
    ("venue", "status", "body"),
    [
        ("binance", 429, '{"code":-1003,"msg":"Too many requests."}'),
        ("binance", 418, '{"code":-1003,"msg":"IP banned."}'),
        ("bybit", 403, "rate limited"),
        ("okx", 429, '{"code":"50011","msg":"Too Many Requests","data":[]}'),
    ],
)
async def test_rate_limits_are_retried_with_backoff_then_reported(
    rehearsal: Rehearsal, venue: str, status: int, body: str
) -> None:
    b = adapter(rehearsal, venue, attempts=3)
    dialect = rehearsal.dialects[venue]
    try:
        await b.load()
        dialect.faults.add(Fault(path="", count=2, status=status, body=body))
        assert await b.server_time_ms() > 0  # two refusals, then served
        dialect.faults.add(Fault(path="", count=3, status=status, body=body))
        with pytest.raises(VenueError) as e:
            await b.server_time_ms()
        assert e.value.kind == RATE_LIMITED
    finally:
        await b.close()


@pytest.mark.parametrize("venue", EXCHANGES)
async def test_timeouts_are_retried_then_reported(rehearsal: Rehearsal, venue: str) -> None:
    b = adapter(rehearsal, venue, attempts=2, timeout_ms=300)
    try:
        await b.load()
        rehearsal.dialects[venue].faults.add(Fault(path="", count=1, delay_s=0.6))
        assert await b.server_time_ms() > 0
        rehearsal.dialects[venue].faults.add(Fault(path="", count=2, delay_s=0.6))
        with pytest.raises(VenueError) as e:
            await b.server_time_ms()
        assert e.value.kind == RETRYABLE
    finally:
        await b.close()
