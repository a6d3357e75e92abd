"""`report.html`: the run's tearsheet, one self-contained page (plotly inline)."""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any

import numpy as np
import pyarrow as pa

from services.config.onchain import load_onchain
from services.config.params import (
    BasisParams,
    DirectionalParams,
    HedgedLeveragedParams,
    HedgedParams,
    LeveragedParams,
    hf_reduce_level,
    leverage_limits,
)
from services.config.run import RunConfig
from services.recorder.notes import without_estimates
from services.recorder.unhedged import unhedged_text
from services.reports import charts, sections
from services.reports.benchmark import aave_usdt_growth
from services.reports.frame import frames
from services.reports.plotly import page


def thresholds(config: RunConfig) -> dict[str, float]:
    """The risk thresholds the report draws: margin warn/reduce, HF reduce, LTV target/max."""
    p = config.typed_params()
    out: dict[str, float] = {}
    if isinstance(p, BasisParams | HedgedParams | DirectionalParams):
        out["margin_warn"], out["margin_reduce"] = p.margin_warn, p.margin_reduce
    if isinstance(p, LeveragedParams | HedgedLeveragedParams):
        mode = load_onchain().aave.mode(p.lst, p.emode)
        out["target_ltv"], out["max_ltv"] = leverage_limits(p, mode.ltv)
        out["hf_reduce"] = hf_reduce_level(p, mode.ltv, mode.liquidation_threshold)
    return out


def _section(title: str, body: str) -> str:
    return f"<h2>{html.escape(title)}</h2>{body}" if body else ""


def render_report(
    tables: Mapping[str, pa.Table], summary: dict[str, Any], config: RunConfig
) -> str:
    """The tearsheet of a finished run."""
    times = tables["equity"].column("time").cast(pa.int64()).to_numpy()
    inp = charts.Inputs(
        tables=frames(tables),
        share_class=summary["share_class"],
        thresholds=thresholds(config),
        benchmark=aave_usdt_growth(config.data.path, np.asarray(times)),
    )
    head = (
        f"{summary['mode']}: {summary['start']} .. {summary['end']}"
        f" &middot; {html.escape(summary['data_source'])}"
    )
    apy = f"APY {summary['apy']:.2%}{without_estimates(summary)}"
    if unhedged := unhedged_text(summary):
        apy += f" ({unhedged})"
    bench = (
        ""
        if inp.benchmark is None
        else f"; Aave USDT lending over the same window: {inp.benchmark[-1] - 1.0:.2%}"
    )
    body = "".join(
        [
            f"<h1>{html.escape(summary['mode'])}</h1><p>{head}</p>",
            sections.key_figures(summary),
            f'<p class="note">{html.escape(apy + bench)}</p>',
            charts.equity_chart(inp),
            charts.returns_chart(inp),
            charts.usd_chart(inp),
            charts.drawdown_chart(inp),
            charts.rolling_apy_chart(inp),
            _section(
                "Monthly returns",
                charts.monthly_heatmap(summary["monthly_returns"])
                + sections.monthly(summary["monthly_returns"]),
            ),
            _section("P&L attribution", sections.attribution(summary)),
            charts.attribution_chart(inp),
            _section("Funding", charts.funding_charts(inp)),
            _section(
                "Exposure and risk",
                charts.exposure_chart(inp) + charts.margin_chart(inp) + charts.aave_charts(inp),
            ),
            _section("Reward drops", charts.rewards_chart(inp) + sections.rewards(summary)),
            _section("Liquidations", sections.liquidations(summary)),
            _section(f"Trades ({summary['trades']})", sections.trades(inp.tables["trades"])),
            _section("Parameters", sections.parameters(summary["params"])),
            _section("Notes", sections.notes(summary)),
        ]
    )
    return page(f"{summary['mode']} {summary['start'][:10]} .. {summary['end'][:10]}", body)
