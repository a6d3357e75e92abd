"""Signal files: rows checked with their line, defects reported, the MA-cross rule."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.errors import DataError
from services.signals.file import coverage_defects, load_signals

HEAD = "timestamp,signal,confidence,sd\n"


def _file(tmp_path: Path, body: str) -> str:
    path = tmp_path / "s.csv"
    path.write_text(HEAD + body)
    load_signals.cache_clear()
    return str(path)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("2024-01-01T00:00:00Z,up,0.5,0.02\n", "line 2: signal 'up' is not long|short|neutral"),
        ("2024-01-01,long,1.5,0.02\n", "line 2: confidence 1.5 is outside 0..1"),
        ("2024-01-01,long,nan,0.02\n", "line 2: confidence nan is outside 0..1"),
        ("2024-01-01,long,0.5,0\n", "line 2: sd 0.0 is not a fraction"),
        ("2024-01-01,long,0.5,0.02\nyesterday,long,0.5,0.02\n", "line 3: timestamp 'yesterday'"),
        ("", "has no rows"),
    ],
)
def test_a_bad_row_is_refused_with_its_line(tmp_path: Path, body: str, message: str) -> None:
    with pytest.raises(DataError, match=message.replace("(", r"\(").replace(".", r"\.")):
        load_signals(_file(tmp_path, body))


def test_a_wrong_header_or_missing_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "h.csv"
    path.write_text("time,side\n")
    with pytest.raises(DataError, match="has columns"):
        load_signals(str(path))
    with pytest.raises(DataError, match="cannot read signal file"):
        load_signals(str(tmp_path / "none.csv"))


def test_duplicates_disorder_and_coverage_are_reported(tmp_path: Path) -> None:
    body = (
        "2024-01-03T00:00:00Z,short,0.9,0.03\n"
        "2024-01-02T00:00:00Z,long,0.7,0.02\n"
        "2024-01-02T00:00:00Z,neutral,0.1,0.02\n"
        "2024-01-09T00:00:00Z,long,0.8,0.02\n"
    )
    signals = load_signals(_file(tmp_path, body))
    assert [r.signal for r in signals.rows] == ["neutral", "short", "long"]
    assert signals.defects == (
        "rows out of time order: sorted",
        "1 duplicated timestamps: the later row used",
    )
    start = 1_704_067_200 * 10**9  # 2024-01-01
    day = 86_400 * 10**9
    assert coverage_defects(signals, start, 2 * day) == [
        "first signal at 2024-01-02 00:00 UTC, after the start: flat until then",
        "1 gaps longer than signal_staleness_hours: neutral while stale",
    ]
