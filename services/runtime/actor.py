"""The actor base class.

An actor is a small class: its constructor takes a context (run config, clock, logger)
and does no I/O; `on_event` is synchronous and returns the events to publish. How
events reach it is the host's and the transport's business.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeVar

from mypy_extensions import mypyc_attr

from schemas.base import Event
from schemas.control import RunStarted
from services.config.run import RunConfig
from services.errors import InvariantError
from services.runtime.clock import StepClock
from services.runtime.jobs import Jobs

Out = tuple[str, Event]
E = TypeVar("E", bound=Event)


@dataclass(frozen=True)
class ActorContext:
    """What an actor instance gets: its run, the run's clock, a bound logger and its host's
    jobs (awaitable work off the step chain, for actors that talk to the outside)."""

    run_id: str
    config: RunConfig
    clock: StepClock
    log: Any
    jobs: Jobs = field(default_factory=Jobs)


@mypyc_attr(allow_interpreted_subclasses=True)
class Actor(abc.ABC):
    """Base of every actor.

    Subclasses set `name` and `topics`, implement `on_event`, and may override
    `waits_for` (an event whose prerequisites from other topics have not arrived yet is
    parked and retried; `parks_on` names the topics it can hold back) and `on_start`.
    """

    name: ClassVar[str]
    topics: ClassVar[tuple[str, ...]]
    settles: ClassVar[bool] = False
    """True if the actor closes each step's settlement phase with a `PhaseDone` marker."""
    parks_on: ClassVar[tuple[str, ...] | None] = None
    """The topics whose events `waits_for` may hold back (None: any topic). Events of
    the other topics go to `on_event` without asking `waits_for`."""

    def __init__(self, ctx: ActorContext) -> None:
        self.ctx = ctx
        self.run_id = ctx.run_id
        self.config = ctx.config
        self.clock = ctx.clock
        self.log = ctx.log
        self.jobs = ctx.jobs
        self.source = self.name
        """`name`, as the `source` of this actor's events (an instance attribute: compiled
        code reads it directly)."""
        self._id_step = -1
        self._id_seq = 0
        self._id_prefix = ""
        self._id_ts = 0

    def on_start(self, event: RunStarted) -> list[Out]:
        """Called once when the run starts; returns events to publish."""
        return []

    def waits_for(self, topic: str, event: Event) -> bool:
        """True if `event` cannot be handled yet (a prerequisite is missing)."""
        return False

    @abc.abstractmethod
    def on_event(self, topic: str, event: Event) -> list[Out]:
        """Handle one event; return the events to publish, in order."""

    def stamp(self, step: int) -> tuple[int, str]:
        """The time of `step` and the next event id of this actor at `step`.

        Event ids are `name/step/n`, deterministic for a deterministic handling order.
        Hot handlers build their events with it directly (no keyword dictionary).
        """
        if step != self._id_step:
            if step < self._id_step:
                raise InvariantError(
                    f"{self.name} emitted for step {step} after step {self._id_step}"
                )
            self._id_step = step
            self._id_seq = 0
            self._id_prefix = f"{self.source}/{step}/"
            self._id_ts = self.clock.time_of(step)
        seq = self._id_seq
        self._id_seq = seq + 1
        return self._id_ts, self._id_prefix + str(seq)

    def make(self, cls: type[E], step: int, **fields: Any) -> E:
        """Build an event of this actor with the envelope filled in (see `stamp`)."""
        ts, event_id = self.stamp(step)
        return cls(
            run_id=self.run_id,
            step=step,
            ts=ts,
            source=self.source,
            event_id=event_id,
            **fields,
        )
