"""A bounded, seeded fuzzing sample of Carry's inputs (`bench/fuzz.py` runs more): bus
URLs, `--set` overrides, wire records and command lines end in a result or a clean
refusal, never in another exception, a traceback or a repeated secret."""

from __future__ import annotations

import pytest

from bench.fuzz import fuzz_all

pytestmark = pytest.mark.timeout(300)


@pytest.mark.parametrize("seed", [1, 2])
def test_fuzzed_inputs_end_cleanly(seed: int) -> None:
    tallies = fuzz_all(seed, 80, None)
    assert [t.target for t in tallies] == ["bus URLs", "--set", "wire", "argv"]
    assert all(t.tried for t in tallies)
    assert {t.target: t.bad for t in tallies} == {t.target: [] for t in tallies}
