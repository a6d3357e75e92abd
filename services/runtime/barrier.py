"""The step barrier: apply a step's inputs only once every producer has closed it; and
the rule by which a step without orders closes on its settled snapshot."""

from __future__ import annotations

from collections import defaultdict

from schemas.base import Event
from schemas.orders import OrdersDone


class StepBarrier:
    """Collects events per step until every expected producer sent its marker.

    Released events are in canonical order: by producer rank (the order of
    `producers`), then in each producer's own publication order, which every
    transport preserves within a run. The result is independent of how producers'
    outputs interleaved on arrival.

    Args:
        producers: names of the producers that close each step, in canonical order.
    """

    def __init__(self, producers: list[str]) -> None:
        self.rank = {name: i for i, name in enumerate(producers)}
        self._events: dict[int, list[list[Event]]] = {}
        """Per step, per producer (in rank order): its events, in arrival order."""
        self._marks: dict[int, set[str]] = defaultdict(set)

    def _held(self, step: int, producer: str) -> list[Event]:
        rank = self.rank.get(producer)
        if rank is None:
            raise ValueError(f"unexpected producer {producer!r} for the step barrier")
        held = self._events.get(step)
        if held is None:
            held = self._events[step] = [[] for _ in self.rank]
        return held[rank]

    def add(self, event: Event) -> None:
        """Hold `event` until its step is released."""
        self._held(event.step, event.source).append(event)

    def mark(self, step: int, producer: str, events: list[Event] | None = None) -> None:
        """Record that `producer` closed `step`, holding first the step's `events` that
        came with its marker (they must be the producer's own and of that step)."""
        if producer not in self.rank:
            raise ValueError(f"unexpected producer {producer!r} for the step barrier")
        if events:
            for event in events:
                if event.step != step or event.source != producer:
                    raise ValueError(
                        f"{producer!r} closed step {step} with {event.event_id!r} of "
                        f"{event.source!r} for step {event.step}"
                    )
            self._held(step, producer).extend(events)
        self._marks[step].add(producer)

    def complete(self, step: int) -> bool:
        """True once every producer closed `step`."""
        return len(self._marks.get(step, ())) == len(self.rank)

    def release(self, step: int) -> list[Event]:
        """Return the step's events in canonical order and forget the step."""
        held = self._events.pop(step, None)
        self._marks.pop(step, None)
        if held is None:
            return []
        return [event for events in held for event in events]


def closes_step(done: OrdersDone, settled: tuple[int, int]) -> bool:
    """Whether `done` closes its step without a final snapshot: it is based on that
    step's settled snapshot, `settled` being the (step, version) of the last one seen."""
    return settled == (done.step, done.based_on)
