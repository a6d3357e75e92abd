"""Plotly figures as plain data, and the self-contained page that draws them.

Figures are built as dicts and encoded with msgspec (fast, deterministic: floats in
shortest round-trip form, no random ids, no timestamps). The page embeds the pinned
plotly.js bundle shipped with the `plotly` package once, inline, so it works offline.
Dates are epoch milliseconds on `date` axes.
"""

from __future__ import annotations

import html
from functools import cache
from importlib import resources
from typing import Any

import msgspec

_ENCODER = msgspec.json.Encoder()
CONFIG = {"displaylogo": False, "responsive": True}
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
    "#7b4173",
)
STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:1180px;margin:1.5em auto;color:#222}"
    "h1{font-size:1.4em}h2{font-size:1.1em;margin-top:1.6em;border-bottom:1px solid #ddd}"
    "table{border-collapse:collapse;font-size:13px;margin:.5em 0}"
    "td,th{padding:2px 10px;border-bottom:1px solid #eee;text-align:right}"
    "td:first-child,th:first-child{text-align:left}.chart{height:340px}"
    ".scroll{max-height:420px;overflow:auto}.note{color:#555;font-size:13px}"
    ".kpi{display:flex;flex-wrap:wrap;gap:18px}.kpi div{min-width:120px}"
    ".kpi b{display:block;font-size:1.2em}"
)


@cache
def plotly_js() -> str:
    """The pinned plotly.js bundle (read once per process)."""
    return resources.files("plotly").joinpath("package_data", "plotly.min.js").read_text("utf-8")


def line(name: str, x: Any, y: Any, **extra: Any) -> dict[str, Any]:
    """A scatter trace drawn as a line (plotly `scattergl` is avoided: it needs WebGL)."""
    return {"type": "scatter", "mode": "lines", "name": name, "x": x, "y": y, **extra}


def hline(y: float, text: str, color: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """A horizontal threshold line across the plot and its label."""
    shape = {
        "type": "line",
        "xref": "paper",
        "x0": 0,
        "x1": 1,
        "y0": y,
        "y1": y,
        "line": {"color": color, "width": 1, "dash": "dash"},
    }
    label = {
        "xref": "paper",
        "x": 1,
        "y": y,
        "xanchor": "right",
        "yanchor": "bottom",
        "text": text,
        "showarrow": False,
        "font": {"size": 10, "color": color},
    }
    return shape, label


def layout(title: str, unit: str, dated: bool = True, **extra: Any) -> dict[str, Any]:
    """A chart layout: dated x axis, unified hover, zoom, legend on top."""
    base: dict[str, Any] = {
        "title": {"text": title, "font": {"size": 14}},
        "margin": {"l": 60, "r": 20, "t": 40, "b": 40},
        "hovermode": "x unified" if dated else "closest",
        "legend": {"orientation": "h", "y": -0.15},
        "yaxis": {"title": {"text": unit}, "automargin": True},
        "colorway": list(PALETTE),
    }
    if dated:
        base["xaxis"] = {"type": "date", "hoverformat": "%Y-%m-%d %H:%M UTC"}
    base.update(extra)
    return base


def chart(div_id: str, traces: list[dict[str, Any]], lay: dict[str, Any]) -> str:
    """A chart's div and the script that draws it (ids are given, never generated)."""
    data = _ENCODER.encode(traces).decode()
    spec = _ENCODER.encode(lay).decode()
    cfg = _ENCODER.encode(CONFIG).decode()
    height = lay.get("height")
    style = f' style="height:{height}px"' if height else ""
    return (
        f'<div id="{div_id}" class="chart"{style}></div><script>'
        f'Plotly.newPlot("{div_id}",{_script_safe(data)},{_script_safe(spec)},{cfg});'
        "</script>"
    )


def _script_safe(text: str) -> str:
    return text.replace("</", "<\\/")


def page(title: str, body: str) -> str:
    """A complete self-contained HTML page with plotly.js inline."""
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title><style>{STYLE}</style>"
        f"<script>{plotly_js()}</script></head><body>{body}</body></html>\n"
    )
