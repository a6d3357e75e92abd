"""Supported exchanges: ccxt id -> capability table."""

from __future__ import annotations

from services.adapters.binance.capabilities import CAPABILITIES as BINANCE
from services.adapters.bybit.capabilities import CAPABILITIES as BYBIT
from services.adapters.capabilities import Capabilities
from services.adapters.okx.capabilities import CAPABILITIES as OKX

EXCHANGES: dict[str, Capabilities] = {c.exchange: c for c in (BINANCE, BYBIT, OKX)}
