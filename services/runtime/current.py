"""The event an actor is handling right now, for the records it logs (see `logs`)."""

from __future__ import annotations

from typing import Final

from schemas.base import Event


class Current:
    """The event an actor is handling right now (handlers are synchronous)."""

    def __init__(self) -> None:
        self.event: Event | None = None


CURRENT: Final = Current()
"""Set by the actor host around each handler call; read only when a record is emitted."""
