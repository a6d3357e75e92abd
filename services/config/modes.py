"""Mode files: load, apply `--set` overrides, validate into typed parameters."""

from __future__ import annotations

import datetime as dt
import math
import tomllib
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import msgspec

from services.config.onchain import load_onchain
from services.config.params import (
    PARAMS_BY_STRATEGY,
    BasisParams,
    CommonParams,
    DirectionalParams,
    HedgedLeveragedParams,
    HedgedParams,
    LeveragedParams,
    hf_reduce_level,
    leverage_limits,
)
from services.config.venues import load_venues
from services.errors import ConfigError


class ModeFile(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A mode definition file (`services/config/modes/<mode>.toml`)."""

    mode: str
    strategy: str
    share_class: str
    description: str
    params: dict[str, Any]


@cache
def available_modes() -> tuple[str, ...]:
    """Names of the packaged modes."""
    folder = resources.files("services.config").joinpath("modes")
    return tuple(sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".toml")))


def load_mode(name: str) -> ModeFile:
    """Read and validate the mode file `name`."""
    if name not in available_modes():
        raise ConfigError(
            f"unknown mode {name!r}",
            f"use one of: {', '.join(available_modes())}",
        )
    text = resources.files("services.config").joinpath("modes", f"{name}.toml").read_text()
    try:
        mode = msgspec.convert(tomllib.loads(text), ModeFile)
    except (tomllib.TOMLDecodeError, msgspec.ValidationError) as e:
        raise ConfigError(f"mode file {name}.toml is invalid: {e}", "fix the file") from e
    if mode.strategy not in PARAMS_BY_STRATEGY:
        raise ConfigError(
            f"mode file {name}.toml names unknown strategy {mode.strategy!r}",
            f"use one of: {', '.join(PARAMS_BY_STRATEGY)}",
        )
    return mode


def parse_override(text: str) -> tuple[str, Any]:
    """Parse one `name=value`; the value is a TOML literal or, failing that, a string."""
    if any(ord(c) < 32 or ord(c) == 127 for c in text):
        raise ConfigError(
            f"--set {text!r} holds a line break or control character",
            "give one name=value per --set, e.g. --set capital=1 --set rebalance=false",
        )
    name, sep, raw = text.partition("=")
    name = name.strip()
    if not sep or not name:
        raise ConfigError(
            f"--set {text!r} is not of the form name=value", "write e.g. --set capital=250000"
        )
    raw = raw.strip()
    try:
        value: Any = tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        value = raw
    if isinstance(value, dt.datetime | dt.date):
        value = value.isoformat()
    return name, value


def resolve_params(
    mode: ModeFile, overrides: list[str], base: dict[str, Any] | None = None
) -> CommonParams:
    """Apply `base` values (a run file's), then `--set` overrides, to the mode's
    parameters and validate them."""
    cls = PARAMS_BY_STRATEGY[mode.strategy]
    known = set(cls.__struct_fields__)
    values = dict(mode.params)
    pairs = [*(base or {}).items(), *(parse_override(text) for text in overrides)]
    for name, value in pairs:
        if name not in known:
            raise ConfigError(
                f"unknown parameter {name!r} for mode {mode.mode}",
                f"known parameters: {', '.join(sorted(known))}",
            )
        values[name] = value
    for name, value in values.items():
        _check_finite(mode, name, value)
    try:
        params = msgspec.convert(values, cls)
    except msgspec.ValidationError as e:
        raise ConfigError(
            f"invalid parameter for mode {mode.mode}: {e}",
            "correct the value in the mode file or with --set name=value",
        ) from e
    if isinstance(params, DirectionalParams) and params.signal_file:
        # absolute, so a run file or another process finds it from anywhere
        absolute = str(Path(params.signal_file).resolve())
        params = msgspec.structs.replace(params, signal_file=absolute)
    _check(mode, params)
    return params


def _check_finite(mode: ModeFile, name: str, value: Any) -> None:
    """Refuse infinities and NaN anywhere in a parameter (a float that overflows is inf)."""
    inner = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
    for item in inner:
        _check_finite(mode, name, item)
    if isinstance(value, float) and not math.isfinite(value):
        raise ConfigError(
            f"parameter {name} of mode {mode.mode} holds {value}, which is not a finite number "
            "(a literal beyond ±1.8e308 overflows to inf)",
            f"give {name} a finite number",
        )


def parse_time(name: str, text: str) -> int:
    """Parse a `YYYY-MM-DD` or ISO time (UTC unless an offset is given) to int ns."""
    try:
        when = dt.datetime.fromisoformat(text)
    except ValueError as e:
        raise ConfigError(
            f"parameter {name}={text!r} is not a date", f"write e.g. --set {name}=2024-09-01"
        ) from e
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return int(when.timestamp()) * 1_000_000_000 + when.microsecond * 1000


def _check(mode: ModeFile, params: CommonParams) -> None:
    start, end = parse_time("start", params.start), parse_time("end", params.end)
    if end <= start:
        raise ConfigError(
            f"window end {params.end} is not after start {params.start}",
            "set end after start, e.g. --set end=2025-09-01",
        )
    if isinstance(params, BasisParams):
        _check_hedge(params, params.asset)
    if isinstance(params, HedgedParams):
        _check_hedge(params, "ETH")
    if isinstance(params, LeveragedParams | HedgedLeveragedParams):
        _check_leverage(params)
    if isinstance(params, DirectionalParams):
        _check_directional(mode, params)


def _check_directional(mode: ModeFile, params: DirectionalParams) -> None:
    if not params.signal_file:
        raise ConfigError(
            f"mode {mode.mode} needs a signal file (timestamp, signal, confidence, sd)",
            "write one with carry signals make --out FILE, then --set signal_file=FILE",
        )
    if params.margin != mode.share_class:
        raise ConfigError(
            f"margin={params.margin} does not match mode {mode.mode} ({mode.share_class} margin)",
            f"use mode ml_btc_directional_{params.margin.lower()}_margin instead",
        )
    if (
        params.venue not in load_venues()
        or "BTCUSDT" not in load_venues()[params.venue].perp_series
    ):
        raise ConfigError(f"venue {params.venue!r} has no BTCUSDT perp", "use --set venue=binance")
    if not params.margin_warn < params.margin_reduce:
        raise ConfigError("margin_warn must be below margin_reduce", "e.g. 0.15 and 0.20")


def _check_leverage(params: LeveragedParams | HedgedLeveragedParams) -> None:
    mode = "emode" if params.emode else "standard"
    aave = load_onchain().aave.mode(params.lst, params.emode)
    venue_max = aave.ltv
    target, max_ltv = leverage_limits(params, venue_max)
    for name, value in (("target_ltv", target), ("max_ltv", max_ltv)):
        if value > venue_max:
            raise ConfigError(
                f"{name} {value} is above Aave's {mode} maximum LTV {venue_max}",
                f"set --set {name}= at most {venue_max}"
                + ("" if params.emode else " (or --set emode=true for 0.93)"),
            )
    if target >= max_ltv:
        raise ConfigError(
            f"target_ltv {target} is not below max_ltv {max_ltv}",
            f"set --set target_ltv= below {max_ltv}, e.g. "
            f"{round(max_ltv * (1 - 0.0225), 4)} (the peg buffer)",
        )
    lt = aave.liquidation_threshold
    hf = hf_reduce_level(params, venue_max, lt)
    if hf <= 1.0:
        raise ConfigError(
            f"hf_reduce {hf} must be above 1 (liquidation starts below 1)",
            "e.g. --set hf_reduce=1.02",
        )
    if hf >= lt / target:
        raise ConfigError(
            f"hf_reduce {hf} is not below the health factor at the target LTV "
            f"({lt} / {target:.4f} = {lt / target:.4f}): the loop would always be reducing",
            f"set --set hf_reduce= below {lt / target:.4f}, or --set target_ltv= below "
            f"{lt / hf:.4f}",
        )


def _check_hedge(params: BasisParams | HedgedParams, asset: str) -> None:
    venues = load_venues()
    symbol = f"{asset}USDT"
    total = sum(params.hedge_allocation.values())
    if abs(total - 1.0) > 1e-9:
        shares = ", ".join(f"{k}={v}" for k, v in params.hedge_allocation.items())
        raise ConfigError(
            f"hedge_allocation must sum to 1, was {total:.6g} ({shares})",
            "e.g. --set 'hedge_allocation={binance=0.5,bybit=0.5}'",
        )
    for venue in params.hedge_allocation:
        if venue not in venues or symbol not in venues[venue].perp_series:
            raise ConfigError(
                f"hedge_allocation names {venue!r}, which has no {symbol} perp",
                f"use venues among: {', '.join(sorted(venues))}",
            )
    spot = venues.get(params.spot_venue)
    if spot is None or symbol not in spot.spot_series:
        have = sorted(v for v, c in venues.items() if symbol in c.spot_series)
        raise ConfigError(
            f"spot_venue {params.spot_venue!r} has no {symbol} spot series",
            f"use --set spot_venue= one of: {', '.join(have)}",
        )
    if not params.margin_warn < params.margin_reduce < params.target_margin_ratio:
        raise ConfigError(
            "margin thresholds must satisfy margin_warn < margin_reduce < target_margin_ratio, "
            f"were {params.margin_warn}, {params.margin_reduce}, {params.target_margin_ratio}",
            "e.g. 0.15, 0.20, 0.5",
        )
