"""Client order ids derived from Carry's order ids.

`c` + 8 hex of the run id + the step's time in minutes + the order id: alphanumeric and
at most 32 characters (OKX's limit), the same for the same order of the same run, so a
resend after an unknown outcome is recognised by the venue and looked up first.
"""

from __future__ import annotations

import hashlib


def run_prefix(run_id: str) -> str:
    """The prefix every client order id of a run starts with."""
    return "c" + hashlib.sha256(run_id.encode()).hexdigest()[:8]


def client_order_id(run_id: str, ts: int, order_id: str) -> str:
    """The venue-side id of Carry's order `order_id` at step time `ts` (ns)."""
    return f"{run_prefix(run_id)}t{ts // 60_000_000_000}o{order_id.replace('/', 'n')}"[:32]
