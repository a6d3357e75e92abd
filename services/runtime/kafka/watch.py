"""Fail closed when the broker goes away or loses Carry's topics.

While a bus runs, the broker is asked for Carry's topics every `PROBE_S`. No answer
for longer than the bus's deadline fails the run naming the address (and `/healthz`
says `broker_unreachable` meanwhile). A topic that is gone, has another partition
count, or whose partition ends below what was already consumed (a broker that came
back without its data, or topics created anew) fails it at once with that reason:
such a run can never complete.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

import anyio
from aiokafka.errors import KafkaError

from services.errors import BrokerError
from services.runtime.bus import Done
from services.runtime.kafka.client import tp
from services.runtime.kafka.loop import KindLoop
from services.runtime.kafka.url import KafkaUrl
from services.runtime.metrics import Metrics

DEFAULT_BROKER_TIMEOUT_S = 120.0
"""How long a run or a serving process waits for an unreachable broker before failing."""
PROBE_S = 2.0
PROBE_TIMEOUT_S = 5.0
TICK_S = 0.1


class BrokerWatch:
    """Probes the broker for a running bus.

    Args:
        url: the bus.
        admin: the bus's started admin client.
        counts: partitions per topic constant, as the bus found them.
        loops: the bus's consume loops (their positions are checked).
        timeout_s: the deadline for an unreachable broker.
        metrics: health state to keep up to date (None: none).
    """

    def __init__(
        self,
        url: KafkaUrl,
        admin: Any,
        counts: dict[str, int],
        loops: Iterable[KindLoop],
        timeout_s: float = DEFAULT_BROKER_TIMEOUT_S,
        metrics: Metrics | None = None,
    ) -> None:
        self.url, self.admin, self.counts, self.loops = url, admin, counts, list(loops)
        self.timeout_s = timeout_s
        self.metrics = metrics
        self.answered = time.monotonic()
        self.unreachable = False
        """The last probe went unanswered."""

    async def run(self, done: Done) -> None:
        """Probe until `done()`; raise `BrokerError` when the run must fail."""
        while True:
            for _ in range(int(PROBE_S / TICK_S)):
                if done():
                    return
                await anyio.sleep(TICK_S)
            await self.probe()

    async def probe(self) -> None:
        """One probe (raises `BrokerError` if the run must fail)."""
        names = [self.url.topic(b) for b in self.counts]
        described: list[dict[str, Any]] | None = None
        try:
            with anyio.fail_after(PROBE_TIMEOUT_S):
                described = await self.admin.describe_topics(names)
        except (TimeoutError, KafkaError, OSError):
            described = None
        now = time.monotonic()
        self.unreachable = described is None
        if described is None:
            self._state("broker_unreachable", only_from="serving")
            silent = now - self.answered
            if silent > self.timeout_s:
                raise BrokerError(
                    f"lost Kafka at {self.url.bootstrap}: no answer for {silent:.0f} s "
                    f"(the deadline is {self.timeout_s:.0f} s)",
                    "start the broker again (deploy/kafka/kafka.sh start) and rerun; "
                    "--broker-timeout (CARRY_BROKER_TIMEOUT) sets the deadline",
                )
            return
        self.answered = now
        self._state("serving", only_from="broker_unreachable")
        self._check_topics(described)
        self._check_positions()

    def _check_topics(self, described: list[dict[str, Any]]) -> None:
        for d in described:
            base = self.url.base(d["topic"])
            if d["error_code"]:
                raise _lost(self.url, f"topic {d['topic']} is gone (error {d['error_code']})")
            if len(d["partitions"]) != self.counts.get(base, len(d["partitions"])):
                raise _lost(
                    self.url,
                    f"topic {d['topic']} has {len(d['partitions'])} partitions, "
                    f"not the {self.counts[base]} it had",
                )

    def _check_positions(self) -> None:
        for loop in self.loops:
            if loop.consumer is None:
                continue
            held = loop.consumer.assignment()  # a rebalance may have taken some away
            for base, partition in list(loop.gate.assigned):
                atp = tp(self.url, base, partition)
                if atp not in held or (base, partition) not in loop.gate.next:
                    continue
                high = loop.consumer.highwater(atp)
                position = loop.gate.next[(base, partition)]
                if high is not None and high < position:
                    raise _lost(
                        self.url,
                        f"partition {partition} of {self.url.topic(base)} ends at offset {high}, "
                        f"below the {position} already consumed",
                    )

    def _state(self, state: str, only_from: str | None = None) -> None:
        if self.metrics is not None and (only_from is None or self.metrics.state == only_from):
            self.metrics.state = state


def _lost(url: KafkaUrl, what: str) -> BrokerError:
    return BrokerError(
        f"Kafka at {url.bootstrap} lost Carry's records: {what}; the run cannot complete",
        "start the run again (Carry creates its topics anew); restart carry serve processes "
        "that served it",
    )
