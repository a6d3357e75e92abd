"""The live market data actor.

Inputs: `Tick`.
Outputs: one `MarketSnapshot` per step, under the same keys as the recorded feed:
spot last prices, perp marks, the funding rate each venue settled at a 00/08/16 UTC
step, and each perp's current rate and next funding time. There are no intra-hour
highs and lows (consumers use the price) and no oracle: USDT/USD is 1.
Faults: a quote that cannot be read after the retries is carried from its last reading
within the run's staleness limits and listed in `filled` (the risk monitor reports
it); a quote older than the limit, or never read, stops the run (fail closed).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import anyio

from schemas import clock, control, market
from schemas.base import Event
from schemas.clock import Tick
from schemas.control import RunStarted, RunStopped
from schemas.market import MarketSnapshot
from services.adapters.errors import VenueError
from services.live.venues import adapter_for
from services.market_data.frame import FUNDING_PERIOD_NS
from services.market_data.plan import feeds_for
from services.runtime.actor import Actor, ActorContext, Out
from services.runtime.clock import HOUR_NS

MS = 1_000_000
CHAIN_FIELDS = ("aave", "oracle", "lst", "peg", "gas")
"""Feeds a chain venue serves (read from its node, not from an exchange)."""


@dataclass
class Reading:
    """What one step read from the venues."""

    prices: dict[str, float] = field(default_factory=dict)
    funding: dict[str, float] = field(default_factory=dict)
    funding_now: dict[str, float] = field(default_factory=dict)
    next_funding: dict[str, int] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)
    chain: Any = None
    chain_filled: bool = False
    chain_stale: str = ""


class LiveMarketData(Actor):
    """Reads the venues at every tick."""

    name = "live_market_data"
    topics = (clock.TOPIC,)

    def __init__(self, ctx: ActorContext) -> None:
        super().__init__(ctx)
        feeds = feeds_for(ctx.config)
        self.quotes = [f.key for f in feeds if f.field in ("prices", "perp")]
        self.rates = [f.key for f in feeds if f.field == "funding"]
        self.last: dict[str, tuple[float, int]] = {}
        p = ctx.config.typed_params()
        self.max_age = int(p.price_staleness_hours * HOUR_NS)
        live = ctx.config.live
        chains = [n for n, v in sorted(live.venues.items()) if v.kind == "chain"] if live else []
        on_chain = any(f.field in CHAIN_FIELDS for f in feeds)
        self.chain_venue = chains[0] if chains and on_chain else ""
        self.index_age = int(p.index_staleness_hours * HOUR_NS)
        self._feed: Any = None

    def _chain_read(self, ts: int) -> tuple[Any, bool]:
        """The chain's market fields (a worker thread; web3 is imported here)."""
        from services.chain.feed import ChainFeed
        from services.live_chain_venue.connect import market_of

        if self._feed is None:
            live = self.config.live
            assert live is not None
            market, wallet = market_of(self.chain_venue, live, self.config)
            self._feed = ChainFeed(market, wallet, self.index_age)
        return self._feed.read(ts)  # type: ignore[no-any-return]

    def on_start(self, event: RunStarted) -> list[Out]:
        """Nothing to load: quotes are read at each tick."""
        return []

    def on_event(self, topic: str, event: Event) -> list[Out]:
        """Read the venues for the tick's step."""
        if not isinstance(event, Tick):
            return []
        step, ts = event.step, event.ts

        async def read() -> Reading:
            reading = Reading()
            if self.chain_venue:
                from services.chain.feed import StaleChain

                try:
                    reading.chain, reading.chain_filled = await anyio.to_thread.run_sync(
                        self._chain_read, ts
                    )
                except StaleChain as e:
                    reading.chain_stale = str(e)
            async with anyio.create_task_group() as tg:
                for key in self.quotes:
                    tg.start_soon(self._quote, key, reading)
                if ts % FUNDING_PERIOD_NS == 0:
                    for key in self.rates:
                        tg.start_soon(self._settled, key, ts, reading)
            return reading

        def publish(result: object) -> list[Out]:
            if isinstance(result, Exception):
                raise result
            assert isinstance(result, Reading)
            return self._snapshot(step, ts, result)

        self.jobs.start(read, publish)
        return []

    async def _quote(self, key: str, reading: Reading) -> None:
        venue, kind, symbol = key.split(":")
        live = self.config.live
        assert live is not None
        try:
            adapter = adapter_for(venue, live)
            if kind == "perp":
                mark, rate, nxt = await adapter.perp_quote(symbol)
                reading.prices[key] = mark
                reading.funding_now[key] = rate
                if nxt:
                    reading.next_funding[key] = nxt * MS
            else:
                reading.prices[key] = await adapter.spot_price(symbol)
        except VenueError as e:
            reading.failed[key] = e.message

    async def _settled(self, key: str, ts: int, reading: Reading) -> None:
        venue, _, symbol = key.split(":")
        live = self.config.live
        assert live is not None
        try:
            rates = await adapter_for(venue, live).settled_rates(symbol, ts // MS)
        except VenueError as e:
            self.log.warning("funding_rate_unread", instrument=key, error=e.message)
            return
        if ts // MS in rates:
            reading.funding[key] = rates[ts // MS]

    def _snapshot(self, step: int, ts: int, reading: Reading) -> list[Out]:
        prices: dict[str, float] = {}
        filled: list[str] = []
        if reading.chain_stale:
            self.log.error("chain_stale_beyond_limit", reason=reading.chain_stale)
            return [(control.TOPIC, self.make(RunStopped, step, reason=reading.chain_stale))]
        chain = reading.chain
        if chain is not None and reading.chain_filled:
            filled.append(f"chain:{self.chain_venue}")
        for key in self.quotes:
            if key in reading.prices:
                prices[key] = reading.prices[key]
                self.last[key] = (prices[key], ts)
                continue
            held = self.last.get(key)
            if held is None or ts - held[1] > self.max_age:
                reason = (
                    f"no quote for {key} within the price staleness limit "
                    f"({self.max_age / HOUR_NS:g} h): {reading.failed.get(key, 'not read')}"
                )
                self.log.error("market_data_stale_beyond_limit", instrument=key, reason=reason)
                return [(control.TOPIC, self.make(RunStopped, step, reason=reason))]
            prices[key] = held[0]
            filled.append(key)
            self.log.warning(
                "quote_carried",
                instrument=key,
                age_s=(ts - held[1]) / 1e9,
                error=reading.failed.get(key, ""),
            )
        snapshot = self.make(
            MarketSnapshot,
            step,
            prices=prices,
            funding=dict(sorted(reading.funding.items())),
            oracle={"USDT/USD": 1.0, **(chain.oracle if chain else {})},
            indices=dict(chain.indices) if chain else {},
            # No LST market on the chain: exits are priced at the oracle rate.
            pegs={
                k.removeprefix("lst:"): v for k, v in chain.indices.items() if k.startswith("lst:")
            }
            if chain
            else {},
            gas_gwei=chain.gas_gwei if chain else 0.0,
            filled=filled,
            funding_now=dict(sorted(reading.funding_now.items())),
            next_funding=dict(sorted(reading.next_funding.items())),
        )
        return [(market.TOPIC, snapshot)]
