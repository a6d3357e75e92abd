"""Actor kinds by name: how a process builds the actors a run asks for."""

from __future__ import annotations

from collections.abc import Callable

from services.aave_venue.actor import AaveVenue
from services.cex_venue.actor import CexVenue
from services.clock.actor import ClockActor
from services.config.params import (
    BasisParams,
    DirectionalParams,
    EthLendingParams,
    HedgedParams,
    LendingParams,
    LeveragedParams,
    StakingParams,
)
from services.dex_venue.actor import DexVenue
from services.errors import ConfigError
from services.exposure_monitor.actor import ExposureMonitor
from services.funding_settler.actor import FundingSettler
from services.live_cex_venue.actor import LiveCexVenue
from services.live_chain_venue.actor import LiveChainVenue
from services.live_market_data.actor import LiveMarketData
from services.market_data.actor import MarketData
from services.pnl_monitor.actor import PnLMonitor
from services.position_monitor.actor import PositionMonitor
from services.recorder.actor import Recorder
from services.reward_emitter.actor import RewardEmitter
from services.risk_monitor.actor import RiskMonitor
from services.runtime.actor import Actor, ActorContext
from services.runtime.host import ActorHost
from services.signals.file import load_signals
from services.staking_venue.actor import StakingVenue
from services.strategies.base import Strategy
from services.strategies.basis import BasisStrategy
from services.strategies.directional import DirectionalStrategy
from services.strategies.hedged import HedgedStrategy
from services.strategies.lending import LendingStrategy
from services.strategies.leveraged import LeveragedStrategy
from services.strategies.staking import StakingStrategy
from services.strategy_manager.actor import StrategyManager
from services.wall_clock.actor import WallClock

KINDS: dict[str, type[Actor]] = {
    cls.name: cls
    for cls in (
        ClockActor,
        MarketData,
        FundingSettler,
        CexVenue,
        AaveVenue,
        StakingVenue,
        DexVenue,
        RewardEmitter,
        PositionMonitor,
        ExposureMonitor,
        RiskMonitor,
        StrategyManager,
        PnLMonitor,
        Recorder,
        WallClock,
        LiveMarketData,
        LiveCexVenue,
        LiveChainVenue,
    )
}
"""Every actor kind, by name."""


def _strategy(ctx: ActorContext) -> Strategy:
    params = ctx.config.typed_params()
    if isinstance(params, BasisParams):
        return BasisStrategy(params, ctx.config.venues)
    if isinstance(params, LendingParams | EthLendingParams):
        return LendingStrategy(params, ctx.config.share_class)
    if isinstance(params, HedgedParams):
        return HedgedStrategy(params, ctx.config.venues)
    if isinstance(params, LeveragedParams):
        return LeveragedStrategy(params)
    if isinstance(params, StakingParams):
        return StakingStrategy(params)
    if isinstance(params, DirectionalParams):
        return DirectionalStrategy(params, load_signals(params.signal_file), ctx.config.venues)
    raise ConfigError(f"no strategy for {type(params).__name__}", "check the mode file")


def _settle_producers(ctx: ActorContext) -> list[str]:
    return [a for a in ctx.config.actors if KINDS[a].settles]


def factory(kind: str) -> Callable[[ActorContext], Actor]:
    """A constructor taking only the context, for `kind`."""
    cls = KINDS[kind]
    if cls is StrategyManager:
        return lambda ctx: StrategyManager(ctx, _strategy(ctx))
    if cls is PositionMonitor:
        return lambda ctx: PositionMonitor(ctx, _settle_producers(ctx))
    return cls


def host(kind: str, dedup: bool = False) -> ActorHost:
    """A host for `kind`; raise `ConfigError` for an unknown name."""
    if kind not in KINDS:
        raise ConfigError(f"unknown actor {kind!r}", f"use one of: {', '.join(sorted(KINDS))}")
    return ActorHost(kind, KINDS[kind].topics, factory(kind), dedup=dedup)
