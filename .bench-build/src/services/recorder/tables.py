"""The declared schema of every results table: names, Arrow types and meanings.

The schemas do not depend on the mode: a column that does not apply to a run (a health
factor without Aave debt, a funding rate on a variation-margin row) holds nulls, never
`0.0` or `''`. Every table that names a position uses the ledger's key spelling,
`venue:position_type:symbol` (`binance:Perp:BTCUSDT`), in a column `position_key`.
`docs/results.md` is the data dictionary; a test keeps it in step with these schemas.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import pyarrow as pa

from schemas.pnl import COMPONENTS

SCHEMA_VERSION = "2"
"""Bumped when a table's columns change."""

F64 = pa.float64()
I64 = pa.int64()
STR = pa.string()
TIME = pa.timestamp("ns", tz="UTC")


class Column(NamedTuple):
    """One declared column: its name, Arrow type and one line of meaning."""

    name: str
    type: pa.DataType
    doc: str


STEP = Column("step", I64, "simulation step, 0-based (one step per hour)")
AT = Column("time", TIME, "UTC time of the step")


def _pnl_columns() -> list[Column]:
    return [
        Column(
            f"pnl_{name}",
            F64,
            f"cumulative P&L from {name.replace('_', ' ')} since the start (share class)",
        )
        for name in COMPONENTS
    ]


TABLES: dict[str, list[Column]] = {
    "equity": [
        STEP,
        AT,
        Column("equity", F64, "balance-based value of every position (share class)"),
        Column("equity_usd", F64, "the same in USD (share class x its oracle price)"),
        Column("pnl_total", F64, "equity minus initial equity (share class)"),
        Column("step_pnl", F64, "change of equity over this step (share class)"),
        Column("reconciliation_error", F64, "|step_pnl - sum of this step's attribution|"),
        Column(
            "net_delta_value",
            F64,
            "share-class value of the net exposure to non-share-class assets",
        ),
        Column("gross_exposure", F64, "share-class gross exposure: spot, LST and perp notional"),
        *_pnl_columns(),
    ],
    "positions": [
        STEP,
        AT,
        Column("position_key", STR, "ledger key venue:position_type:symbol"),
        Column("asset", STR, "asset the position is exposed to (BTC, ETH, USDT, ...)"),
        Column("amount", F64, "native amount (scaled balance for aTokens and debt tokens)"),
        Column("unit_value", F64, "share-class value of one unit of amount; null for perps"),
        Column("value", F64, "share-class value (perps 0: their P&L is settled every step)"),
        Column("value_usd", F64, "USD value"),
        Column("delta", F64, "exposure in units of asset (perps: signed size)"),
        Column("notional", F64, "share-class notional |size| x mark of a perp; null otherwise"),
    ],
    "trades": [
        STEP,
        AT,
        Column("order_id", STR, "order id (step/n), or liq/<venue>/<step> for a liquidation"),
        Column("action", STR, "strategy action served (entry_full, ..., sell_dust) or liquidation"),
        Column("venue", STR, "where it executed"),
        Column(
            "operation", STR, "spot_trade, perp_trade, transfer, supply, swap, liquidation, ..."
        ),
        Column(
            "position_key",
            STR,
            "the position it is about: the first non-wallet key it changes (a wallet swap: the "
            "token sold)",
        ),
        Column("symbol", STR, "what the venue calls it: BTCUSDT, weETH, ETHFI/ETH, USDT"),
        Column("side", STR, "buy or sell for trades; null otherwise"),
        Column("quantity", F64, "base quantity (trades) or amount (transfers, lending, staking)"),
        Column("fill_price", F64, "fill price in the quote asset; null when not a trade"),
        Column("reference_price", F64, "the step's close the fill is compared with; null if none"),
        Column("cost_value", F64, "explicit costs (taker fee, gas) valued in the share class"),
        Column("cause", STR, "attribution component of the residual value change"),
    ],
    "settlements": [
        STEP,
        AT,
        Column("venue", STR, "perp venue"),
        Column("position_key", STR, "the perp settled (venue:Perp:symbol)"),
        Column("kind", STR, "funding or variation_margin"),
        Column("size", F64, "signed position size settled on (negative: short)"),
        Column("mark_price", F64, "mark used: the perp's close at the step (or liquidation price)"),
        Column("previous_mark_price", F64, "previous mark (variation margin); null for funding"),
        Column("funding_rate", F64, "funding rate of the period; null for variation margin"),
        Column("amount_usdt", F64, "USDT posted to the venue balance (positive: received)"),
    ],
    "risk": [
        STEP,
        AT,
        Column("worst_margin_ratio", F64, "lowest perp margin ratio of any venue; null: no perps"),
        Column("delta_ratio", F64, "|net delta value| / gross exposure (0 without exposure)"),
        Column("health_factor", F64, "Aave health factor; null without debt"),
        Column("ltv", F64, "Aave loan-to-value; null without debt"),
        Column("required_action", STR, "none, rebalance or reduce"),
        Column("breaches", STR, "check:level:subject of each breached limit; null when none"),
    ],
    "margins": [
        STEP,
        AT,
        Column("venue", STR, "perp venue"),
        Column("usdt_balance", F64, "USDT balance (perp P&L is settled into it every step)"),
        Column("notional_usdt", F64, "sum of |size| x mark of the venue's perps"),
        Column("margin_ratio", F64, "usdt_balance / notional_usdt; null without notional"),
        Column("maintenance_margin", F64, "maintenance margin from the venue's tier table (USDT)"),
        Column("initial_margin", F64, "initial margin (USDT)"),
    ],
    "rewards": [
        STEP,
        AT,
        Column("drop", STR, "reward drop id (eigen/2024-10-12, season/Season 4 ...)"),
        Column("token", STR, "reward token (EIGEN, ETHFI)"),
        Column("estimated", pa.bool_(), "true when the figure is an estimate (season airdrops)"),
        Column("eligible_eeth", F64, "eETH held (weETH x weETH/ETH rate), window average"),
        Column("eligible_weeth", F64, "weETH units held, averaged over the eligibility window"),
        Column("per_eeth", F64, "tokens per eETH of the drop"),
        Column("amount", F64, "tokens credited"),
        Column("value", F64, "value at the payout step's token price (share class)"),
    ],
}
"""Every Parquet table of a results folder, in write order."""


def schema(table: str, meta: dict[str, str]) -> pa.Schema:
    """The Arrow schema of `table`, with each column's meaning and the file's metadata."""
    fields = [pa.field(c.name, c.type, metadata={"description": c.doc}) for c in TABLES[table]]
    return pa.schema(fields, metadata={**meta, "carry.table": table})


def empty_columns(table: str) -> dict[str, list[Any]]:
    """Column buffers for `table`, in schema order."""
    return {c.name: [] for c in TABLES[table]}


def to_arrow(table: str, columns: dict[str, list[Any]], meta: dict[str, str]) -> pa.Table:
    """An Arrow table of `columns` with the declared schema (types never inferred)."""
    sch = schema(table, meta)
    arrays = [pa.array(columns[f.name], type=f.type) for f in sch]
    return pa.Table.from_arrays(arrays, schema=sch)
