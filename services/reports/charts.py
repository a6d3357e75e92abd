"""The tearsheet's charts, each built from the results tables (empty when it does not apply)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from schemas.pnl import COMPONENTS
from services.reports.downsample import minmax
from services.reports.frame import Floats, Frame
from services.reports.plotly import chart, hline, layout, line

HOURS_PER_YEAR = 8760
ROLLING_HOURS = 30 * 24
FUNDING_PERIODS_PER_YEAR = 3 * 365
WARN, BAD = "#ff7f0e", "#d62728"


@dataclass
class Inputs:
    """What the charts read: the tables, the share class, thresholds and the benchmark.

    Attributes:
        tables: the results tables.
        share_class: `USDT` or `ETH`.
        thresholds: `margin_warn`, `margin_reduce`, `hf_reduce`, `target_ltv`, `max_ltv`
            where the mode has them.
        benchmark: growth of Aave USDT lending at each equity row (1.0 at the start), or
            None when the data has no Aave USDT series.
    """

    tables: dict[str, Frame]
    share_class: str
    thresholds: dict[str, float] = field(default_factory=dict)
    benchmark: Floats | None = None


def series(name: str, x: Any, y: Floats, **extra: Any) -> dict[str, Any]:
    """A line trace of `y` over `x`, min/max downsampled."""
    xs, ys = minmax(np.asarray(x), np.asarray(y, dtype=np.float64))
    return line(name, xs.tolist(), ys.tolist(), **extra)


def _has(values: Floats) -> bool:
    return bool(np.any(np.nan_to_num(values) != 0.0))


def equity_chart(inp: Inputs) -> str:
    """Equity with rebalance and liquidation markers."""
    eq, trades = inp.tables["equity"], inp.tables["trades"]
    x, y = eq.ms(), eq.floats("equity")
    traces = [series("equity", x, y)]
    rows = {int(s): i for i, s in enumerate(eq.floats("step").astype(np.int64))}
    actions = trades.strings("action")
    steps = trades.floats("step").astype(np.int64).tolist()
    for name, wanted, symbol, color in (
        ("rebalance / order", False, "triangle-up", "#2ca02c"),
        ("liquidation", True, "x", BAD),
    ):
        at = sorted(
            {
                rows[s]
                for s, a in zip(steps, actions, strict=True)
                if (a == "liquidation") == wanted and s in rows
            }
        )
        if at:
            traces.append(
                {
                    "type": "scatter",
                    "mode": "markers",
                    "name": name,
                    "x": x[at].tolist(),
                    "y": y[at].tolist(),
                    "marker": {"symbol": symbol, "size": 9, "color": color},
                }
            )
    return chart("chart-equity", traces, layout(f"Equity ({inp.share_class})", inp.share_class))


def returns_chart(inp: Inputs) -> str:
    """Cumulative return in the share class (and USD for ETH modes) next to the benchmark."""
    eq = inp.tables["equity"]
    x, y = eq.ms(), eq.floats("equity")
    traces = [series(f"strategy ({inp.share_class})", x, (y / y[0] - 1.0) * 100)]
    if inp.share_class != "USDT":
        usd = eq.floats("equity_usd")
        traces.append(series("strategy (USD)", x, (usd / usd[0] - 1.0) * 100))
    if inp.benchmark is not None:
        traces.append(
            series("Aave USDT lending", x, (inp.benchmark - 1.0) * 100, line={"dash": "dot"})
        )
    return chart("chart-returns", traces, layout("Cumulative return vs benchmark", "%"))


def usd_chart(inp: Inputs) -> str:
    """Equity in USD (ETH share class modes)."""
    if inp.share_class == "USDT":
        return ""
    eq = inp.tables["equity"]
    return chart(
        "chart-equity-usd",
        [series("equity (USD)", eq.ms(), eq.floats("equity_usd"))],
        layout("Equity in USD", "USD"),
    )


def drawdown_chart(inp: Inputs) -> str:
    """Drawdown from the running peak, %."""
    eq = inp.tables["equity"]
    y = eq.floats("equity")
    peak = np.maximum.accumulate(y)
    dd = np.where(peak > 0, (y - peak) / peak * 100, 0.0)
    trace = series("drawdown", eq.ms(), dd, fill="tozeroy", line={"color": BAD})
    return chart("chart-drawdown", [trace], layout("Drawdown", "%"))


def rolling_apy_chart(inp: Inputs) -> str:
    """Rolling 30-day APY (compounded), %."""
    eq = inp.tables["equity"]
    y = eq.floats("equity")
    if len(y) <= ROLLING_HOURS:
        return ""
    apy = np.full(len(y), np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        growth = y[ROLLING_HOURS:] / y[:-ROLLING_HOURS]
        apy[ROLLING_HOURS:] = (growth ** (HOURS_PER_YEAR / ROLLING_HOURS) - 1.0) * 100
    return chart(
        "chart-rolling-apy",
        [series("30-day APY", eq.ms(), apy)],
        layout("Rolling 30-day APY (compounded)", "%"),
    )


def attribution_chart(inp: Inputs) -> str:
    """Cumulative P&L per attribution component."""
    eq = inp.tables["equity"]
    x = eq.ms()
    traces = [
        series(name, x, values) for name in COMPONENTS if _has(values := eq.floats(f"pnl_{name}"))
    ]
    title = f"P&L attribution, cumulative ({inp.share_class})"
    return chart("chart-attribution", traces, layout(title, inp.share_class))


def funding_charts(inp: Inputs) -> str:
    """Cumulative funding per venue and the funding rates over time."""
    fund = inp.tables["settlements"].where("kind", "funding")
    if fund.rows == 0:
        return ""
    paid, rates = [], []
    for venue in fund.distinct("venue"):
        v = fund.where("venue", venue)
        x = v.ms()
        paid.append(series(venue, x, np.cumsum(v.floats("amount_usdt")), line={"shape": "hv"}))
        annual = v.floats("funding_rate") * FUNDING_PERIODS_PER_YEAR * 100
        rates.append(series(venue, x, annual, line={"shape": "hv", "width": 1}))
    return chart(
        "chart-funding", paid, layout("Funding received per venue, cumulative", "USDT")
    ) + chart(
        "chart-funding-rates",
        rates,
        layout("Funding rate per venue (annualised: rate x 3 x 365)", "% a year"),
    )


def exposure_chart(inp: Inputs) -> str:
    """Net delta, gross exposure and gross perp notional per venue."""
    eq, margins = inp.tables["equity"], inp.tables["margins"]
    x = eq.ms()
    traces = [
        series("net delta value", x, eq.floats("net_delta_value")),
        series("gross exposure", x, eq.floats("gross_exposure")),
    ]
    for venue in margins.distinct("venue"):
        v = margins.where("venue", venue)
        traces.append(series(f"{venue} perp notional (USDT)", v.ms(), v.floats("notional_usdt")))
    if not _has(eq.floats("gross_exposure")):
        return ""
    return chart("chart-exposure", traces, layout("Exposure", inp.share_class))


def margin_chart(inp: Inputs) -> str:
    """Margin ratio per venue with the warn and reduce thresholds."""
    margins = inp.tables["margins"]
    venues = margins.distinct("venue")
    if not venues:
        return ""
    traces = []
    for venue in venues:
        v = margins.where("venue", venue)
        traces.append(series(venue, v.ms(), v.floats("margin_ratio")))
    shapes, notes = [], []
    for key, color in (("margin_warn", WARN), ("margin_reduce", BAD)):
        if key in inp.thresholds:
            shape, note = hline(inp.thresholds[key], f"{key} {inp.thresholds[key]:g}", color)
            shapes.append(shape)
            notes.append(note)
    lay = layout("Perp margin ratio per venue", "ratio", shapes=shapes, annotations=notes)
    return chart("chart-margin", traces, lay)


def aave_charts(inp: Inputs) -> str:
    """Health factor (reduce and liquidation lines) and LTV (target and maximum)."""
    risk = inp.tables["risk"]
    hf, ltv = risk.floats("health_factor"), risk.floats("ltv")
    if np.all(np.isnan(hf)):
        return ""
    x = risk.ms()
    shapes, notes = [], []
    marks = [(1.0, "liquidation 1", BAD)]
    if "hf_reduce" in inp.thresholds:
        marks.append(
            (inp.thresholds["hf_reduce"], f"hf_reduce {inp.thresholds['hf_reduce']:.4g}", WARN)
        )
    for y, text, color in marks:
        shape, note = hline(y, text, color)
        shapes.append(shape)
        notes.append(note)
    out = chart(
        "chart-health-factor",
        [series("health factor", x, hf)],
        layout("Aave health factor", "HF", shapes=shapes, annotations=notes),
    )
    shapes, notes = [], []
    for key, color in (("target_ltv", "#2ca02c"), ("max_ltv", BAD)):
        if key in inp.thresholds:
            shape, note = hline(inp.thresholds[key], f"{key} {inp.thresholds[key]:.4g}", color)
            shapes.append(shape)
            notes.append(note)
    return out + chart(
        "chart-ltv",
        [series("LTV", x, ltv)],
        layout("Aave loan-to-value", "LTV", shapes=shapes, annotations=notes),
    )


def rewards_chart(inp: Inputs) -> str:
    """Reward drops by payout date: published and estimated apart."""
    rewards = inp.tables["rewards"]
    if rewards.rows == 0:
        return ""
    traces = []
    for estimated, name, color in ((False, "published", "#2ca02c"), (True, "estimated", WARN)):
        part = rewards.where("estimated", estimated)
        if part.rows:
            traces.append(
                {
                    "type": "bar",
                    "name": name,
                    "x": part.ms().tolist(),
                    "y": part.floats("value").tolist(),
                    "text": part.strings("drop"),
                    "marker": {"color": color},
                }
            )
    lay = layout(f"Reward drops at payout ({inp.share_class})", inp.share_class, barmode="group")
    return chart("chart-rewards", traces, lay)


def monthly_heatmap(monthly: dict[str, float | None]) -> str:
    """Monthly returns as a year x month heatmap, %."""
    if not monthly:
        return ""
    years = sorted({m[:4] for m in monthly})
    names = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    z: list[list[float | None]] = []
    for year in years:
        row = [monthly.get(f"{year}-{m:02d}") for m in range(1, 13)]
        z.append([None if v is None else v * 100 for v in row])
    trace = {
        "type": "heatmap",
        "x": names,
        "y": years,
        "z": z,
        "colorscale": [[0.0, "#d73027"], [0.5, "#ffffbf"], [1.0, "#1a9850"]],
        "zmid": 0,
        "texttemplate": "%{z:.2f}",
        "hovertemplate": "%{y} %{x}: %{z:.3f}%<extra></extra>",
        "colorbar": {"title": {"text": "%"}},
    }
    lay = layout("Monthly returns", "year", dated=False, height=120 + 40 * len(years))
    lay["yaxis"] = {"type": "category", "autorange": "reversed"}
    return chart("chart-monthly", [trace], lay)
