"""Trading switches and limits of a live run: the last check before an order is sent.

New orders stop on: a reconciliation halt (carried by the ledger snapshots), an
operator switch (`TradingHalted`: kill file, SIGTERM), or a daily loss beyond the
limit. An order above the per-order notional limit is refused on its own. Halts other
than SIGTERM end when an operator acknowledges them (`HaltAcknowledged`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from services.config.live import LiveConfig

DAY_NS = 86_400_000_000_000


@dataclass
class TradingGate:
    """Whether an order may go out.

    Args:
        live: the run's limits.
    """

    live: LiveConfig
    halts: dict[str, str] = field(default_factory=dict)
    final: str = ""
    day: int = -1
    day_start: float = 0.0

    def halt(self, source: str, reason: str, final: bool = False) -> None:
        """Stop new orders (`final`: for the rest of the run)."""
        self.halts[source] = reason
        if final:
            self.final = reason

    def acknowledge(self) -> None:
        """An operator acknowledged: lift every halt except a final one."""
        self.halts.clear()

    def reconciliation(self, reason: str) -> None:
        """Track the ledger's reconciliation halt."""
        if reason:
            self.halts["reconciliation"] = reason
        else:
            self.halts.pop("reconciliation", None)

    def equity(self, ts: int, equity: float) -> str:
        """Track equity for the daily loss limit; return a new breach ("" if none)."""
        day = ts // DAY_NS
        if day != self.day:
            self.day, self.day_start = day, equity
            return ""
        limit = self.live.max_daily_loss
        loss = self.day_start - equity
        if limit and loss > limit and "daily_loss" not in self.halts:
            reason = f"loss of {loss:,.2f} today exceeds the daily loss limit {limit:,.2f}"
            self.halts["daily_loss"] = reason
            return reason
        return ""

    def refusal(self, notional: float) -> str:
        """Why an order of `notional` (share class) may not go out ("" if it may)."""
        if self.final:
            return f"trading stopped: {self.final}"
        if self.halts:
            return "trading halted: " + "; ".join(
                f"{k}: {v}" for k, v in sorted(self.halts.items())
            )
        limit = self.live.max_order_notional
        if limit and notional > limit:
            return f"order notional {notional:,.2f} exceeds the per-order limit {limit:,.2f}"
        return ""
