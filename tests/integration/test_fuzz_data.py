"""A bounded, seeded fuzzing sample of corrupted copies of the real data files: each
series loads with finite figures and increasing stamps, or is refused cleanly."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from bench.fuzz import fuzz_data

pytestmark = [pytest.mark.realdata, pytest.mark.timeout(300)]


def test_corrupted_data_files_are_repaired_or_refused(real_data_dir: Path, tmp_path: Path) -> None:
    tally = fuzz_data(random.Random(3), 40, real_data_dir, tmp_path)
    assert tally.tried == 40
    assert tally.rejected > 0
    assert tally.bad == []
