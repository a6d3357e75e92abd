"""`report.html`: a self-contained page of charts (inline SVG, no scripts, deterministic)."""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

import pyarrow as pa

from schemas.pnl import COMPONENTS
from services.recorder.notes import without_estimates

WIDTH, HEIGHT, PAD = 900, 220, 44
MAX_POINTS = 1200
PALETTE = (
    "#1f77b4",
    "#d62728",
    "#2ca02c",
    "#ff7f0e",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
    "#393b79",
    "#637939",
    "#843c39",
)


def _thin(xs: Sequence[int], ys: Sequence[float | None]) -> list[tuple[int, float]]:
    stride = max(1, len(xs) // MAX_POINTS)
    points = [(x, y) for x, y in zip(xs[::stride], ys[::stride], strict=True) if y is not None]
    if xs and ys[-1] is not None and (not points or points[-1][0] != xs[-1]):
        points.append((xs[-1], float(ys[-1])))
    return [(x, float(y)) for x, y in points]


def _chart(
    title: str, xs: Sequence[int], series: Mapping[str, Sequence[float | None]], unit: str
) -> str:
    lines = {name: _thin(xs, ys) for name, ys in series.items()}
    values = [y for pts in lines.values() for _, y in pts]
    if not xs or not values:
        return ""
    lo, hi = min(values), max(values)
    if hi == lo:
        hi, lo = hi + 1.0, lo - 1.0
    x0, x1 = xs[0], xs[-1] if xs[-1] != xs[0] else xs[0] + 1

    def sx(x: int) -> float:
        return PAD + (x - x0) / (x1 - x0) * (WIDTH - 2 * PAD)

    def sy(y: float) -> float:
        return HEIGHT - PAD / 2 - (y - lo) / (hi - lo) * (HEIGHT - PAD)

    parts = [
        f'<h2>{html.escape(title)}</h2><svg viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}" role="img">',
        f'<rect x="{PAD}" y="{PAD / 2}" width="{WIDTH - 2 * PAD}" '
        f'height="{HEIGHT - PAD}" fill="none" stroke="#ccc"/>',
    ]
    parts += [f'<text x="2" y="{sy(v) + 4:.1f}" font-size="10">{v:,.4g}</text>' for v in (lo, hi)]
    if lo < 0 < hi:
        parts.append(
            f'<line x1="{PAD}" x2="{WIDTH - PAD}" y1="{sy(0):.1f}" y2="{sy(0):.1f}" '
            'stroke="#999" stroke-dasharray="3,3"/>'
        )
    legend = []
    for i, (name, pts) in enumerate(lines.items()):
        color = PALETTE[i % len(PALETTE)]
        path = " ".join(f"{sx(x):.1f},{sy(y):.1f}" for x, y in pts)
        parts.append(f'<polyline fill="none" stroke="{color}" stroke-width="1.2" points="{path}"/>')
        legend.append(f'<span style="color:{color}">&#9632; {html.escape(name)}</span>')
    parts.append("</svg>")
    return "".join(parts) + f'<p class="legend">{" ".join(legend)} ({html.escape(unit)})</p>'


def render_report(tables: Mapping[str, pa.Table], summary: dict[str, Any]) -> str:
    """The report page for a finished run."""
    cls = summary["share_class"]
    eq = tables["equity"].to_pydict()
    rk = tables["risk"].to_pydict()
    steps = eq["step"]
    equity = eq["equity"]
    peak, drawdown = float("-inf"), []
    for value in equity:
        peak = max(peak, value)
        drawdown.append(-(peak - value) / peak * 100 if peak > 0 else 0.0)
    parts = {name: eq[f"pnl_{name}"] for name in COMPONENTS if any(eq[f"pnl_{name}"])}
    risk_steps = rk["step"]
    charts = [
        _chart("Equity", steps, {"equity": equity}, cls),
        _chart("Drawdown", steps, {"drawdown": drawdown}, "%"),
        _chart("Attribution (cumulative)", steps, parts, cls),
        _chart("Funding (cumulative)", steps, {"funding": eq["pnl_funding"]}, cls)
        if any(eq["pnl_funding"])
        else "",
        _chart(
            "Worst perp margin ratio",
            risk_steps,
            {"margin ratio": rk["worst_margin_ratio"]},
            "ratio",
        ),
        _chart("Aave health factor", risk_steps, {"health factor": rk["health_factor"]}, "HF"),
    ]
    rows = "".join(
        f"<tr><td>{html.escape(k)}</td><td>{v:,.6g}</td></tr>"
        for k, v in summary["attribution"].items()
        if v
    )
    notes = "".join(f"<li>{html.escape(n)}</li>" for n in summary["notes"])
    head = f"{summary['mode']}: {summary['start']} .. {summary['end']} ({summary['data_source']})"
    return (
        "<!doctype html><html><head><meta charset='utf-8'>"
        f"<title>{html.escape(summary['mode'])}</title><style>"
        "body{font-family:sans-serif;max-width:960px;margin:2em auto}"
        "td{padding:2px 12px}.legend{font-size:12px}</style></head><body>"
        f"<h1>{html.escape(head)}</h1>"
        f"<p>Equity {summary['initial_equity']:,.2f} &rarr; {summary['final_equity']:,.2f} "
        f"{cls}; P&amp;L {summary['pnl_total']:,.2f}; APY {summary['apy']:.2%}"
        f"{without_estimates(summary)}; "
        f"max drawdown {summary['max_drawdown']:.2%}; liquidations "
        f"{len(summary['liquidations'])}; reconciliation error "
        f"{summary['reconciliation_error']:.3g}</p>"
        f"<table>{rows}</table>{''.join(charts)}<ul>{notes}</ul></body></html>\n"
    )
