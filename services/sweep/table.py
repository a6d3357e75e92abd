"""`sweep.parquet` (one row per configuration) and `sweep.html` (the table by APY and a
chart of APY against each swept parameter)."""

from __future__ import annotations

import html
from typing import Any

import pyarrow as pa

from services.config.modes import parse_override
from services.reports.plotly import chart, layout, page
from services.sweep.pool import Outcome

FIGURES: tuple[tuple[str, pa.DataType], ...] = (
    ("initial_equity", pa.float64()),
    ("final_equity", pa.float64()),
    ("pnl_total", pa.float64()),
    ("apy", pa.float64()),
    ("apy_without_estimated_rewards", pa.float64()),
    ("max_drawdown", pa.float64()),
    ("worst_margin_ratio", pa.float64()),
    ("worst_health_factor", pa.float64()),
    ("liquidations", pa.int64()),
    ("trades", pa.int64()),
    ("rejected_orders", pa.int64()),
    ("reconciliation_error", pa.float64()),
    ("steps", pa.int64()),
)
"""Summary figures copied into each row, with their types (`liquidations` is a count)."""
METRICS: tuple[tuple[str, pa.DataType], ...] = (
    ("total_return", pa.float64()),
    ("annual_return", pa.float64()),
    ("volatility", pa.float64()),
    ("sharpe", pa.float64()),
    ("sortino", pa.float64()),
    ("calmar", pa.float64()),
    ("max_drawdown_duration", pa.int64()),
)
"""Risk metrics (`summary.metrics`), where the run has them."""


def figures(summary: dict[str, Any] | None) -> dict[str, Any]:
    """The row figures of a summary (all null for a failed configuration)."""
    if summary is None:
        return {name: None for name, _ in (*FIGURES, *METRICS)}
    out = {name: summary.get(name) for name, _ in FIGURES}
    out["liquidations"] = len(summary.get("liquidations") or [])
    metrics = summary.get("metrics") or {}
    out.update({name: metrics.get(name) for name, _ in METRICS})
    return out


def _typed(literals: list[str]) -> tuple[pa.DataType, list[Any]]:
    """A swept parameter's column: numbers and booleans typed, anything else its literal."""
    values = [parse_override(f"v={text}")[1] for text in literals]
    if all(isinstance(v, bool) for v in values):
        return pa.bool_(), values
    if all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return pa.int64(), values
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
        return pa.float64(), [float(v) for v in values]
    return pa.string(), literals


def sweep_table(
    points: list[dict[str, str]],
    outcomes: list[Outcome],
    run_ids: list[str],
    metadata: dict[str, str],
) -> pa.Table:
    """One row per finished configuration, in configuration order."""
    done = sorted(outcomes, key=lambda o: o.configuration)
    names = list(points[0]) if points else []
    fields: list[pa.Field] = [pa.field("configuration", pa.int64())]
    columns: list[list[Any]] = [[o.configuration for o in done]]
    for name in names:
        kind, values = _typed([points[o.configuration][name] for o in done])
        fields.append(pa.field(name, kind))
        columns.append(values)
    rows = [figures(o.summary) for o in done]
    for name, kind in (*FIGURES, *METRICS):
        fields.append(pa.field(name, kind))
        columns.append([r[name] for r in rows])
    for name, values in (
        ("run_id", [run_ids[o.configuration] for o in done]),
        ("error", [o.error for o in done]),
        ("results", [o.results for o in done]),
    ):
        fields.append(pa.field(name, pa.string()))
        columns.append(values)
    schema = pa.schema(fields, metadata=metadata)
    return pa.Table.from_arrays(
        [pa.array(c, type=f.type) for c, f in zip(columns, fields, strict=True)], schema=schema
    )


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.6g}"
    return html.escape(str(value))


def sweep_page(table: pa.Table, swept: list[str], title: str, note: str) -> str:
    """The sweep's page: APY against each swept parameter, then every row by APY."""
    rows = table.to_pylist()
    ok = [r for r in rows if r["error"] is None]
    ranked = sorted(ok, key=lambda r: -(r["apy"] or 0.0)) + [r for r in rows if r["error"]]
    charts = []
    for i, name in enumerate(swept):
        numeric = pa.types.is_integer(table.schema.field(name).type) or pa.types.is_floating(
            table.schema.field(name).type
        )
        trace = {
            "type": "scatter",
            "mode": "markers",
            "name": "APY",
            "x": [r[name] if numeric else str(r[name]) for r in ok],
            "y": [r["apy"] for r in ok],
            "text": [f"configuration {r['configuration']}" for r in ok],
        }
        lay = layout(
            f"APY against {name}",
            "APY",
            dated=False,
            xaxis={"title": {"text": name}, "type": "linear" if numeric else "category"},
            yaxis={"title": {"text": "APY"}, "tickformat": ".2%"},
        )
        charts.append(chart(f"apy-{i}", [trace], lay))
    shown = ["configuration", *swept, "apy", "final_equity", "pnl_total", "max_drawdown"]
    shown += ["worst_margin_ratio", "worst_health_factor", "liquidations", "sharpe", "error"]
    head = "".join(f"<th>{html.escape(c)}</th>" for c in shown)
    body = "".join(
        "<tr>" + "".join(f"<td>{_cell(r[c])}</td>" for c in shown) + "</tr>" for r in ranked
    )
    return page(
        title,
        f"<h1>{html.escape(title)}</h1><p class='note'>{html.escape(note)}</p>"
        + "".join(charts)
        + f"<h2>Configurations by APY</h2><div class='scroll'><table><tr>{head}</tr>{body}"
        + "</table></div>",
    )
