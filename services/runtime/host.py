"""Hosting actors: one host per actor kind, one instance per run, parking and de-duplication."""

from __future__ import annotations

import abc
from collections.abc import Callable
from typing import Any, Final

import structlog
from mypy_extensions import mypyc_attr

from schemas.base import Event
from schemas.control import RunFinished, RunStarted, RunStopped
from schemas.topics import CONTROL
from services.config.run import RunConfig, run_config_from_plain
from services.errors import InvariantError
from services.runtime.actor import Actor, ActorContext, Out
from services.runtime.clock import StepClock
from services.runtime.current import CURRENT
from services.runtime.jobs import Jobs

MAX_PARKED: Final = 10_000
SEEN_WINDOW: Final = 64
KEEP_FINISHED: Final = 16

Factory = Callable[[ActorContext], Actor]


def _nothing() -> None:
    """No routes cached."""


class Route(abc.ABC):
    """How one topic's events of one run reach one actor (see `Mailbox.route`).

    The bus calls `deliver` for every event; the subclasses are native, so a compiled
    bus reaches the actor's handler without a Python-level call.
    """

    @abc.abstractmethod
    def deliver(self, topic: str, event: Event) -> list[Out]:
        """Hand `event` over; return what the actor published."""


class ToActor(Route):
    """Straight to the actor's handler: nothing to park or de-duplicate."""

    def __init__(self, actor: Actor) -> None:
        self.actor = actor

    def deliver(self, topic: str, event: Event) -> list[Out]:
        """The actor's `on_event`."""
        return self.actor.on_event(topic, event)


class ToMailbox(Route):
    """Through the mailbox, which may park the event or drop a redelivery."""

    def __init__(self, box: Mailbox) -> None:
        self.box = box

    def deliver(self, topic: str, event: Event) -> list[Out]:
        """`Mailbox.deliver`."""
        return self.box.deliver(topic, event)


class PastParked(Route):
    """To the actor, then to the parked events it unblocked (a topic that never waits)."""

    def __init__(self, box: Mailbox) -> None:
        self.box = box

    def deliver(self, topic: str, event: Event) -> list[Out]:
        """`Mailbox.deliver_now`."""
        return self.box.deliver_now(topic, event)


class ToHost(Route):
    """Through a host that overrides `ActorHost.deliver`."""

    def __init__(self, host: ActorHost) -> None:
        self.host = host

    def deliver(self, topic: str, event: Event) -> list[Out]:
        """The host's `deliver`."""
        return self.host.deliver(topic, event)


class Mailbox:
    """Delivers a run's events to one actor instance.

    Parks events the actor `waits_for` and retries them after every handled event;
    with `dedup`, drops an event whose `event_id` was already handled (redelivery).
    """

    def __init__(
        self, actor: Actor, dedup: bool, reroute: Callable[[], None] | None = None
    ) -> None:
        self.actor = actor
        self.reroute = reroute or _nothing
        """Called when parking starts or ends: the routes `route` gave are stale."""
        self.parked: list[tuple[str, Event]] = []
        self._dedup = dedup
        self._seen: dict[int, set[str]] = {}
        self.handled = 0
        self._waits = type(actor).waits_for is not Actor.waits_for
        """False when the actor never parks (it keeps the base `waits_for`)."""
        self._parks = actor.parks_on

    def route(self, topic: str) -> Route:
        """How `topic`'s events reach the actor: straight to its handler when the mailbox
        adds nothing (no de-duplication, and a topic that never waits while nothing is
        parked), past the parked events for a topic that never waits while events are
        parked, else through the mailbox. Valid until `reroute` is called."""
        if self._dedup:
            return ToMailbox(self)
        if not self._waits:
            return ToActor(self.actor)
        if self._parks is not None and topic not in self._parks:
            return PastParked(self) if self.parked else ToActor(self.actor)
        return ToMailbox(self)

    def deliver(self, topic: str, event: Event) -> list[Out]:
        """Hand `event` to the actor now or park it; return what the actor published."""
        if self._dedup and self._already_seen(event):
            return []
        parks = self._parks
        if self._waits and (parks is None or topic in parks) and self.actor.waits_for(topic, event):
            if not self.parked:
                self.reroute()
            self.parked.append((topic, event))
            if len(self.parked) > MAX_PARKED:
                raise InvariantError(
                    f"{self.actor.name} parked {len(self.parked)} events: a prerequisite never came"
                )
            return []
        return self.deliver_now(topic, event)

    def deliver_now(self, topic: str, event: Event) -> list[Out]:
        """Hand `event` to the actor, then the parked events it unblocked."""
        self.handled += 1
        CURRENT.event = event
        out = self.actor.on_event(topic, event)
        if self.parked:
            out = out + self.retry()
            if not self.parked:
                self.reroute()
        CURRENT.event = None
        return out

    def retry(self) -> list[Out]:
        """Hand over parked events that no longer wait; return what they published."""
        out: list[Out] = []
        progress = True
        while progress and self.parked:
            progress = False
            for i, (topic, event) in enumerate(self.parked):
                if not self.actor.waits_for(topic, event):
                    del self.parked[i]
                    self.handled += 1
                    CURRENT.event = event
                    out.extend(self.actor.on_event(topic, event))
                    progress = True
                    break
        return out

    def _already_seen(self, event: Event) -> bool:
        seen = self._seen.get(event.step)
        if seen is None:
            seen = self._seen[event.step] = set()
            for old in [s for s in self._seen if s < event.step - SEEN_WINDOW]:
                del self._seen[old]
        if event.event_id in seen:
            return True
        seen.add(event.event_id)
        return False


@mypyc_attr(allow_interpreted_subclasses=True)
class ActorHost:
    """Runs one actor kind for every run announced on the control topic.

    Args:
        kind: actor name (as in `RunConfig.actors`).
        topics: the topics the kind consumes (the control topic is added).
        factory: builds an instance for a run.
        dedup: de-duplicate by `event_id` (transports that may redeliver).
    """

    def __init__(
        self, kind: str, topics: tuple[str, ...], factory: Factory, dedup: bool = False
    ) -> None:
        self.kind = kind
        self.topics = (CONTROL, *tuple(t for t in topics if t != CONTROL))
        self.factory = factory
        self.dedup = dedup
        self.boxes: dict[str, Mailbox] = {}
        self.finished: dict[str, Actor] = {}
        self.closing: dict[str, Mailbox] = {}
        """Mailboxes of finished runs: on Kafka, events concurrent with `RunFinished` (the
        last step's final exposure and risk) may arrive after it and are still handled."""
        self.log = structlog.get_logger().bind(actor=kind)
        self.jobs = Jobs()
        self.reroute: Callable[[], None] = _nothing
        """Called when the routes `route` gave are stale (the bus that caches them sets it)."""

    def take(self) -> list[Out]:
        """Outputs of finished jobs, then of parked events they unblocked."""
        if not self.jobs.busy:
            return []
        out = self.jobs.take()
        if out:
            for box in list(self.boxes.values()):
                if box.parked:
                    out.extend(box.retry())
        return out

    def deliver(self, topic: str, event: Event) -> list[Out]:
        """Route `event` to its run's instance; handle run start and end."""
        box = self.boxes.get(event.run_id)
        if topic == CONTROL:
            return self._control(event, box)
        if box is None:
            box = self.closing.get(event.run_id)
            if box is None:
                return []
        return box.deliver(topic, event)

    def route(self, run_id: str, topic: str) -> Route | None:
        """How `run_id`'s events of `topic` (not control) reach this kind (see
        `Mailbox.route`); None without an instance. Valid until the next control event."""
        if type(self).deliver is not ActorHost.deliver:
            return ToHost(self)
        box = self.boxes.get(run_id) or self.closing.get(run_id)
        if box is None:
            return None
        return box.route(topic)

    def _control(self, event: Event, box: Mailbox | None) -> list[Out]:
        if isinstance(event, RunStarted):
            if box is not None:
                return []
            config = run_config_from_plain(event.config)
            if self.kind not in config.actors:
                return []
            self.closing.pop(event.run_id, None)
            actor = self.factory(self.context(config))
            box = self.boxes[event.run_id] = Mailbox(actor, self.dedup, self._reroute)
            return actor.on_start(event)
        if box is not None and isinstance(event, RunFinished | RunStopped):
            del self.boxes[event.run_id]
            self.finished[event.run_id] = box.actor
            while len(self.finished) > KEEP_FINISHED:
                del self.finished[next(iter(self.finished))]
            if isinstance(event, RunFinished):
                self.closing[event.run_id] = box
                while len(self.closing) > KEEP_FINISHED:
                    del self.closing[next(iter(self.closing))]
            if box.parked:
                self.log.warning(
                    "run_ended_with_parked_events", run_id=event.run_id, parked=len(box.parked)
                )
            if box.actor.topics and CONTROL in box.actor.topics:
                return box.actor.on_event(CONTROL, event)
            return []
        if box is not None and not isinstance(event, RunStarted | RunFinished | RunStopped):
            # Operator switches (halts, acknowledgements, stop requests) reach every actor.
            return box.deliver(CONTROL, event)
        return []

    def forget(self, lost: Callable[[str], bool]) -> list[str]:
        """Drop every instance of the runs `lost` names (their records moved to another
        process); return their run ids. Reading their records again rebuilds them."""
        gone = [r for r in {*self.boxes, *self.closing, *self.finished} if lost(r)]
        for run_id in gone:
            self.boxes.pop(run_id, None)
            self.closing.pop(run_id, None)
            self.finished.pop(run_id, None)
        if gone:
            self.reroute()
        return gone

    def _reroute(self) -> None:
        self.reroute()

    def context(self, config: RunConfig) -> ActorContext:
        """The context an instance of this kind gets for `config`."""
        clock = StepClock(config.start_ns, config.step_ns, config.steps)
        log = structlog.get_logger().bind(run_id=config.run_id, actor=self.kind)
        return ActorContext(
            run_id=config.run_id, config=config, clock=clock, log=log, jobs=self.jobs
        )

    def instance(self, run_id: str) -> Any:
        """The live or finished instance for `run_id` (None if unknown)."""
        box = self.boxes.get(run_id)
        return box.actor if box is not None else self.finished.get(run_id)
