"""Funds moving between rehearsal exchanges: deposit addresses and withdrawals.

A withdrawal leaves the source exchange's deposit account and is credited to the
destination's at once (no network fee, no delay: the backtest's transfers are instant).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from services.rehearsal.book import Book, Reject

_IDS = itertools.count(7_000_001)


def address_of(venue: str, asset: str) -> str:
    """The deposit address of `asset` at `venue`."""
    return f"carry-rehearsal-{venue}-{asset.lower()}"


@dataclass
class Network:
    """Every rehearsal exchange, by venue name, and the transfers between them."""

    books: dict[str, Book] = field(default_factory=dict)
    moves: list[dict[str, object]] = field(default_factory=list)

    def withdraw(self, source: Book, asset: str, amount: float, address: str) -> dict[str, object]:
        """Send `amount` of `asset` from `source` to the exchange owning `address`."""
        target = next((b for v, b in self.books.items() if address == address_of(v, asset)), None)
        if target is None:
            raise Reject("invalid_order", f"unknown withdrawal address {address}")
        source.now()
        account = source.deposit_account
        if amount <= 0 or source.balance(account, asset) < amount - 1e-9 * max(1.0, amount):
            raise Reject(
                "insufficient_funds",
                f"{account} holds {source.balance(account, asset):.8f} {asset} < {amount}",
            )
        target.now()
        source.credit(account, asset, -amount)
        target.credit(target.deposit_account, asset, amount)
        move = {
            "id": str(next(_IDS)),
            "asset": asset,
            "amount": amount,
            "from": source.venue,
            "to": target.venue,
            "address": address,
            "ns": source.clock.now_ns(),
        }
        self.moves.append(move)
        return move
