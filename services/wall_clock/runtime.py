"""Resolve a run's time source (in the process that runs the wall clock)."""

from __future__ import annotations

from services.config.live import SYSTEM_TIME
from services.config.run import RunConfig
from services.errors import ConfigError
from services.wall_clock.sources import REGISTERED, ChainTime, SystemTime, TimeSource, VenueTime


def time_source(config: RunConfig) -> TimeSource:
    """The run's time source: registered in-process, the system clock, or a venue's."""
    live = config.live
    name = live.time_source if live is not None else SYSTEM_TIME
    if name in REGISTERED:
        return REGISTERED[name]
    if name == SYSTEM_TIME:
        return SystemTime()
    if live is None or name not in live.venues:
        raise ConfigError(f"unknown time source {name!r}", "use `system` or a venue of the run")
    spec = live.venues[name]
    if spec.kind == "chain":
        from services.live.secrets import rpc_url

        return ChainTime(rpc_url(name, spec), spec.timeout_ms / 1000, live.retries, live.backoff_s)
    from services.live.venues import adapter_for

    adapter = adapter_for(name, live)
    return VenueTime(adapter.server_time_ms)
