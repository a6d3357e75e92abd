"""`carry rehearse`: the live path against local exchange servers replaying recorded data.

The servers keep their own balances (the run's capital in the wallet venue's wallet
account), fill at the recorded prices with the venues' fees and slippage, settle
funding at 00/08/16 UTC and apply `--inject` changes at their times. `carry live
--trade` then runs against them, in this process, with its wall clock driven by the
servers' clock. Credentials are generated per rehearsal and handed over in this
process's environment only.
"""

from __future__ import annotations

import os
import secrets as token
import time
from dataclasses import dataclass

import anyio
import msgspec

from services.config.live import LiveConfig, LiveVenue
from services.config.run import RunConfig
from services.launcher.live import live_actors
from services.launcher.run import Progress, run_on_bus
from services.live.venues import close_adapters
from services.live_cex_venue.actor import wallet_venue
from services.recorder.actor import Recorder
from services.rehearsal.clock import SimClock
from services.rehearsal.inject import Injection
from services.rehearsal.server import Rehearsal, build, serve
from services.replay.record import RecordingTap
from services.runtime.memory import MemoryBus
from services.wall_clock.sources import REGISTERED

TIME_SOURCE = "rehearsal"


class RehearsalTime:
    """The servers' clock as a live run's time source."""

    def __init__(self, clock: SimClock) -> None:
        self.clock = clock

    async def now_ns(self) -> int:
        """Recorded time."""
        return self.clock.now_ns()

    async def sleep_until(self, ns: int) -> None:
        """Wait (at the servers' speed) and move the servers' clock to `ns`."""
        await self.clock.sleep_until(ns)


@dataclass
class Rehearsed:
    """A finished rehearsal: its recorder, servers and wall time."""

    recorder: Recorder
    config: RunConfig
    rehearsal: Rehearsal
    wall_s: float
    tap: RecordingTap | None = None


def rehearsal_config(config: RunConfig, rehearsal: Rehearsal, env_tag: str) -> RunConfig:
    """The live config that points every venue at its rehearsal server."""
    venues = {}
    for venue, dialect in rehearsal.dialects.items():
        names = {
            f: f"CARRY_REHEARSAL_{env_tag}_{venue.upper()}_{f.upper()}"
            for f in ("key", "secret", "password")
        }
        os.environ[names["key"]] = dialect.credentials.key
        os.environ[names["secret"]] = dialect.credentials.secret
        if dialect.credentials.password:
            os.environ[names["password"]] = dialect.credentials.password
        venues[venue] = LiveVenue(
            exchange=venue,
            api_url=rehearsal.urls[venue],
            key_env=names["key"],
            secret_env=names["secret"],
            password_env=names["password"] if dialect.credentials.password else "",
            rate_limit_ms=1,
        )
    capital = float(config.params.get("capital", 0.0))
    live = LiveConfig(
        venues=venues,
        wallet=wallet_venue(LiveConfig(venues={}), config.typed_params()),
        trade=True,
        time_source=TIME_SOURCE,
        max_order_notional=10 * capital,
        max_daily_loss=capital,
        backoff_s=0.05,
    )
    config = msgspec.structs.replace(config, live=live)
    return msgspec.structs.replace(config, actors=live_actors(config, live))


async def _rehearse(
    config: RunConfig,
    speed: float,
    injections: list[Injection],
    progress: Progress | None,
    record: bool,
) -> Rehearsed:
    clock = SimClock(config.start_ns, speed, config.step_ns)
    rehearsal = build(config, clock)
    wallet = wallet_venue(LiveConfig(venues={}), config.typed_params())
    book = rehearsal.book(wallet)
    book.credit(book.deposit_account, "USDT", float(config.params.get("capital", 0.0)))
    for inj in injections:
        rehearsal.inject(inj.venue, inj.account, inj.asset, inj.amount, inj.ns)
    await serve(rehearsal)
    tag = token.token_hex(4).upper()
    live_config = rehearsal_config(config, rehearsal, tag)
    REGISTERED[TIME_SOURCE] = RehearsalTime(clock)
    started = time.perf_counter()
    bus = MemoryBus()
    tap = RecordingTap() if record else None
    if tap is not None:
        bus.attach(tap)
    try:
        recorder = await run_on_bus(live_config, bus, live_config.actors, progress)
    finally:
        with anyio.CancelScope(shield=True):
            await close_adapters()
            await rehearsal.stop()
        REGISTERED.pop(TIME_SOURCE, None)
        for name in [n for n in os.environ if n.startswith(f"CARRY_REHEARSAL_{tag}_")]:
            del os.environ[name]
    return Rehearsed(recorder, live_config, rehearsal, time.perf_counter() - started, tap)


def rehearse(
    config: RunConfig,
    speed: float = 0.0,
    injections: list[Injection] | None = None,
    progress: Progress | None = None,
    record: bool = False,
) -> Rehearsed:
    """Rehearse `config` (a backtest config: mode, data, window) against local servers;
    with `record`, keep every event (the run's record, for `carry replay`)."""
    return anyio.run(_rehearse, config, speed, injections or [], progress, record)
