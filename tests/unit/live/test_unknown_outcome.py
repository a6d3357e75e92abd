"""An order whose outcome is unknown is looked up by client order id, never doubled."""

from __future__ import annotations

import pytest
import structlog

from services.config.live import LiveConfig
from services.live_cex_venue.execute import submit
from services.rehearsal.server import Rehearsal
from services.rehearsal.wire import Fault
from tests.unit.live.conftest import EXCHANGES, adapter

pytestmark = pytest.mark.timeout(120)
ORDER_PATHS = {
    "binance": "/fapi/v1/order",
    "bybit": "/v5/order/create",
    "okx": "/api/v5/trade/order",
}


async def _fund(rehearsal: Rehearsal, venue: str) -> None:
    rehearsal.book(venue).credit("margin", "USDT", 50_000.0)


@pytest.mark.parametrize("venue", EXCHANGES)
async def test_a_timed_out_order_that_was_placed_is_found_not_resent(
    rehearsal: Rehearsal, venue: str
) -> None:
    await _fund(rehearsal, venue)
    b = adapter(rehearsal, venue, attempts=3, timeout_ms=400)
    book = rehearsal.book(venue)
    live = LiveConfig(venues={}, retries=3, backoff_s=0.01)
    try:
        await b.load()
        # The server places the order but answers too late: the client sees a timeout.
        rehearsal.dialects[venue].faults.add(
            Fault(path=ORDER_PATHS[venue], count=1, delay_s=0.8, status=0)
        )
        with structlog.testing.capture_logs() as logs:
            state = await submit(
                b, "perp", "BTCUSDT", "sell", 0.1, "cxunknown1", False, live, structlog.get_logger()
            )
        assert state.status == "closed"
        assert state.filled == pytest.approx(0.1)
        placed = [o for o in book.orders if o.client_id == "cxunknown1"]
        assert len(placed) == 1
        assert "order_outcome_unknown" in [e["event"] for e in logs]
    finally:
        await b.close()


@pytest.mark.parametrize("venue", EXCHANGES)
async def test_a_lost_order_is_sent_again_under_the_same_client_id(
    rehearsal: Rehearsal, venue: str
) -> None:
    await _fund(rehearsal, venue)
    b = adapter(rehearsal, venue, attempts=3)
    book = rehearsal.book(venue)
    live = LiveConfig(venues={}, retries=3, backoff_s=0.01)
    try:
        await b.load()
        # The request never reaches the book (a 503 in front of it): looked up, not found, resent.
        rehearsal.dialects[venue].faults.add(
            Fault(path=ORDER_PATHS[venue], count=1, status=503, body="unavailable")
        )
        state = await submit(
            b, "perp", "BTCUSDT", "sell", 0.1, "cxlost1", False, live, structlog.get_logger()
        )
        assert state.filled == pytest.approx(0.1)
        assert len([o for o in book.orders if o.client_id == "cxlost1"]) == 1
    finally:
        await b.close()
