"""Builders for tests: run configs on the sample data, contexts, events, a bus harness."""

from __future__ import annotations

from collections import defaultdict
from functools import cache
from pathlib import Path
from typing import Any

import structlog

from schemas.base import Event
from schemas.market import MarketSnapshot
from schemas.pnl import PnLReport
from schemas.triggers import PhaseDone
from services.config.run import DataSpec, RunConfig, build_run_config
from services.data.dataset import SAMPLE_END, SAMPLE_START, DataSource
from services.launcher.run import run_started
from services.registry import host
from services.runtime.actor import ActorContext
from services.runtime.clock import StepClock
from services.runtime.host import ActorHost
from services.runtime.memory import MemoryBus

MODES = (
    "pure_lending_usdt",
    "btc_basis",
    "eth_basis",
    "pure_lending_eth",
    "eth_staking_only",
    "eth_leveraged",
    "usdt_eth_staking_hedged_simple",
    "usdt_eth_staking_hedged_leveraged",
)
"""Every packaged mode that needs no input besides the data (the directional modes also
need a signal file: tests/sim/test_signal_modes.py)."""

RESULT_FILES = (
    "summary.json",
    "config.json",
    "equity.parquet",
    "positions.parquet",
    "trades.parquet",
    "settlements.parquet",
    "risk.parquet",
    "margins.parquet",
    "rewards.parquet",
    "report.html",
)
"""Every file of a results folder (two runs with the same inputs write them identically)."""


def backtest(data: Path, out: Path, mode: str, *sets: str) -> dict[str, Any]:
    """Run `carry backtest` in-process on `data`; return the summary."""
    import json

    from services.cli.main import main

    args = ["backtest", "--mode", mode, "--data", str(data), "--out", str(out), "--quiet"]
    for s in sets:
        args += ["--set", s]
    assert main(args) == 0
    return dict(json.loads((out / "summary.json").read_text()))


def pnl_report(step: int, run_id: str = "r") -> PnLReport:
    """A minimal P&L report closing `step`."""
    return PnLReport(
        **{**envelope(step, "pnl_monitor"), "run_id": run_id},
        share_class="USDT",
        equity=1.0,
        equity_usd=1.0,
        initial_equity=1.0,
        pnl_total=0.0,
        attribution={},
        step_pnl=0.0,
        step_attribution={},
        reconciliation_error=0.0,
    )


@cache
def sample_data() -> DataSpec:
    """The synthetic sample (generated once per machine, cached in the temp folder)."""
    source = DataSource.resolve(None)
    return DataSpec(
        path=str(source.path), synthetic=True, description=str(source.describe()["data_source"])
    )


def real_data(path: Path) -> DataSpec:
    """A real data folder."""
    return DataSpec(path=str(path), synthetic=False, description=f"real: {path}")


def run_config(
    mode: str = "btc_basis",
    overrides: list[str] | None = None,
    data: DataSpec | None = None,
    run_id: str | None = None,
) -> RunConfig:
    """A resolved run on the sample data (its window unless overridden)."""
    data = data or sample_data()
    window = (SAMPLE_START, SAMPLE_END) if data.synthetic else None
    return build_run_config(mode, data, overrides or [], run_id, window)


def context(config: RunConfig, kind: str = "test") -> ActorContext:
    """An actor context with a simulated clock."""
    return ActorContext(
        run_id=config.run_id,
        config=config,
        clock=StepClock(config.start_ns, config.step_ns, config.steps),
        log=structlog.get_logger().bind(actor=kind),
    )


def envelope(step: int = 0, source: str = "test", n: int = 0, ts: int = 0) -> dict[str, Any]:
    """Envelope fields for a hand-built event."""
    return {
        "run_id": "r",
        "step": step,
        "ts": ts,
        "source": source,
        "event_id": f"{source}/{step}/{n}",
    }


def market(step: int = 0, ts: int = 0, **fields: Any) -> MarketSnapshot:
    """A market snapshot with the given fields."""
    fields.setdefault("prices", {})
    return MarketSnapshot(**envelope(step, "market_data", ts=ts), **fields)


def published(out: list[tuple[str, Event]]) -> list[Event]:
    """The events an actor returned, each settlement marker preceded by the triggers it
    carries (the order the position monitor applies them in)."""
    events: list[Event] = []
    for _, e in out:
        if isinstance(e, PhaseDone):
            events.extend(e.triggers)
        events.append(e)
    return events


class Tap(ActorHost):
    """A host that records every event of the given topics."""

    def __init__(self, topics: tuple[str, ...]) -> None:
        super().__init__("tap", topics, lambda ctx: None)  # type: ignore[arg-type,return-value]
        self.seen: defaultdict[str, list[Event]] = defaultdict(list)

    def deliver(self, topic: str, event: Event) -> list[Any]:
        self.seen[topic].append(event)
        return []


async def run_actors(config: RunConfig, kinds: list[str], taps: tuple[str, ...]) -> Tap:
    """Run `kinds` on a MemoryBus for `config` until nothing is left; return a tap."""
    bus = MemoryBus()
    for kind in kinds:
        bus.attach(host(kind))
    tap = Tap(taps)
    bus.attach(tap)
    await bus.publish("carry.control", run_started(config))
    bus.drain()
    return tap
