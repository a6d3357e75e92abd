"""Clocks. Services read time only from an injected clock, never from the wall."""

from __future__ import annotations

from typing import Final, Protocol

HOUR_NS: Final = 3_600_000_000_000


class Clock(Protocol):
    """What an actor may ask about time."""

    def now_ns(self) -> int:
        """Current time, int ns UTC."""
        ...

    def time_of(self, step: int) -> int:
        """Time of step `step`, int ns UTC."""
        ...


class StepClock:
    """Simulated clock on a fixed grid: step `i` is at `start_ns + i * step_ns`.

    Args:
        start_ns: time of step 0.
        step_ns: grid spacing.
        steps: number of steps in the run.
    """

    def __init__(self, start_ns: int, step_ns: int, steps: int) -> None:
        if step_ns <= 0 or steps < 0:
            raise ValueError(f"step_ns must be > 0 and steps >= 0, was {step_ns}, {steps}")
        self.start_ns = start_ns
        self.step_ns = step_ns
        self.steps = steps
        self._now = start_ns

    def time_of(self, step: int) -> int:
        """Time of `step`."""
        return self.start_ns + step * self.step_ns

    def now_ns(self) -> int:
        """Time of the last step advanced to."""
        return self._now

    def advance_to(self, step: int) -> int:
        """Move to `step` (never backwards) and return its time."""
        ts = self.time_of(step)
        if ts < self._now:
            raise ValueError(f"clock cannot go backwards: at {self._now}, asked {ts}")
        self._now = ts
        return ts
