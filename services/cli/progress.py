"""A progress bar on stderr (a line per 10 % when stderr is not a terminal)."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class ProgressBar:
    """Draws `done/total` with the step rate.

    Args:
        label: what is progressing.
        stream: where to draw (stderr by default).
    """

    WIDTH = 30

    def __init__(self, label: str, stream: TextIO | None = None) -> None:
        self.label = label
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self.started = time.perf_counter()
        self.last_decile = -1

    def __call__(self, done: int, total: int) -> None:
        """Update to `done` of `total` steps."""
        frac = done / total if total else 1.0
        elapsed = time.perf_counter() - self.started
        rate = done / elapsed if elapsed > 0 else 0.0
        if self.tty:
            filled = int(frac * self.WIDTH)
            bar = "#" * filled + "." * (self.WIDTH - filled)
            self.stream.write(
                f"\r{self.label} [{bar}] {frac:6.1%} {done}/{total} steps {rate:,.0f} steps/s"
            )
            if done >= total:
                self.stream.write("\n")
        else:
            decile = int(frac * 10)
            if decile > self.last_decile:
                self.last_decile = decile
                self.stream.write(f"{self.label}: {frac:.0%} ({done}/{total} steps)\n")
        self.stream.flush()
