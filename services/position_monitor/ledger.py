"""The ledger: position key -> native amount, changed only through triggers."""

from __future__ import annotations

from typing import Final

from schemas.triggers import Trigger
from services.errors import InvariantError
from services.valuation.keys import parse_key

NEGATIVE_SLACK: Final = 1e-6
"""Largest negative amount tolerated on a non-debt, non-perp key (float rounding)."""


class Ledger:
    """Amounts only; conversion to value happens in exposure.

    Args:
        declared: the keys the mode may hold; a delta on any other key is an error.
    """

    def __init__(self, declared: frozenset[str]) -> None:
        self.declared = declared
        self.positions: dict[str, float] = {}
        self._rules: dict[str, tuple[bool, bool]] = {
            key: (parse_key(key).kind == "Perp", _must_be_positive(key)) for key in declared
        }
        """Per declared key: whether it is a perp (dust is zeroed) and whether it must stay
        non-negative."""

    def apply(self, trigger: Trigger) -> None:
        """Apply `trigger`'s deltas, all or nothing."""
        rules = self._rules
        for delta in trigger.deltas:  # all or nothing: check every key first
            if delta.key not in rules:
                raise InvariantError(
                    f"trigger {trigger.event_id} changes undeclared position {delta.key!r}; "
                    f"this mode declares {sorted(self.declared)}"
                )
        positions = self.positions
        for delta in trigger.deltas:
            key, amount = delta.key, delta.amount
            perp, positive = rules[key]
            value = positions.get(key, 0.0) + amount
            if perp and abs(value) < 1e-12:
                value = 0.0
            if positive and value < -NEGATIVE_SLACK * max(1.0, abs(amount)):
                raise InvariantError(f"trigger {trigger.event_id} drives {key} negative: {value}")
            if value == 0.0:
                positions.pop(key, None)
            else:
                positions[key] = value


def _must_be_positive(key: str) -> bool:
    venue, kind, symbol = parse_key(key)
    if kind in ("aToken", "LST"):
        return True
    # A venue's USDT margin may go negative through losses before liquidation.
    return kind == "BaseToken" and (venue == "wallet" or symbol != "USDT")
