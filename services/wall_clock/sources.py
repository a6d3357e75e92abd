"""Where a live run's time comes from: this machine's clock, a venue's server clock, or
an in-process rehearsal clock. The only place Carry reads the wall clock."""

from __future__ import annotations

import json
import time
import urllib.request
from typing import Protocol

import anyio

POLL_S = 0.05
"""How often a venue-clock source re-reads the venue's time while it waits."""


class TimeSource(Protocol):
    """A clock a live run can wait on."""

    async def now_ns(self) -> int:
        """Current time, int ns UTC."""
        ...

    async def sleep_until(self, ns: int) -> None:
        """Return once the time is at least `ns`."""
        ...


class SystemTime:
    """This machine's clock (UTC)."""

    async def now_ns(self) -> int:
        """`time.time_ns()`."""
        return time.time_ns()

    async def sleep_until(self, ns: int) -> None:
        """Sleep until `ns` by the system clock."""
        while (gap := ns - time.time_ns()) > 0:  # noqa: ASYNC110 - polling the wall clock
            await anyio.sleep(min(gap / 1e9, 60.0))


class VenueTime:
    """A venue's server clock, read through its API (a rehearsal server's accelerated time).

    Args:
        read_ms: reads the venue's time in ms.
    """

    def __init__(self, read_ms: object) -> None:
        self.read_ms = read_ms

    async def now_ns(self) -> int:
        """The venue's time."""
        return int(await self.read_ms()) * 1_000_000  # type: ignore[operator]

    async def sleep_until(self, ns: int) -> None:
        """Poll the venue's clock until it reaches `ns`."""
        while await self.now_ns() < ns:  # noqa: ASYNC110 - polling the venue's clock
            await anyio.sleep(POLL_S)


class ChainTime:
    """A chain's time: the timestamp of its latest block, read over JSON-RPC (a test
    node's time moves when blocks are mined).

    Args:
        url: the node's RPC URL.
        timeout_s: per request.
        retries: attempts after the first when the node does not answer.
        backoff_s: before the first retry, doubled each time.
    """

    def __init__(
        self, url: str, timeout_s: float = 10.0, retries: int = 3, backoff_s: float = 0.5
    ) -> None:
        self.url = url
        self.timeout_s = timeout_s
        self.retries = retries
        self.backoff_s = backoff_s

    def _read(self) -> int:
        for attempt in range(self.retries):
            try:
                return self._read_once()
            except (OSError, ValueError, KeyError, TypeError):  # no answer, or not a block
                time.sleep(self.backoff_s * 2**attempt)
        return self._read_once()

    def _read_once(self) -> int:
        body = json.dumps(
            {
                "jsonrpc": "2.0",
                "id": 1,
                "method": "eth_getBlockByNumber",
                "params": ["latest", False],
            }
        ).encode()
        request = urllib.request.Request(  # noqa: S310 - the venues file's http(s) RPC URL
            self.url, data=body, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=self.timeout_s) as reply:  # noqa: S310
            return int(json.loads(reply.read())["result"]["timestamp"], 16)

    async def now_ns(self) -> int:
        """The latest block's timestamp."""
        return await anyio.to_thread.run_sync(self._read) * 1_000_000_000

    async def sleep_until(self, ns: int) -> None:
        """Poll the chain until a block at or after `ns`."""
        while await self.now_ns() < ns:  # noqa: ASYNC110 - polling the chain's clock
            await anyio.sleep(POLL_S)


REGISTERED: dict[str, TimeSource] = {}
"""Time sources registered in this process by name (an in-process rehearsal's clock)."""
