"""Topic `carry.control`: the run lifecycle (start with its config, finish, stop)."""

from __future__ import annotations

from typing import Any, Final

from schemas.base import Event
from schemas.codec import Codec
from schemas.topics import CONTROL

TOPIC: Final = CONTROL


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


class TradingHalted(Event, frozen=True, kw_only=True, tag="trading_halted"):
    """An operator switch stopped new orders (kill file, SIGTERM, a breached limit).

    Attributes:
        reason: why.
        cancel_open: also cancel the venues' open orders.
    """

    reason: str
    cancel_open: bool = False


class HaltAcknowledged(Event, frozen=True, kw_only=True, tag="halt_acknowledged"):
    """An operator acknowledged the halts so far: trading may resume (not after SIGTERM)."""

    note: str = ""


class StopRequested(Event, frozen=True, kw_only=True, tag="stop_requested"):
    """Finish the current step, then end the run (`RunFinished`): a live run's SIGTERM."""

    reason: str


ControlEvent = (
    RunStarted | RunFinished | RunStopped | TradingHalted | HaltAcknowledged | StopRequested
)
codec: Codec[ControlEvent] = Codec(ControlEvent)
