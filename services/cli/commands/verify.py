"""`carry verify aave`: Carry's Aave accounting against the real Aave v3 contracts."""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING

from services.chain.node import ENV_RPC, Anvil
from services.errors import ConfigError

if TYPE_CHECKING:
    from services.chain.verify.run import VerifyResult


def add(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    """Register `carry verify aave`."""
    verify = sub.add_parser(
        "verify", parents=[common], help="check Carry's venues against real protocol code"
    )
    vsub = verify.add_subparsers(dest="verify_command", required=True)
    aave = vsub.add_parser(
        "aave",
        parents=[common],
        help="a seeded random sequence of actions through the real Aave v3 Pool and Carry's venue",
    )
    aave.add_argument("--actions", type=int, default=300, help="actions to run (default 300)")
    aave.add_argument("--seed", type=int, default=7, help="the random sequence (default 7)")
    aave.add_argument(
        "--rpc",
        default=os.environ.get(ENV_RPC) or None,
        help=f"a test node's RPC URL (default ${ENV_RPC}, else a private anvil from deploy/chain)",
    )
    aave.set_defaults(handler=_aave)


def _aave(args: argparse.Namespace) -> int:
    # web3 is imported here, not by every `carry` command.
    from services.chain.verify.run import verify_aave

    if args.actions < 1:
        raise ConfigError(f"--actions {args.actions} is not a count of actions", "pass 1 or more")
    if args.rpc:
        result = verify_aave(args.rpc, args.actions, args.seed)
    else:
        with Anvil() as node:
            result = verify_aave(node.url, args.actions, args.seed)
    sys.stdout.write(report(result))
    return 1 if result.comparison.max_rel > result.comparison.tolerance else 0


def report(result: VerifyResult) -> str:
    """One line per mismatch, the run's figures, and `max rel diff X over N actions` last."""
    c = result.comparison
    lines = [*c.mismatches]
    lines.append(
        f"deployed in {result.deploy_s:.1f} s; {result.actions} actions in {result.run_s:.1f} s "
        f"({c.compared} comparisons, {result.refused} refused by the contracts, "
        f"{result.liquidations} liquidations); largest difference at {c.worst or '-'}"
    )
    lines.append(f"max rel diff {c.max_rel:.3e} over {result.actions} actions")
    return "\n".join(lines) + "\n"
