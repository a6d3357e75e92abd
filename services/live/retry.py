"""Bounded retries with exponential backoff for venue calls."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

import anyio
import structlog

from services.adapters.errors import RATE_LIMITED, TRANSIENT, VenueError

T = TypeVar("T")
log = structlog.get_logger()


async def with_retries(
    call: Callable[[], Awaitable[T]], attempts: int, backoff_s: float, what: str
) -> T:
    """Await `call()`; retry transient `VenueError`s up to `attempts` times in all.

    The delay doubles on each retry (starting at `backoff_s`), and doubles again for a
    rate limit. Anything else, or the last transient failure, is raised.
    """
    delay = backoff_s
    for attempt in range(1, attempts + 1):
        try:
            return await call()
        except VenueError as e:
            if e.kind not in TRANSIENT or attempt == attempts:
                raise
            wait = delay * (2.0 if e.kind == RATE_LIMITED else 1.0)
            log.warning(
                "venue_call_retrying",
                call=what,
                attempt=attempt,
                kind=e.kind,
                venue=e.venue,
                wait_s=wait,
            )
            await anyio.sleep(wait)
            delay *= 2.0
    raise AssertionError("unreachable")
