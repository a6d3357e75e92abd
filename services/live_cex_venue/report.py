"""A venue's balances and positions as ledger keys (what a `PositionRefresh` reports).

Mapping (documented in the README):
- `wallet:BaseToken:A` <- the wallet venue's wallet account (Binance spot, Bybit and
  OKX funding accounts);
- `V:BaseToken:A` (A not USDT) <- venue V's spot account (Binance spot, Bybit unified,
  OKX trading);
- `V:BaseToken:USDT` <- V's perp margin account: its wallet balance plus the unrealised
  P&L of V's perps at the step's marks, `size * (mark - entry)`. The ledger settles perp
  P&L into this balance every step at those marks (variation margin), so both sides
  count the same money and a clean run shows no difference;
- `V:Perp:S` <- the signed position size in base units (OKX contracts converted).
A call that fails after its retries leaves its keys out: a missing report is not a flat
position.
"""

from __future__ import annotations

from typing import Any

from services.adapters.cex import CexAdapter, PerpPosition
from services.adapters.errors import VenueError
from services.valuation.keys import WALLET, parse_key


async def read_report(
    adapter: CexAdapter, keys: list[str], marks: dict[str, float], log: Any
) -> dict[str, float]:
    """The balances of `keys` (all of `adapter`'s venue, or `wallet:` keys) it can read."""
    venue, caps = adapter.venue, adapter.caps
    perps = sorted(parse_key(k).symbol for k in keys if parse_key(k).kind == "Perp")
    margin_key = f"{venue}:BaseToken:USDT"
    out: dict[str, float] = {}
    cache: dict[str, dict[str, Any]] = {}

    async def balance(params: dict[str, Any]) -> dict[str, Any] | None:
        tag = repr(sorted(params.items()))
        if tag not in cache:
            try:
                cache[tag] = await adapter.balance(params)
            except VenueError as e:
                log.warning("balance_unread", venue=venue, account=tag, error=e.message)
                return None
        return cache[tag]

    positions: dict[str, PerpPosition] | None = None
    if perps:
        try:
            positions = await adapter.positions(perps)
        except VenueError as e:
            log.warning("positions_unread", venue=venue, error=e.message)
    for key in sorted(keys):
        owner, kind, symbol = parse_key(key)
        if kind == "Perp":
            if positions is not None:
                out[key] = positions[symbol].size
        elif key == margin_key:
            raw = await balance(dict(caps.margin_balance))
            if raw is None or (perps and positions is None):
                continue
            wallet = caps.margin_wallet(raw.get("info", {})).get("USDT", 0.0)
            upnl = sum(
                p.size * (marks.get(f"{venue}:perp:{s}", p.entry) - p.entry)
                for s, p in (positions or {}).items()
                if p.size
            )
            out[key] = wallet + upnl
        else:
            params = caps.wallet_balance if owner == WALLET else caps.spot_balance
            raw = await balance(dict(params))
            if raw is not None:
                out[key] = float((raw.get("total") or {}).get(symbol) or 0.0)
    return out
