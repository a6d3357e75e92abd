"""`carry verify aave`: Carry's Aave venue against the real Pool, seeded action sequences."""

from __future__ import annotations

import pytest

from services.chain.verify.run import verify_aave
from services.cli.main import main


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_verify_aave_seeds_match_the_contracts_within_1e9(rpc: str, seed: int) -> None:
    result = verify_aave(rpc, 300, seed)
    c = result.comparison
    assert c.mismatches == []
    assert c.max_rel <= 1e-9
    # The sequence exercises what it claims to: refusals and liquidations happen.
    assert result.liquidations > 0
    assert result.refused > 0
    assert c.compared > 300 * 20


def test_carry_verify_aave_300_actions_seed_7_passes(
    rpc: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["verify", "aave", "--actions", "300", "--seed", "7", "--rpc", rpc])
    out = capsys.readouterr().out.strip().splitlines()
    assert code == 0, "\n".join(out)
    assert out[-1].startswith("max rel diff ")
    assert out[-1].endswith(" over 300 actions")
    assert float(out[-1].split()[3]) <= 1e-9


def test_same_seed_gives_the_same_sequence_and_figures(rpc: str) -> None:
    a, b = verify_aave(rpc, 60, 11), verify_aave(rpc, 60, 11)
    assert (a.comparison.max_rel, a.comparison.compared, a.refused, a.liquidations) == (
        b.comparison.max_rel,
        b.comparison.compared,
        b.refused,
        b.liquidations,
    )
