"""Counters of a serving process, rendered in the Prometheus text format (version 0.0.4).

The consume loops count what they handle; `/metrics` renders it (see
`services.launcher.http`). Wall time is measured here because it is what operators
watch; simulated time never comes from it.
"""

from __future__ import annotations

import bisect
import time
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

STEP_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
"""Upper bounds (seconds) of the step-latency histogram."""
KEEP_RUNS = 256

Lag = tuple[str, str, int, int]
"""(actor, topic, partition, records behind the end of the partition)."""


@dataclass
class Histogram:
    """Cumulative buckets, sum and count of observations."""

    bounds: tuple[float, ...] = STEP_BUCKETS
    counts: list[int] = field(default_factory=lambda: [0] * (len(STEP_BUCKETS) + 1))
    total: float = 0.0
    count: int = 0

    def observe(self, value: float) -> None:
        """Add one observation."""
        self.counts[bisect.bisect_left(self.bounds, value)] += 1
        self.total += value
        self.count += 1


class Metrics:
    """What one `carry serve` process reports.

    Attributes:
        handled: records handed to each actor kind.
        deadletters: records each actor kind set aside as undecodable.
        steps: per actor kind, wall seconds from one simulation step of a run to the next.
        state: `starting`, `serving`, `restarting`, `broker_unreachable` or `stopping`.
        lags: returns the current consumer lag per (actor, topic, partition).
    """

    def __init__(self, version: str = "") -> None:
        self.version = version
        self.handled: Counter[str] = Counter()
        self.deadletters: Counter[str] = Counter()
        self.steps: dict[str, Histogram] = {}
        self.state = "starting"
        self.lags: Callable[[], Iterable[Lag]] = list
        self._last_step: OrderedDict[tuple[str, str], tuple[int, float]] = OrderedDict()

    @property
    def healthy(self) -> bool:
        """True while the process serves with its broker reachable."""
        return self.state == "serving"

    def step_seen(self, actor: str, run_id: str, step: int) -> None:
        """Note that `actor` handles `step` of `run_id` now (a new step: one observation)."""
        key = (actor, run_id)
        now = time.monotonic()
        last = self._last_step.get(key)
        if last is not None and step <= last[0]:
            return
        if last is not None:
            self.steps.setdefault(actor, Histogram()).observe((now - last[1]) / (step - last[0]))
        self._last_step[key] = (step, now)
        self._last_step.move_to_end(key)
        while len(self._last_step) > KEEP_RUNS:
            self._last_step.popitem(last=False)

    def render(self) -> str:
        """The Prometheus text exposition of every metric."""
        out = [
            "# HELP carry_info Carry version of this process.",
            "# TYPE carry_info gauge",
            f'carry_info{{version="{_escape(self.version)}"}} 1',
            "# HELP carry_up 1 while the process serves with its broker reachable.",
            "# TYPE carry_up gauge",
            f"carry_up {int(self.healthy)}",
        ]
        out += _counter("carry_records_handled_total", "Records handed to the actor.", self.handled)
        out += _counter(
            "carry_dead_letters_total", "Undecodable records set aside.", self.deadletters
        )
        out += [
            "# HELP carry_consumer_lag_records Records between the actor's position and the end.",
            "# TYPE carry_consumer_lag_records gauge",
        ]
        for actor, topic, partition, lag in sorted(self.lags()):
            labels = f'actor="{_escape(actor)}",topic="{_escape(topic)}",partition="{partition}"'
            out.append(f"carry_consumer_lag_records{{{labels}}} {lag}")
        out += [
            "# HELP carry_step_latency_seconds Wall time per simulation step at the actor.",
            "# TYPE carry_step_latency_seconds histogram",
        ]
        for actor, hist in sorted(self.steps.items()):
            label = f'actor="{_escape(actor)}"'
            cumulative = 0
            for bound, n in zip((*hist.bounds, float("inf")), hist.counts, strict=True):
                cumulative += n
                le = "+Inf" if bound == float("inf") else repr(bound)
                out.append(f'carry_step_latency_seconds_bucket{{{label},le="{le}"}} {cumulative}')
            out.append(f"carry_step_latency_seconds_sum{{{label}}} {hist.total!r}")
            out.append(f"carry_step_latency_seconds_count{{{label}}} {hist.count}")
        return "\n".join(out) + "\n"


def _counter(name: str, help_text: str, values: Counter[str]) -> list[str]:
    lines = [f"# HELP {name} {help_text}", f"# TYPE {name} counter"]
    lines += [f'{name}{{actor="{_escape(a)}"}} {n}' for a, n in sorted(values.items())]
    return lines


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
