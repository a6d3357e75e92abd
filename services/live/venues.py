"""The process's venue adapters: built once per venue from the run's live config, with
credentials read here from the environment or secret files."""

from __future__ import annotations

from services.adapters.cex import CexAdapter
from services.config.live import LiveConfig
from services.live.secrets import read_secrets

_ADAPTERS: dict[tuple[str, str], CexAdapter] = {}


def adapter_for(venue: str, live: LiveConfig) -> CexAdapter:
    """The adapter of `venue` (cached per venue and declaration)."""
    spec = live.venues[venue]
    key = (venue, repr(spec))
    adapter = _ADAPTERS.get(key)
    if adapter is None:
        adapter = CexAdapter(venue, spec, read_secrets(venue, spec), live.retries, live.backoff_s)
        _ADAPTERS[key] = adapter
    return adapter


async def close_adapters() -> None:
    """Close every adapter's HTTP session."""
    while _ADAPTERS:
        _, adapter = _ADAPTERS.popitem()
        await adapter.close()
