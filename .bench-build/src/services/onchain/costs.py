"""Gas and DEX trading costs, charged in the share class from the wallet."""

from __future__ import annotations

from typing import NamedTuple

from schemas.market import MarketSnapshot
from schemas.pnl import GAS
from schemas.triggers import Cost, PositionDelta
from services.config.onchain import OnchainConfig, load_onchain
from services.config.run import RunConfig
from services.valuation.keys import WALLET, cash
from services.valuation.valuer import Valuer

GAS_SLACK = 1e-9
"""Relative slack for the gas check (float rounding of amounts computed from the ledger)."""


class Charge(NamedTuple):
    """A cost paid from the wallet: the delta and the cost record."""

    delta: PositionDelta
    cost: Cost


class Costs:
    """Costs of on-chain operations for one run.

    Args:
        config: the run (share class, `costs` switch).
        valuer: prices assets in the share class.
    """

    def __init__(self, config: RunConfig, valuer: Valuer) -> None:
        self.onchain: OnchainConfig = load_onchain()
        self.valuer = valuer
        self.share = config.share_class
        self.wallet = cash(WALLET, self.share)
        self.enabled = config.typed_params().costs

    def gas(self, operation: str, market: MarketSnapshot) -> Charge | None:
        """Gas of `operation` at this hour's gas price, in the share class (None if off)."""
        if not self.enabled:
            return None
        eth = self.onchain.gas_eth(operation, market.gas_gwei)
        amount = eth * self.valuer.asset_price("ETH", market)
        return Charge(PositionDelta(self.wallet, -amount), Cost(GAS, self.share, amount))

    def pay_gas(
        self,
        operation: str,
        market: MarketSnapshot,
        ledger: dict[str, float],
        deltas: list[PositionDelta],
        costs: list[Cost],
    ) -> tuple[list[PositionDelta], list[Cost]] | str:
        """`deltas` and `costs` with `operation`'s gas added, or why the wallet cannot pay it
        (counting what `deltas` already bring to the wallet)."""
        charge = self.gas(operation, market)
        if charge is None:
            return deltas, costs
        key, fee = charge.delta.key, -charge.delta.amount
        left = ledger.get(key, 0.0) + sum(d.amount for d in deltas if d.key == key)
        if fee > left + GAS_SLACK * max(1.0, fee):
            return f"{key} {left:.6f} cannot pay gas {fee:.6f}"
        return [*deltas, charge.delta], [*costs, charge.cost]

    def dex_bps(self, pair: str, usd_notional: float) -> float:
        """DEX cost of a `pair` trade of `usd_notional`, bps (0 when costs are off)."""
        return self.onchain.cost_bps(pair, usd_notional) if self.enabled else 0.0

    def usd(self, asset: str, amount: float, market: MarketSnapshot) -> float:
        """USD value of `amount` of `asset`."""
        return amount * self.valuer.asset_price(asset, market) * self.valuer.usd_rate(market)
