"""Relative differences between Carry's figures and the contracts', and the mismatch lines.

A figure's relative difference is |carry - chain| / max(|carry|, |chain|, size), where
`size` is the largest value the chain has shown for that figure since it was last zero:
a position closed or run down to a remainder is measured against what it was, so the
contracts' one-unit rounding of a large position's remainder is not a relative error.
A liquidation's protocol fee is measured against the collateral it is taken from.
Amounts are integers of each token's smallest unit on the chain, and a liquidation
converts between reserves in integers: a difference within the market's resolution
(one unit of the token, or one unit of USDT's value, 1e-6 USD, in it) is the contracts'
rounding and is not counted.
A disagreement on whether an action is allowed counts as a relative difference of 1.
"""

from __future__ import annotations

from dataclasses import dataclass, field

TOLERANCE = 1e-9


@dataclass
class Comparison:
    """Every comparison made so far: mismatch lines and the largest relative difference.

    Attributes:
        tolerance: the largest relative difference that is not a mismatch.
    """

    tolerance: float = TOLERANCE
    max_rel: float = 0.0
    worst: str = ""
    compared: int = 0
    mismatches: list[str] = field(default_factory=list)
    sizes: dict[str, float] = field(default_factory=dict)

    def figure(
        self,
        where: str,
        name: str,
        carry: float | None,
        chain: float | None,
        part_of: float = 0.0,
        unit: float = 0.0,
    ) -> None:
        """Compare one figure (None: the figure does not exist on that side, e.g. no HF).

        `part_of`: the amount the figure is a share of (a liquidation's protocol fee is
        a share of the seized collateral), measured against it like a position's size.
        `unit`: the token's smallest unit, the contracts' resolution; a difference within
        it is the contracts' rounding, not a difference of accounting.
        """
        self.compared += 1
        if carry is None or chain is None:
            if carry is not chain:
                self._record(where, name, 1.0, f"Carry {carry}, chain {chain}")
            return
        size = self.sizes.get(name, 0.0)
        self.sizes[name] = max(size, abs(chain)) if chain else 0.0
        scale = max(abs(carry), abs(chain), size, part_of)
        rel = max(0.0, abs(carry - chain) - unit) / scale if scale else 0.0
        if rel > self.max_rel:
            self.max_rel, self.worst = rel, f"{where}: {name}"
        if rel > self.tolerance:
            self._record(where, name, rel, f"Carry {carry!r}, chain {chain!r}")

    def verdict(self, where: str, carry: str | None, chain: str | None) -> None:
        """Compare whether an action was refused (None: executed) on each side."""
        self.compared += 1
        if (carry is None) != (chain is None):
            carry_says = f"refused ({carry})" if carry else "executed"
            chain_says = f"reverted ({chain})" if chain else "executed"
            self._record(where, "outcome", 1.0, f"Carry {carry_says}, chain {chain_says}")

    def _record(self, where: str, name: str, rel: float, detail: str) -> None:
        self.max_rel = max(self.max_rel, rel)
        if rel >= self.max_rel:
            self.worst = f"{where}: {name}"
        self.mismatches.append(f"{where}: {name} rel diff {rel:.3e}: {detail}")
