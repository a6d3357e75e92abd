"""Live actors: stale quotes within the limits, a restart that resumes from the venues."""

from __future__ import annotations

import msgspec
import pytest

from schemas.control import RunStopped
from schemas.market import MarketSnapshot
from services.config.live import LiveConfig
from services.launcher.live import live_actors
from services.launcher.rehearse import TIME_SOURCE, RehearsalTime, rehearsal_config
from services.launcher.run import run_on_bus
from services.live.venues import close_adapters
from services.live_market_data.actor import LiveMarketData, Reading
from services.rehearsal.clock import SimClock
from services.rehearsal.server import build, serve
from services.runtime.clock import HOUR_NS
from services.runtime.memory import MemoryBus
from services.wall_clock.sources import REGISTERED
from tests.stubs import context
from tests.unit.live.conftest import sample_config

pytestmark = pytest.mark.timeout(300)
SPOT, PERP = "binance:spot:BTCUSDT", "binance:perp:BTCUSDT"


def _actor() -> LiveMarketData:
    config = sample_config()
    config = msgspec.structs.replace(config, live=LiveConfig(venues={}))
    return LiveMarketData(context(config))


def test_a_missing_quote_is_carried_within_the_staleness_limit_and_listed() -> None:
    actor = _actor()
    quotes = {k: 100.0 for k in actor.quotes}
    ((_, first),) = actor._snapshot(0, 0, Reading(prices=quotes))
    assert isinstance(first, MarketSnapshot)
    assert first.filled == []
    partial = {k: v for k, v in quotes.items() if k != SPOT}
    ((_, second),) = actor._snapshot(1, HOUR_NS, Reading(prices=partial, failed={SPOT: "timeout"}))
    assert isinstance(second, MarketSnapshot)
    assert second.prices[SPOT] == 100.0
    assert second.filled == [SPOT]


def test_a_quote_older_than_the_limit_stops_the_run() -> None:
    actor = _actor()
    quotes = {k: 100.0 for k in actor.quotes}
    actor._snapshot(0, 0, Reading(prices=quotes))
    partial = {k: v for k, v in quotes.items() if k != PERP}
    ((_topic, stopped),) = actor._snapshot(
        25, 25 * HOUR_NS, Reading(prices=partial, failed={PERP: "429"})
    )
    assert isinstance(stopped, RunStopped)
    assert PERP in stopped.reason


async def test_a_restart_resumes_from_the_venues_balances() -> None:
    config = sample_config()
    config = msgspec.structs.replace(config, steps=3)
    clock = SimClock(config.start_ns, 0.0, config.step_ns)
    rehearsal = build(config, clock)
    rehearsal.book("binance").credit("spot", "USDT", 100_000.0)
    await serve(rehearsal)
    REGISTERED[TIME_SOURCE] = RehearsalTime(clock)
    try:
        first = rehearsal_config(config, rehearsal, "T1")
        rec1 = await run_on_bus(first, MemoryBus(), first.actors)
        await close_adapters()
        assert len(rec1.trades["step"]) == 7
        # The same account, three hours later: the run starts from what the venues hold.
        later = msgspec.structs.replace(
            first, start_ns=config.start_ns + 3 * HOUR_NS, run_id="restart"
        )
        assert later.live is not None
        live = msgspec.structs.replace(later.live, seed_from_venues=True)
        second = msgspec.structs.replace(later, live=live, actors=live_actors(later, live))
        rec2 = await run_on_bus(second, MemoryBus(), second.actors)
        assert rec2.last is not None
        assert rec1.last is not None
        assert rec2.last.initial_equity == pytest.approx(rec1.last.equity, rel=1e-3)
        assert rec2.discrepancies == []
        # Nothing is entered twice: what the restart trades is a small top-up at most.
        first_size = sum(abs(q) for q in rec1.trades["quantity"])
        assert sum(abs(q) for q in rec2.trades["quantity"]) < 0.05 * first_size
    finally:
        await close_adapters()
        await rehearsal.stop()
        REGISTERED.pop(TIME_SOURCE, None)
