"""The tearsheet's tables: key figures, attribution, monthly returns, trades, rewards,
liquidations, parameters and notes (plain HTML, escaped)."""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from typing import Any

import msgspec

from services.reports.frame import Frame

MAX_TRADE_ROWS = 2000
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def fmt(value: Any, kind: str = "num") -> str:
    """One cell: numbers with separators, percentages, dashes for nulls."""
    if value is None:
        return "&ndash;"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float | int):
        if kind == "pct":
            return f"{value:.2%}"
        if kind == "int":
            return f"{value:,.0f}"
        return f"{value:,.6g}" if abs(value) < 1e6 else f"{value:,.2f}"
    if isinstance(value, dict | list):
        return html.escape(msgspec.json.encode(value).decode())
    return html.escape(str(value))


def table(table_id: str, head: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """An HTML table from already formatted cells."""
    th = "".join(f"<th>{html.escape(h)}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f'<table id="{table_id}"><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>'


def key_figures(summary: dict[str, Any]) -> str:
    """The headline numbers."""
    m, cls = summary["metrics"], summary["share_class"]
    duration = m["max_drawdown_duration"]
    items = [
        ("final equity", f"{summary['final_equity']:,.2f} {cls}"),
        ("P&L", f"{summary['pnl_total']:,.2f} {cls}"),
        ("APY", fmt(summary["apy"], "pct")),
        ("Sharpe", fmt(m["sharpe"])),
        ("Sortino", fmt(m["sortino"])),
        ("Calmar", fmt(m["calmar"])),
        ("volatility", fmt(m["volatility"], "pct")),
        ("max drawdown", fmt(m["max_drawdown"], "pct")),
        ("longest drawdown", "&ndash;" if duration is None else f"{duration / 24:,.1f} days"),
        ("liquidations", str(len(summary["liquidations"]))),
        ("trades", str(summary["trades"])),
        ("reconciliation error", f"{summary['reconciliation_error']:.3g}"),
    ]
    cells = "".join(f"<div>{html.escape(k)}<b>{v}</b></div>" for k, v in items)
    return (
        f'<div class="kpi" id="key-figures">{cells}</div>'
        f'<p class="note">{html.escape(m["conventions"])}</p>'
    )


def attribution(summary: dict[str, Any]) -> str:
    """P&L per attribution component, and the sum."""
    rows = [(html.escape(k), fmt(v)) for k, v in summary["attribution"].items() if v]
    rows.append(("<b>sum</b>", fmt(summary["attribution_sum"])))
    rows.append(("<b>P&amp;L (balance-based)</b>", fmt(summary["pnl_total"])))
    return table("table-attribution", ("component", summary["share_class"]), rows)


def monthly(monthly_returns: dict[str, float | None]) -> str:
    """Monthly returns by year, with the year's compounded total."""
    rows = []
    for year in sorted({m[:4] for m in monthly_returns}):
        cells, growth = [], 1.0
        for i in range(1, 13):
            value = monthly_returns.get(f"{year}-{i:02d}")
            cells.append(fmt(value, "pct"))
            growth *= 1.0 + (value or 0.0)
        rows.append((year, *cells, fmt(growth - 1.0, "pct")))
    return table("table-monthly", ("year", *MONTHS, "year"), rows)


def trades(frame: Frame) -> str:
    """The trade list (the first rows if there are very many; trades.parquet has all)."""
    t = frame.table.slice(0, MAX_TRADE_ROWS).to_pydict()
    head = (
        "time",
        "action",
        "venue",
        "operation",
        "position",
        "side",
        "quantity",
        "fill price",
        "costs",
    )
    rows = [
        (
            when.strftime("%Y-%m-%d %H:%M"),
            fmt(t["action"][i]),
            fmt(t["venue"][i]),
            fmt(t["operation"][i]),
            fmt(t["position_key"][i]),
            fmt(t["side"][i]),
            fmt(t["quantity"][i]),
            fmt(t["fill_price"][i]),
            fmt(t["cost_value"][i]),
        )
        for i, when in enumerate(t["time"])
    ]
    more = (
        f'<p class="note">{frame.rows - MAX_TRADE_ROWS:,} more in trades.parquet</p>'
        if frame.rows > MAX_TRADE_ROWS
        else ""
    )
    return f'<div class="scroll">{table("table-trades", head, rows)}</div>{more}'


def rewards(summary: dict[str, Any]) -> str:
    """Reward drops, published and estimated apart."""
    drops = summary["reward_drops"]
    if not drops:
        return ""
    head = ("payout", "drop", "token", "kind", "per eETH", "amount", "value")
    rows = [
        (
            fmt(d["time"]),
            fmt(d["drop"]),
            fmt(d["token"]),
            "estimated" if d["estimated"] else "published",
            fmt(d["per_eeth"]),
            fmt(d["amount"]),
            fmt(d["value"]),
        )
        for d in sorted(drops, key=lambda d: (d["estimated"], d["step"]))
    ]
    return table("table-rewards", head, rows)


def liquidations(summary: dict[str, Any]) -> str:
    """Liquidations with their loss."""
    liqs = summary["liquidations"]
    if not liqs:
        return "<p>No liquidation.</p>"
    rows = [
        (
            fmt(q["time"]),
            fmt(q["venue"]),
            fmt(q["position_key"]),
            fmt(q["price"]),
            fmt(q["quantity"]),
            fmt(q["loss"]),
        )
        for q in liqs
    ]
    return table(
        "table-liquidations", ("time", "venue", "position", "price", "quantity", "loss"), rows
    )


def parameters(params: dict[str, Any]) -> str:
    """The run's parameters."""
    rows = [(html.escape(k), fmt(v)) for k, v in sorted(params.items())]
    return table("table-params", ("parameter", "value"), rows)


def notes(summary: dict[str, Any]) -> str:
    """The run's notes."""
    items = "".join(f"<li>{html.escape(n)}</li>" for n in summary["notes"])
    return f'<ul class="note">{items}</ul>' if items else ""
