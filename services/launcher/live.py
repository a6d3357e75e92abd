"""A live run (paper or trading) on its venues, with the operator's switches.

Before anything starts every venue is checked: a known exchange, its secrets present,
its markets loaded and, with credentials, one balance read (wrong credentials fail
here, in one message naming the venue). While it runs: a kill file stops new orders;
touching the acknowledgement file lifts halts (reconciliation, daily loss, kill file
once removed); SIGTERM or SIGINT stops new orders, cancels open ones, finishes the
current step and writes the results folder.
"""

from __future__ import annotations

import signal
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import anyio
import msgspec
import structlog

from schemas import control
from schemas.base import Event
from schemas.control import HaltAcknowledged, StopRequested, TradingHalted
from services.adapters.client import capabilities
from services.adapters.errors import AUTH, VenueError
from services.config.live import LiveConfig
from services.config.run import ACTORS_BY_STRATEGY, RunConfig
from services.errors import CarryError, ConfigError
from services.launcher.backtest import Finished, _on_kafka
from services.launcher.run import Progress, run_on_bus
from services.live.secrets import read_secrets, rpc_url
from services.live.venues import adapter_for, close_adapters
from services.live.venues_file import CHAIN_PREFIXES, VENUE_KINDS
from services.recorder.actor import Recorder
from services.recorder.results import write_results
from services.runtime.bus import Bus
from services.runtime.kafka.url import KafkaUrl
from services.runtime.memory import MemoryBus
from services.valuation.keys import declared_keys
from services.wall_clock.runtime import time_source

WATCH_S = 0.2
LIVE_HEAD = ("wall_clock", "live_market_data")
SIMULATED = ("funding_settler", "cex_venue")
SIMULATED_BY_KIND = {"cex": SIMULATED, "chain": ("aave_venue",)}
"""The simulated actors a venue kind's live actor replaces when trading."""
TRADING = "CARRY_LIVE_TRADING"


@dataclass(frozen=True)
class Switches:
    """The operator's files."""

    kill_file: Path
    ack_file: Path


def live_actors(config: RunConfig, live: LiveConfig) -> list[str]:
    """Actor kinds of a live run: the wall clock and live market data replace the clock
    and the recorded feed; with `trade`, each venue kind's live actor replaces the
    simulated venues and funding settler (paper keeps them, fed with live prices)."""
    base = list(ACTORS_BY_STRATEGY[config.strategy])
    used = {v.kind for v in live.venues.values()}
    replaced = {k for kind in used for k in SIMULATED_BY_KIND[kind]} if live.trade else set()
    tail = [k for k in base if k not in ("clock", "market_data", *SIMULATED, *replaced)]
    kinds = sorted(VENUE_KINDS[kind] for kind in used)
    middle = [k for k in SIMULATED if k in base and k not in replaced]
    if live.trade or live.seed_from_venues:
        middle += kinds
    return [*LIVE_HEAD, *middle, *tail]


def check_venues(config: RunConfig, live: LiveConfig) -> None:
    """Every venue the mode trades is declared, known and has its secrets."""
    declared = {k.split(":")[0] for k in declared_keys(config)} - {"wallet"}
    if any(v.kind == "chain" for v in live.venues.values()):
        declared -= set(CHAIN_PREFIXES)
    missing = sorted(declared - set(live.venues))
    if missing:
        raise ConfigError(
            f"mode {config.mode} trades on {', '.join(missing)}, "
            "which the venues file does not list",
            "add a [venues.NAME] table for each",
        )
    for name, spec in sorted(live.venues.items()):
        if spec.kind == "cex":
            capabilities(name, spec)
        else:
            rpc_url(name, spec)
        secrets = read_secrets(name, spec)
        if live.trade and not secrets.key:
            raise ConfigError(
                f"venue {name}: --trade needs API credentials",
                "name key_env/secret_env (or key_file/secret_file) in the venues file",
            )


async def preflight(live: LiveConfig, venues: list[str]) -> None:
    """Load every venue's markets and, with credentials, read a balance."""
    for name in venues:
        adapter = adapter_for(name, live)
        spec = live.venues[name]
        where = spec.key_env or spec.key_file
        try:
            await adapter.load()
            if adapter.secrets.key:
                await adapter.balance(dict(adapter.caps.margin_balance))
        except VenueError as e:
            if e.kind == AUTH:
                raise CarryError(
                    f"venue {name}: the exchange refused the API credentials ({e.message[:200]})",
                    f"check the key and secret that {where} names",
                ) from None
            raise CarryError(
                f"venue {name}: cannot reach {spec.api_url or spec.exchange} "
                f"({e.kind}: {e.message[:200]})",
                "check the network and the venue's api_url",
            ) from None


async def start_time(config: RunConfig) -> int:
    """The run's first step: the current time on its time source, floored to the interval
    (the adapters it opened are closed: the run opens its own in its event loop)."""
    try:
        now = await time_source(config).now_ns()
    finally:
        await close_adapters()
    return now - now % config.step_ns


class _Operator:
    def __init__(
        self, config: RunConfig, bus: Bus, switches: Switches | None, stop: anyio.Event
    ) -> None:
        self.config, self.bus, self.switches, self.stop = config, bus, switches, stop
        self.n = 100
        self.killed = False
        self.acked = self._mtime()
        self.signalled = 0
        self.log = structlog.get_logger().bind(run_id=config.run_id)

    def _mtime(self) -> float:
        if self.switches is None:
            return 0.0
        try:
            return self.switches.ack_file.stat().st_mtime
        except OSError:
            return 0.0

    async def send(self, event_type: type[Event], **fields: object) -> None:
        self.n += 1
        event = event_type(
            run_id=self.config.run_id,
            step=0,
            ts=self.config.start_ns,
            source="launcher",
            event_id=f"launcher/0/{self.n}",
            **fields,
        )
        await self.bus.publish(control.TOPIC, event)

    async def watch_files(self) -> None:
        while self.switches is not None:
            kill = self.switches.kill_file.exists()
            if kill and not self.killed:
                self.log.error("kill_file_present", path=str(self.switches.kill_file))
                await self.send(TradingHalted, reason=f"kill file {self.switches.kill_file}")
            self.killed = kill
            acked = self._mtime()
            if acked != self.acked and not kill:
                self.acked = acked
                await self.send(HaltAcknowledged, note=f"ack file {self.switches.ack_file}")
            await anyio.sleep(WATCH_S)

    async def watch_signals(self) -> None:
        with anyio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
            async for signum in signals:
                self.signalled += 1
                if self.signalled > 1:
                    self.stop.set()
                    return
                name = signal.Signals(signum).name
                self.log.warning("stopping", signal=name)
                await self.send(TradingHalted, reason=name, cancel_open=True)
                await self.send(StopRequested, reason=name)


async def run_live(
    config: RunConfig, switches: Switches | None, progress: Progress | None
) -> Recorder:
    """Run `config` (a live run) in this process until its last step or a stop."""
    live = config.live
    assert live is not None
    try:
        await preflight(live, sorted(n for n, v in live.venues.items() if v.kind == "cex"))
        bus = MemoryBus()
        stop = anyio.Event()
        operator = _Operator(config, bus, switches, stop)
        async with anyio.create_task_group() as tg:
            tg.start_soon(operator.watch_files)
            tg.start_soon(operator.watch_signals)
            recorder = await run_on_bus(config, bus, config.actors, progress, stop)
            tg.cancel_scope.cancel()
        return recorder
    finally:
        with anyio.CancelScope(shield=True):
            await close_adapters()


def live_run(
    config: RunConfig, out_dir: Path, switches: Switches | None, progress: Progress | None = None
) -> Finished:
    """Run a live config and write its results folder."""
    started = time.perf_counter()
    recorder: Recorder = anyio.run(run_live, config, switches, progress)
    wall = time.perf_counter() - started
    summary = write_results(out_dir, recorder, config)
    return Finished(summary, out_dir, wall, config)


def with_live(
    config: RunConfig, live: LiveConfig, start_ns: int, step_ns: int, steps: int
) -> RunConfig:
    """`config` turned into a live run starting at `start_ns`."""
    config = msgspec.structs.replace(
        config, live=live, start_ns=start_ns, step_ns=step_ns, steps=steps
    )
    return msgspec.structs.replace(config, actors=live_actors(config, live))


async def _checked(live: LiveConfig) -> None:
    try:
        await preflight(live, sorted(n for n, v in live.venues.items() if v.kind == "cex"))
    finally:
        await close_adapters()


def live_on_kafka(
    config: RunConfig,
    url: KafkaUrl,
    out_dir: Path,
    attach: bool,
    log_level: str,
    switches: Switches | None = None,
    progress: Progress | None = None,
) -> Finished:
    """Run a live config with every actor in a `carry serve` process on Kafka (secrets
    reach them through their environment) and write its results folder; the run is
    recorded on its topics (`carry export`, `carry replay`). It ends after `--steps`;
    the kill and acknowledgement files are watched as in-process; SIGTERM abandons it."""
    assert config.live is not None
    anyio.run(_checked, config.live)
    config = msgspec.structs.replace(config, run_id=f"{config.run_id}-{uuid.uuid4().hex[:8]}")

    async def operator(bus: Bus) -> None:
        await _Operator(config, bus, switches, anyio.Event()).watch_files()

    return _on_kafka(config, url, out_dir, attach, None, progress, log_level, operator=operator)
