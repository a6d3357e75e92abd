"""`carry data fetch` against the rehearsal server: paginated, resumable, in the data layout."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from services.adapters.errors import VenueError
from services.adapters.history import fetch_history
from services.config.modes import parse_time
from services.data.check import check_folder
from services.data.load import load_series
from services.rehearsal.clock import SimClock
from services.rehearsal.server import Rehearsal, build, serve
from tests.unit.live.conftest import adapter, sample_config

pytestmark = pytest.mark.timeout(180)
START, END = parse_time("s", "2024-02-01"), parse_time("e", "2024-02-06")


async def _server() -> Rehearsal:
    config = sample_config()
    r = build(config, SimClock(parse_time("now", "2024-02-07")))
    await serve(r)
    return r


@pytest.mark.parametrize(
    ("venue", "kind", "series"),
    [
        ("binance", "perp", "binance:perp:BTCUSDT"),
        ("binance", "spot", "binance:spot:BTCUSDT"),
        ("bybit", "perp", "bybit:perp:BTCUSDT"),
        ("binance", "funding", "binance:funding:BTCUSDT"),
        ("okx", "funding", "okx:funding:BTCUSDT"),
    ],
)
async def test_history_lands_in_the_data_layout_with_the_recorded_values(
    tmp_path: Path, venue: str, kind: str, series: str
) -> None:
    r = await _server()
    a = adapter(r, venue)
    try:
        path, rows = await fetch_history(a, "BTCUSDT", kind, START, END, tmp_path, page=24)
    finally:
        await a.close()
        await r.stop()
    fetched = load_series(tmp_path, series)
    source = load_series(Path(r.market.config.data.path), series)
    keep = (source.ts >= START) & (source.ts < END)
    assert rows == int(keep.sum()) > 0
    assert np.array_equal(fetched.ts, source.ts[keep])
    column = "funding_rate" if kind == "funding" else "close"
    assert np.array_equal(fetched.columns[column], source.columns[column][keep])
    report = check_folder_text(tmp_path)
    assert series in report
    assert "1 present" in report
    assert path.name.startswith(f"{venue}_BTCUSDT")


def check_folder_text(folder: Path) -> str:
    """`carry data check`'s report of `folder`."""
    from services.data.check import format_report

    return format_report(check_folder(folder))


async def test_an_interrupted_fetch_resumes_where_it_stopped(tmp_path: Path) -> None:
    r = await _server()
    a = adapter(r, "binance", attempts=1)
    try:
        calls = r.dialects["binance"].calls
        # The third page fails: what came before stays in the .partial file.
        original = r.dialects["binance"].routes["GET", "/fapi/v1/klines"]
        pages = {"n": 0}

        def flaky(p: dict[str, str]) -> object:
            pages["n"] += 1
            if pages["n"] == 3:
                from services.rehearsal.book import Reject

                raise Reject("invalid_order", "interrupted")
            return original(p)

        r.dialects["binance"].routes["GET", "/fapi/v1/klines"] = flaky
        with pytest.raises(VenueError):
            await fetch_history(a, "BTCUSDT", "perp", START, END, tmp_path, page=24)
        partial = next(tmp_path.rglob("*.partial"))  # noqa: ASYNC240 - a test's own folder
        assert len(partial.read_text().splitlines()) == 1 + 48
        _path, rows = await fetch_history(a, "BTCUSDT", "perp", START, END, tmp_path, page=24)
        assert rows == 120
        assert not partial.exists()
        assert len(calls) > 0
        with pytest.raises(Exception, match="already exists"):
            await fetch_history(a, "BTCUSDT", "perp", START, END, tmp_path, page=24)
    finally:
        await a.close()
        await r.stop()
