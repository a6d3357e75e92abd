"""Library linking of Hardhat artifacts, and the verification's relative differences."""

from __future__ import annotations

import pytest
from eth_utils.crypto import keccak

from services.chain.artifacts import Artifact
from services.chain.verify.compare import Comparison
from services.errors import ChainError


def _artifact() -> Artifact:
    marker = "__$" + keccak(text="contracts/L.sol:L").hex()[:34] + "$__"
    code = "0x6000" + marker + "6001" + marker
    return Artifact("C", [], code, {"contracts/L.sol": {"L": [2, 24]}})


def test_linking_writes_the_library_address_at_each_placeholder() -> None:
    linked = _artifact().linked({"L": "0x" + "Ab" * 20})
    assert linked == "0x6000" + "ab" * 20 + "6001" + "ab" * 20


def test_linking_without_the_library_names_it() -> None:
    with pytest.raises(ChainError, match="needs library L"):
        _artifact().linked({})


def test_a_wrong_offset_is_refused() -> None:
    bad = Artifact("C", [], _artifact().bytecode, {"contracts/L.sol": {"L": [3]}})
    with pytest.raises(ChainError, match="no placeholder of L at byte 3"):
        bad.linked({"L": "0x" + "00" * 20})


def test_relative_difference_is_measured_against_the_size_since_last_zero() -> None:
    c = Comparison()
    c.figure("a1", "x", 1000.0, 1000.0)
    c.figure("a2", "x", 10.0 + 5e-9, 10.0)  # 5e-9 of the 1000 the position had: 5e-12
    assert c.mismatches == []
    assert c.max_rel == pytest.approx(5e-12)
    c.figure("a3", "x", 0.0, 0.0)
    c.figure("a4", "x", 10.0 + 5e-8, 10.0)  # reopened: measured against 10
    assert len(c.mismatches) == 1
    assert "a4: x rel diff 5.000e-09" in c.mismatches[0]


def test_differences_within_the_resolution_do_not_count_and_verdicts_must_agree() -> None:
    c = Comparison()
    c.figure("a1", "usdt", 0.0000007, 0.0, unit=1e-6)
    assert c.max_rel == 0.0
    c.verdict("a2", "refused: LTV", None)
    assert c.max_rel == 1.0
    assert c.mismatches == [
        "a2: outcome rel diff 1.000e+00: Carry refused (refused: LTV), chain executed"
    ]
