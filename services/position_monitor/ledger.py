"""The ledger: position key -> native amount, changed only through triggers."""

from __future__ import annotations

from schemas.triggers import PositionDelta, Trigger
from services.errors import InvariantError
from services.valuation.keys import parse_key

NEGATIVE_SLACK = 1e-6
"""Largest negative amount tolerated on a non-debt, non-perp key (float rounding)."""


class Ledger:
    """Amounts only; conversion to value happens in exposure.

    Args:
        declared: the keys the mode may hold; a delta on any other key is an error.
    """

    def __init__(self, declared: frozenset[str]) -> None:
        self.declared = declared
        self.positions: dict[str, float] = {}

    def apply(self, trigger: Trigger) -> None:
        """Apply `trigger`'s deltas, all or nothing."""
        for delta in trigger.deltas:  # all or nothing: check every key first
            if delta.key not in self.declared:
                raise InvariantError(
                    f"trigger {trigger.event_id} changes undeclared position {delta.key!r}; "
                    f"this mode declares {sorted(self.declared)}"
                )
        for delta in trigger.deltas:
            self._add(delta, trigger.event_id)

    def _add(self, delta: PositionDelta, cause: str) -> None:
        key = delta.key
        value = self.positions.get(key, 0.0) + delta.amount
        kind = parse_key(key).kind
        if kind == "Perp" and abs(value) < 1e-12:
            value = 0.0
        if value < -NEGATIVE_SLACK * max(1.0, abs(delta.amount)) and _must_be_positive(key):
            raise InvariantError(f"trigger {cause} drives {key} negative: {value}")
        if value == 0.0:
            self.positions.pop(key, None)
        else:
            self.positions[key] = value


def _must_be_positive(key: str) -> bool:
    venue, kind, symbol = parse_key(key)
    if kind in ("aToken", "LST"):
        return True
    # A venue's USDT margin may go negative through losses before liquidation.
    return kind == "BaseToken" and (venue == "wallet" or symbol != "USDT")
