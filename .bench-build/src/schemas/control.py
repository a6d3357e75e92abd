"""Topic `carry.control`: the run lifecycle (start with its config, finish, stop)."""

from __future__ import annotations

from typing import Any

from schemas.base import Event
from schemas.codec import Codec
from schemas.topics import CONTROL

TOPIC = CONTROL


class RunStarted(Event, frozen=True, kw_only=True, tag="run_started"):
    """A run begins: every actor builds its per-run state from `config`.

    Attributes:
        config: the resolved run configuration as plain data (the `RunConfig` of
            `services.config`), so actor processes need nothing but the bus.
    """

    config: dict[str, Any]


class RunFinished(Event, frozen=True, kw_only=True, tag="run_finished"):
    """The clock ran the last step; `steps` were run. Actors release the run's state."""

    steps: int


class RunStopped(Event, frozen=True, kw_only=True, tag="run_stopped"):
    """A run is abandoned before its last step (user stop or a fatal error)."""

    reason: str


ControlEvent = RunStarted | RunFinished | RunStopped
codec: Codec[ControlEvent] = Codec(ControlEvent)
