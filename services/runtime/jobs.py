"""Awaitable work started by actor handlers: venue calls, waiting for wall time.

Handlers stay synchronous. A live actor calls `jobs.start(work, then)`: `work` is
awaited off the step chain; when it is done, the transport calls `then(result)` (the
result, or the exception `work` raised) like any other handler and publishes what it
returns. A backtest starts no job, and pays nothing for this.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

import anyio
import structlog

from schemas.base import Event

Out = tuple[str, Event]

Work = Callable[[], Awaitable[Any]]
Then = Callable[[Any], list[Out]]


class Jobs:
    """The jobs of one actor host."""

    def __init__(self) -> None:
        self._todo: deque[tuple[Work, Then]] = deque()
        self._done: deque[tuple[Then, Any]] = deque()
        self._running = 0
        self._new: anyio.Event | None = None
        self.notify: Callable[[], None] = _nothing
        """Called whenever a job finishes (the transport's wake-up)."""
        self.replaying = False
        """While true (a Kafka consumer rebuilding state), started jobs are dropped."""

    def start(self, work: Work, then: Then) -> None:
        """Run `work` in the background, then hand its result to `then`."""
        if self.replaying:
            return
        self._todo.append((work, then))
        if self._new is not None:
            self._new.set()

    @property
    def busy(self) -> bool:
        """True while a job is queued, running, or finished but not yet taken."""
        return bool(self._todo or self._running or self._done)

    def take(self) -> list[Out]:
        """Call `then` of every finished job; return what they publish, in finishing order."""
        out: list[Out] = []
        while self._done:
            then, result = self._done.popleft()
            out.extend(then(result))
        return out

    async def run(self) -> None:
        """Start queued jobs as they come, until cancelled."""
        self._new = anyio.Event()
        async with anyio.create_task_group() as tg:
            while True:
                while self._todo:
                    work, then = self._todo.popleft()
                    self._running += 1
                    tg.start_soon(self._one, work, then)
                await self._new.wait()
                self._new = anyio.Event()

    async def _one(self, work: Work, then: Then) -> None:
        try:
            result = await work()
        except Exception as e:  # noqa: BLE001 - handed to `then`, which decides
            structlog.get_logger().debug("job_failed", error=repr(e))
            result = e
        finally:
            self._running -= 1
        self._done.append((then, result))
        self.notify()


def _nothing() -> None:
    return None
