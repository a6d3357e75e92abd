"""Fixtures for the data-layer unit tests: hand-written files in a data-folder layout."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from services.data.load import clear_cache
from services.data.sample.generate import generate_sample

WriteFile = Callable[[str, str], Path]


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """An empty data folder."""
    root = tmp_path / "data"
    root.mkdir()
    return root


@pytest.fixture
def write(data_dir: Path) -> WriteFile:
    """Write ``text`` (dedented lines) to ``rel`` under the data folder."""

    def _write(rel: str, text: str) -> Path:
        path = data_dir / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        lines = [ln.strip() for ln in text.strip().splitlines()]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return path

    return _write


@pytest.fixture(scope="session")
def sample_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The synthetic sample (seed 7), generated once per session."""
    return generate_sample(tmp_path_factory.mktemp("sample"), seed=7)


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    clear_cache()
