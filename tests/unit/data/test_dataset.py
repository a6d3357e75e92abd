"""Resolving the data source of a run."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.data.dataset import DataSource
from services.errors import DataError


def test_no_folder_means_the_synthetic_sample_cached(tmp_path: Path) -> None:
    cache = tmp_path / "cache" / "seed-7"
    source = DataSource.resolve(None, cache_dir=cache)
    assert source.synthetic
    assert source.path == cache.resolve()
    assert source.describe()["data_source"] == "synthetic sample data (seed 7)"
    readme = cache / "README.txt"
    stamp = readme.stat().st_mtime_ns
    again = DataSource.resolve(None, cache_dir=cache)
    assert again == source
    assert readme.stat().st_mtime_ns == stamp  # reused, not regenerated


def test_a_damaged_cached_sample_is_rebuilt(tmp_path: Path) -> None:
    cache = tmp_path / "seed-7"
    source = DataSource.resolve(None, cache_dir=cache)
    victim = next(source.path.rglob("*funding_rates*.csv"))
    victim.unlink()
    DataSource.resolve(None, cache_dir=cache)
    assert victim.is_file()


def test_real_folder(tmp_path: Path) -> None:
    source = DataSource.resolve(tmp_path)
    assert not source.synthetic
    assert source.describe() == {
        "data_source": f"real: {tmp_path.resolve()}",
        "path": str(tmp_path.resolve()),
        "synthetic": False,
        "seed": None,
    }


def test_missing_real_folder(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="does not exist"):
        DataSource.resolve(tmp_path / "absent")


def test_a_foreign_cache_folder_is_never_deleted(tmp_path: Path) -> None:
    (tmp_path / "important.csv").write_text("keep")
    with pytest.raises(DataError, match="not a Carry sample folder"):
        DataSource.resolve(None, cache_dir=tmp_path)
    assert (tmp_path / "important.csv").read_text() == "keep"
