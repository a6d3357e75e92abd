"""The data layer: catalog, loading, defect reports, grid sampling, synthetic sample data.

Typical use::

    source = DataSource.resolve(data_dir)            # real folder, or the sample
    series = load_series(source.path, "binance:perp:BTCUSDT")
    grid = hourly_grid(start_ns, end_ns)
    close = sample_on_grid(series, "close", grid, max_gap_ns=6 * HOUR_NS)
"""

from services.data.catalog import INPUTS, SERIES, get_spec
from services.data.check import CheckReport, SeriesCoverage, check_folder, format_report
from services.data.dataset import DataSource
from services.data.defects import Defect, DefectKind
from services.data.grid import (
    events_on_grid,
    filled_mask,
    hourly_grid,
    missing_stamps,
    sample_on_grid,
)
from services.data.load import Series, clear_cache, load_series, require_usable
from services.data.sample.generate import generate_sample
from services.data.specs import Bounds, ColumnSpec, InputSpec, SeriesSpec
from services.data.times import DAY_NS, HOUR_NS, iso, parse_when

__all__ = [
    "DAY_NS",
    "HOUR_NS",
    "INPUTS",
    "SERIES",
    "Bounds",
    "CheckReport",
    "ColumnSpec",
    "DataSource",
    "Defect",
    "DefectKind",
    "InputSpec",
    "Series",
    "SeriesCoverage",
    "SeriesSpec",
    "check_folder",
    "clear_cache",
    "events_on_grid",
    "filled_mask",
    "format_report",
    "generate_sample",
    "get_spec",
    "hourly_grid",
    "iso",
    "load_series",
    "missing_stamps",
    "parse_when",
    "require_usable",
    "sample_on_grid",
]
