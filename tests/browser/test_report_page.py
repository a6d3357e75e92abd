"""report.html and the comparison page in a real browser: they load offline without a
console error and show their charts and tables."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from services.cli.main import main

pytestmark = pytest.mark.browser
MODES = ("btc_basis", "eth_leveraged")


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Results folders of the sample runs (made before the browser starts its event loop)."""
    root = tmp_path_factory.mktemp("runs")
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("CARRY_DATA", raising=False)
        for mode in MODES:
            assert main(["backtest", "--mode", mode, "--out", str(root / mode), "--quiet"]) == 0
    return {mode: root / mode for mode in MODES}


def _open(browser: Any, page_file: Path) -> tuple[Any, list[str], list[str]]:
    page = browser.new_page()
    errors: list[str] = []
    requests: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: None if r.url.startswith("file:") else requests.append(r.url))
    page.goto(page_file.as_uri())
    page.wait_for_function("document.querySelectorAll('.js-plotly-plot').length > 0")
    return page, errors, requests


def _drawn(page: Any, chart_id: str) -> int:
    """Number of drawn traces (SVG paths or heatmap images) in a chart."""
    return int(
        page.evaluate(
            "id => document.querySelectorAll("
            "`#${id} .scatterlayer .trace, #${id} .barlayer .trace, #${id} .heatmaplayer image`"
            ").length",
            chart_id,
        )
    )


@pytest.mark.parametrize(
    ("mode", "charts", "tables"),
    [
        (
            "btc_basis",
            (
                "chart-equity",
                "chart-drawdown",
                "chart-funding",
                "chart-funding-rates",
                "chart-margin",
                "chart-exposure",
                "chart-monthly",
                "chart-attribution",
            ),
            ("table-attribution", "table-monthly", "table-trades", "table-params"),
        ),
        (
            "eth_leveraged",
            (
                "chart-equity",
                "chart-equity-usd",
                "chart-returns",
                "chart-health-factor",
                "chart-ltv",
                "chart-rewards",
                "chart-rolling-apy",
            ),
            ("table-rewards", "table-trades", "table-params"),
        ),
    ],
)
def test_report_loads_without_errors_and_shows_charts_and_tables(
    runs: dict[str, Path], browser: Any, mode: str, charts: tuple[str, ...], tables: tuple[str, ...]
) -> None:
    page, errors, requests = _open(browser, runs[mode] / "report.html")
    for chart_id in charts:
        assert _drawn(page, chart_id) > 0, chart_id
        assert page.locator(f"#{chart_id} .xtick").count() > 0, chart_id
    for table_id in tables:
        assert page.locator(f"#{table_id} tbody tr").count() > 0, table_id
    assert errors == []
    assert requests == []
    # hover shows the values of the day under the cursor
    box = page.locator("#chart-equity .nsewdrag").first.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_selector("#chart-equity .hoverlayer .legend, #chart-equity .hovertext")
    page.close()


def test_compare_page_overlays_equity_and_drawdown(runs: dict[str, Path], browser: Any) -> None:
    page_file = runs["btc_basis"].parent / "compare.html"
    assert main(["compare", *(str(p) for p in runs.values()), "--html", str(page_file)]) == 0
    page, errors, requests = _open(browser, page_file)
    for chart_id in ("chart-compare-equity", "chart-compare-drawdown"):
        assert _drawn(page, chart_id) == len(runs), chart_id
    assert page.locator("#table-compare tbody tr").count() > 10
    assert errors == []
    assert requests == []
    page.close()
