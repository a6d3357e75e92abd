"""Rehearsal servers for the live tests (port 0, this process's event loop)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
import structlog

from services.adapters.cex import CexAdapter
from services.config.live import LiveVenue
from services.config.run import RunConfig, build_run_config
from services.live.secrets import Secrets
from services.rehearsal.clock import SimClock
from services.rehearsal.server import Rehearsal, build, serve
from services.runtime.clock import HOUR_NS
from tests.stubs import sample_data

EXCHANGES = ("binance", "bybit", "okx")


def sample_config(mode: str = "btc_basis") -> RunConfig:
    """A week of the synthetic sample (its instruments on every venue)."""
    return build_run_config(mode, sample_data(), [], window=("2024-02-01", "2024-02-08"))


@pytest.fixture
async def rehearsal() -> AsyncIterator[Rehearsal]:
    """Running rehearsal exchanges over the sample data, 100k USDT at binance spot."""
    config = sample_config()
    r = build(config, SimClock(config.start_ns, 0.0, HOUR_NS))
    r.book("binance").credit("spot", "USDT", 100_000.0)
    await serve(r)
    try:
        yield r
    finally:
        await r.stop()


def adapter(
    r: Rehearsal, venue: str, attempts: int = 2, timeout_ms: int = 2_000, secret: str = ""
) -> CexAdapter:
    """An adapter of `venue` pointed at its rehearsal server."""
    c = r.dialects[venue].credentials
    spec = LiveVenue(exchange=venue, api_url=r.urls[venue], rate_limit_ms=1, timeout_ms=timeout_ms)
    return CexAdapter(venue, spec, Secrets(c.key, secret or c.secret, c.password), attempts, 0.01)


@pytest.fixture(autouse=True)
def _quiet_logs() -> Iterator[None]:
    """Logs go to structlog's capture (a CLI test may have closed the configured stream)."""
    with structlog.testing.capture_logs():
        yield
