"""The real data folder for integration tests, from the CARRY_DATA environment variable."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def real_data_dir() -> Path:
    """The real data folder: skip when CARRY_DATA is unset, fail when it points nowhere."""
    value = os.environ.get("CARRY_DATA")
    if not value:
        pytest.skip("CARRY_DATA is not set: point it at the real data folder (../shared/data)")
    path = Path(value)
    if not path.is_dir():
        pytest.fail(f"CARRY_DATA={value} is not a folder: fix the path or unset CARRY_DATA")
    return path
