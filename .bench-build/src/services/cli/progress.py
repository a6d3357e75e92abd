"""A progress bar on a terminal's stderr; nothing at all when stderr is not a terminal
(a pipe, a file, a container log keeps only JSON log records)."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class ProgressBar:
    """Draws `done/total` with the step rate.

    Args:
        label: what is progressing.
        stream: where to draw (stderr by default).
        unit: what is counted (`steps`, `runs`).
    """

    WIDTH = 30

    def __init__(self, label: str, stream: TextIO | None = None, unit: str = "steps") -> None:
        self.label = label
        self.unit = unit
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self.started = time.perf_counter()

    def __call__(self, done: int, total: int) -> None:
        """Update to `done` of `total` (only on a terminal)."""
        if not self.tty:
            return
        frac = done / total if total else 1.0
        elapsed = time.perf_counter() - self.started
        rate = done / elapsed if elapsed > 0 else 0.0
        filled = int(frac * self.WIDTH)
        bar = "#" * filled + "." * (self.WIDTH - filled)
        self.stream.write(
            f"\r{self.label} [{bar}] {frac:6.1%} {done}/{total} {self.unit} "
            f"{rate:,.{1 if self.unit == 'runs' else 0}f} {self.unit}/s"
        )
        if done >= total:
            self.stream.write("\n")
        self.stream.flush()
