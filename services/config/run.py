"""The resolved run: everything an actor needs, as plain data carried by `RunStarted`."""

from __future__ import annotations

import hashlib
from functools import cache
from typing import Any

import msgspec

from services.config.live import LiveConfig
from services.config.modes import load_mode, parse_time, resolve_params
from services.config.params import PARAMS_BY_STRATEGY, CommonParams
from services.config.venues import VenueConfig, load_venues
from services.runtime.clock import HOUR_NS

_HEAD = ("clock", "market_data")
_TAIL = (
    "position_monitor",
    "exposure_monitor",
    "risk_monitor",
    "strategy",
    "pnl_monitor",
    "recorder",
)
_ONCHAIN = ("staking_venue", "reward_emitter", "dex_venue")
_CEX = ("funding_settler", "cex_venue")
ACTORS_BY_STRATEGY: dict[str, tuple[str, ...]] = {
    "lending": (*_HEAD, "aave_venue", *_TAIL),
    "eth_lending": (*_HEAD, "aave_venue", *_TAIL),
    "basis": (*_HEAD, *_CEX, *_TAIL),
    "staking": (*_HEAD, *_ONCHAIN, *_TAIL),
    "leveraged": (*_HEAD, "aave_venue", *_ONCHAIN, *_TAIL),
    "hedged": (*_HEAD, *_CEX, *_ONCHAIN, *_TAIL),
    "hedged_leveraged": (*_HEAD, *_CEX, "aave_venue", *_ONCHAIN, *_TAIL),
    "directional": (*_HEAD, *_CEX, *_TAIL),
}
"""Actor kinds per strategy, in canonical order (settlement producers rank in this order)."""


class DataSpec(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Where the run's market data comes from.

    Attributes:
        path: the data folder (absolute).
        synthetic: True for the generated sample dataset.
        description: how every output names the source.
    """

    path: str
    synthetic: bool
    description: str


class RunConfig(
    msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True, omit_defaults=True
):
    """A fully resolved run.

    Attributes:
        run_id: the run's id (Kafka key); results never depend on it.
        mode: mode name.
        strategy: strategy family (`lending`, `basis`).
        share_class: `USDT` or `ETH`.
        params: the validated strategy parameters, as plain data.
        data: the data source.
        venues: venue tables used by the run.
        actors: actor kinds, in canonical order.
        start_ns: time of step 0.
        step_ns: step length.
        steps: number of steps (a live run may end earlier, when it is stopped).
        live: how a live, paper or rehearsal run reaches its venues (None: a backtest).
    """

    run_id: str
    mode: str
    strategy: str
    share_class: str
    params: dict[str, Any]
    data: DataSpec
    venues: dict[str, VenueConfig]
    actors: list[str]
    start_ns: int
    step_ns: int
    steps: int
    live: LiveConfig | None = None

    def typed_params(self) -> CommonParams:
        """The parameters as their strategy's struct."""
        return _typed(self.strategy, msgspec.json.encode(self.params))


@cache
def _typed(strategy: str, raw: bytes) -> CommonParams:
    return msgspec.json.decode(raw, type=PARAMS_BY_STRATEGY[strategy])


def build_run_config(
    mode_name: str,
    data: DataSpec,
    overrides: list[str],
    run_id: str | None = None,
    window: tuple[str, str] | None = None,
    base: dict[str, Any] | None = None,
    venues: dict[str, VenueConfig] | None = None,
) -> RunConfig:
    """Resolve a mode, its overrides and a data source into a `RunConfig`.

    Args:
        mode_name: a packaged mode.
        data: the data source.
        overrides: `name=value` strings from `--set`.
        run_id: explicit id; by default a digest of the inputs.
        window: `(start, end)` replacing the mode file's window (the sample dataset's
            span); a run file's or `--set` `start=`/`end=` still override it.
        base: parameter values from a run file, applied before `overrides`.
        venues: venue tables (a run's `config.json`); default the packaged ones.
    """
    mode = load_mode(mode_name)
    pre = {"start": window[0], "end": window[1]} if window else {}
    params = resolve_params(mode, overrides, {**pre, **(base or {})})
    start = parse_time("start", params.start)
    end = parse_time("end", params.end)
    plain = msgspec.to_builtins(params)
    return RunConfig(
        run_id=run_id or f"{mode_name}-{config_digest(mode_name, plain, data)}",
        mode=mode.mode,
        strategy=mode.strategy,
        share_class=mode.share_class,
        params=plain,
        data=data,
        venues=venues if venues is not None else load_venues(),
        actors=list(ACTORS_BY_STRATEGY[mode.strategy]),
        start_ns=start,
        step_ns=HOUR_NS,
        steps=(end - start + HOUR_NS - 1) // HOUR_NS,
    )


def config_digest(mode: str, params: dict[str, Any], data: DataSpec) -> str:
    """A short hash of what decides a run's results: mode, parameters and data source."""
    return hashlib.sha256(msgspec.json.encode([mode, params, data.description])).hexdigest()[:12]


def run_config_from_plain(config: dict[str, Any]) -> RunConfig:
    """Rebuild a `RunConfig` from the plain data a `RunStarted` carries."""
    return msgspec.convert(config, RunConfig)
