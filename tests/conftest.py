"""Tests read the CLI's messages as text: console logs unless a test asks for JSON."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _console_logs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CARRY_LOG_FORMAT", "console")
