"""The rehearsal's clock: recorded time, running faster than the wall.

`now_ns` runs at `speed` times the wall clock from the last time it was moved to. A
gated clock (an in-process rehearsal) never enters the next step's hour before Carry's
wall clock has asked for it (`sleep_until`), so every fill of a step happens at that
step's recorded price, as in a backtest. Speed 0 moves only when asked: as fast as
Carry runs.
"""

from __future__ import annotations

import time

import anyio


class SimClock:
    """Accelerated recorded time.

    Args:
        start_ns: recorded time at start.
        speed: recorded seconds per wall second (0: only when moved).
        step_ns: the step a gated clock may not cross on its own (0: not gated).
    """

    def __init__(self, start_ns: int, speed: float = 0.0, step_ns: int = 0) -> None:
        self.speed = speed
        self.step_ns = step_ns
        self._base = start_ns
        self._wall = time.monotonic()
        self._cap = start_ns + step_ns - 1 if step_ns else None

    def now_ns(self) -> int:
        """Current recorded time, int ns."""
        now = self._base
        if self.speed > 0:
            now += int((time.monotonic() - self._wall) * self.speed * 1e9)
        if self._cap is not None:
            now = min(now, self._cap)
        return now

    def move_to(self, ns: int) -> None:
        """Move the clock to `ns` (never backwards); a gated clock may then run to the end
        of that step."""
        self._base = max(self.now_ns(), ns)
        self._wall = time.monotonic()
        if self.step_ns:
            self._cap = ns + self.step_ns - 1

    async def sleep_until(self, ns: int) -> None:
        """Wait (in wall time, at `speed`) until recorded time `ns`, then move there."""
        if self.speed > 0:
            gap = (ns - self.now_ns()) / 1e9 / self.speed
            if gap > 0:
                await anyio.sleep(gap)
        else:
            await anyio.lowlevel.checkpoint()
        self.move_to(ns)
