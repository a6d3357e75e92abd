"""The ceilings: raw MemoryBus delivery and msgspec encode+decode of the trigger union."""

from __future__ import annotations

import time

from schemas.clock import Tick
from schemas.triggers import Cost, M2MSettlement, PositionDelta, VenueExecution, codec
from services.runtime.actor import Actor, Out
from services.runtime.host import ActorHost, Mailbox
from services.runtime.memory import MemoryBus
from tests.stubs import run_config

N = 200_000


class _Relay(Actor):
    """Passes each tick on to the next topic of a chain."""

    name = "relay"
    topics = ()

    def __init__(self, ctx, src: str, dst: str | None) -> None:
        super().__init__(ctx)
        self.src, self.dst = src, dst

    def on_event(self, topic: str, event: Tick) -> list[Out]:
        if self.dst is None:
            return []
        return [(self.dst, event)]


def memory_bus_events_per_s(stages: int = 10) -> float:
    """Events/s through a chain of `stages` relays on one MemoryBus."""
    config = run_config()
    bus = MemoryBus(max_pending=N + 10)
    for i in range(stages):
        src, dst = f"t{i}", (f"t{i + 1}" if i + 1 < stages else None)
        host = ActorHost(f"r{i}", (src,), lambda ctx, s=src, d=dst: _Relay(ctx, s, d))
        host.boxes[config.run_id] = Mailbox(host.factory(host.context(config)), dedup=False)
        bus.attach(host)
    tick = Tick(run_id=config.run_id, step=0, ts=0, source="bench", event_id="bench/0/0")
    for _ in range(N // stages):
        bus.publish_nowait("t0", tick)
    started = time.perf_counter()
    delivered = bus.drain()
    return delivered / (time.perf_counter() - started)


def codec_events_per_s() -> float:
    """msgpack encode + decode per second of a typical trigger mix."""
    env = {"run_id": "bench", "step": 1, "ts": 0, "source": "cex_venue", "event_id": "cex/1/0"}
    events = [
        M2MSettlement(
            **env,
            deltas=[PositionDelta("binance:BaseToken:USDT", 1.5)],
            venue="binance",
            instrument="binance:perp:BTCUSDT",
            kind="funding",
            size=-1.0,
            mark=60_000.0,
            rate=0.0001,
            amount=6.0,
        ),
        VenueExecution(
            **env,
            deltas=[
                PositionDelta("binance:Perp:BTCUSDT", -0.1),
                PositionDelta("binance:BaseToken:USDT", -3.0),
            ],
            order_id="1/0",
            action="entry_full",
            venue="binance",
            operation="perp_trade",
            instrument="BTCUSDT",
            side="sell",
            quantity=0.1,
            price=60_000.0,
            reference_price=60_010.0,
            costs=[Cost("trading_fees", "USDT", 3.0)],
        ),
    ]
    started = time.perf_counter()
    for i in range(N):
        codec.decode(codec.encode(events[i & 1]))
    return N / (time.perf_counter() - started)
