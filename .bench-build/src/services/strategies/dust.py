"""`sell_dust`: convert reward tokens into the share class once a sale pays off."""

from __future__ import annotations

from schemas.orders import SwapOrder
from services.config.onchain import load_onchain
from services.strategies.base import Book, Intent, OrderSpec
from services.valuation.keys import WALLET, cash

DEX = "uniswap"


def dust_intents(tokens: tuple[str, ...], share_class: str, gas_multiple: float) -> list[Intent]:
    """One intent per reward token: sell all of it when its value exceeds
    `gas_multiple` times the swap's gas cost (an unwrap and sale only pay off above it)."""
    units = load_onchain().gas_units["swap"]

    def seller(token: str) -> Intent:
        key = cash(WALLET, token)

        def intent(book: Book) -> OrderSpec | None:
            amount = book.amount(key)
            gas = units * book.gas_gwei * 1e-9 * book.asset_price("ETH")
            if amount <= 0 or book.value(key) <= gas_multiple * gas:
                return None
            return OrderSpec(
                SwapOrder,
                DEX,
                {"sell": token, "buy": share_class, "amount": amount},
                action="sell_dust",
            )

        return intent

    return [seller(token) for token in tokens]
