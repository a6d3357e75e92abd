"""The leverage loop on chain: Carry's `CarryLoop` contract, owned by the wallet, and
the staking stand-in of the local market.

`CarryLoop.enter(lst, equity, loan)` stakes WETH equity plus a WETH flash loan opened
as the owner's variable debt and supplies the LST for the owner, in one transaction;
`unwind(lst, aLst, repay, collateral)` repays debt with a flash loan, withdraws and sells
collateral, and pays the rest to the owner. The wallet deploys its own loop once and
grants it what it needs: WETH to pull, credit delegation on the WETH debt token, and
its aLST tokens to withdraw.
"""

from __future__ import annotations

from typing import NamedTuple

from web3.contract import Contract

from services.chain.artifacts import Artifacts
from services.chain.deploy import MarketAddresses
from services.chain.market import MAX_UINT
from services.chain.rpc import Chain
from services.chain.signer import Signer, TxOutcome
from services.errors import ChainError


class LoopSetup(NamedTuple):
    """A wallet's loop contract and the transactions that set it up."""

    address: str
    outcomes: list[TxOutcome]


def deploy_local_staker(
    chain: Chain, artifacts: Artifacts, market: MarketAddresses, deployer: str
) -> str:
    """The local market's staking stand-in (mints test LSTs at the oracle's rate)."""
    art = artifacts.carry_contract("LocalStaker")
    return chain.deploy(art.abi, art.bytecode, deployer, market.oracle, market.tokens["WETH"])


def _deploy(
    signer: Signer, artifacts: Artifacts, market: MarketAddresses, staker: str
) -> TxOutcome:
    art = artifacts.carry_contract("CarryLoop")
    factory = signer.chain.w3.eth.contract(abi=art.abi, bytecode=art.bytecode)
    return signer.send(
        factory.constructor(market.pool, market.tokens["WETH"], staker), "deploy CarryLoop"
    )


def setup_loop(
    signer: Signer,
    artifacts: Artifacts,
    market: MarketAddresses,
    staker: str,
    lsts: list[str],
) -> LoopSetup:
    """Deploy the wallet's loop and grant it WETH, WETH credit and the `lsts`' aTokens."""
    deployed = _deploy(signer, artifacts, market, staker)
    if not deployed.ok:
        raise ChainError(f"deploying CarryLoop failed: {deployed.status} {deployed.reason}")
    receipt = signer.chain.request("eth_getTransactionReceipt", [deployed.tx_hash])
    loop = signer.chain.w3.to_checksum_address(receipt["contractAddress"])
    chain = signer.chain
    erc20 = artifacts.get("MintableERC20").abi
    debt = chain.contract(market.debt_tokens["WETH"], artifacts.get("VariableDebtToken").abi)
    grants = [
        (chain.contract(market.tokens["WETH"], erc20).functions.approve(loop, MAX_UINT), "WETH"),
        (debt.functions.approveDelegation(loop, MAX_UINT), "WETH credit"),
        *(
            (chain.contract(market.atokens[s], erc20).functions.approve(loop, MAX_UINT), f"a{s}")
            for s in lsts
        ),
    ]
    outcomes = [deployed]
    for fn, what in grants:
        outcome = signer.send(fn, f"grant the loop {what}")
        outcomes.append(outcome)
        if not outcome.ok:
            raise ChainError(f"granting the loop {what} failed: {outcome.status} {outcome.reason}")
    return LoopSetup(loop, outcomes)


def loop_contract(chain: Chain, artifacts: Artifacts, address: str) -> Contract:
    """A handle on a deployed `CarryLoop`."""
    return chain.contract(address, artifacts.carry_contract("CarryLoop").abi)
