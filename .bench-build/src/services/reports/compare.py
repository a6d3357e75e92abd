"""`carry compare`: runs side by side (key figures and parameters) and a page with their
equity and drawdown overlaid."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import pyarrow.parquet as pq

from services.errors import ConfigError
from services.outputs.swap import replace_file
from services.reports.charts import series
from services.reports.frame import Frame
from services.reports.plotly import chart, layout, page
from services.reports.runs import FIGURES, Run, figure, show, window
from services.reports.sections import table

GENERATOR = '<meta name="generator" content="carry compare">'
"""Marks a page `carry compare` wrote: only such a file may be replaced."""


def rows(runs: list[Run]) -> list[tuple[str, list[str]]]:
    """`(label, one cell per run)`: identity, key figures, then every parameter that differs."""
    out = [
        ("run", [r.path.name for r in runs]),
        ("mode", [r.summary["mode"] for r in runs]),
        ("window", [window(r.summary) for r in runs]),
        ("share class", [r.summary["share_class"] for r in runs]),
        ("data", [r.summary["data_source"] for r in runs]),
    ]
    out += [(label, [show(figure(r.summary, path), path) for r in runs]) for label, path in FIGURES]
    names = sorted({name for r in runs for name in r.summary["params"]})
    for name in names:
        values = [show(r.summary["params"].get(name)) for r in runs]
        if len(set(values)) > 1:
            out.append((name, values))
    return out


def format_table(runs: list[Run]) -> str:
    """The side-by-side table as text."""
    table_rows = rows(runs)
    widths = [max(len(v[i]) for _, v in table_rows) for i in range(len(runs))]
    label = max(len(k) for k, _ in table_rows)
    return "".join(
        f"{k:<{label}}  " + "  ".join(f"{v:>{w}}" for v, w in zip(vs, widths, strict=True)) + "\n"
        for k, vs in table_rows
    )


def _curves(run: Run) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    try:
        frame = Frame(pq.read_table(run.path / "equity.parquet", columns=["time", "equity"]))
    except (OSError, ValueError) as e:
        raise ConfigError(f"cannot read {run.path / 'equity.parquet'}: {e}", "run it again") from e
    return frame.ms(), frame.floats("equity")


def render_compare(runs: list[Run]) -> str:
    """The comparison page."""
    growth, drawdown = [], []
    for run in runs:
        x, y = _curves(run)
        peak = np.maximum.accumulate(y)
        growth.append(series(run.path.name, x, y / y[0] * 100))
        drawdown.append(series(run.path.name, x, np.where(peak > 0, (y - peak) / peak * 100, 0.0)))
    cells = [(html.escape(k), *(html.escape(v) for v in vs)) for k, vs in rows(runs)]
    body = (
        f"<h1>{len(runs)} runs compared</h1>"
        + table("table-compare", ("", *(r.path.name for r in runs)), cells)
        + chart("chart-compare-equity", growth, layout("Equity, 100 at the start", "index"))
        + chart("chart-compare-drawdown", drawdown, layout("Drawdown", "%"))
    )
    return page("carry compare", body).replace("<head>", f"<head>{GENERATOR}", 1)


def is_compare_page(path: Path) -> bool:
    """True for a page `carry compare` wrote (the only kind it replaces)."""
    try:
        with path.open("rb") as f:
            return GENERATOR.encode() in f.read(4096)
    except OSError:
        return False


def write_compare(runs: list[Run], out: Path) -> Path:
    """Write the comparison page to `out`, replacing only a page `carry compare` wrote.

    Raises:
        OutputError: `out` exists and is not a comparison page, or cannot be written.
    """
    page_bytes = render_compare(runs).encode("utf-8")

    def fill(stream: BinaryIO) -> None:
        stream.write(page_bytes)

    return replace_file(out, fill, is_compare_page, flag="--html", what="comparison page")
