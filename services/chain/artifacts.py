"""Compiled contracts of `@aave/core-v3` (Hardhat artifacts) and library linking.

An artifact's creation bytecode holds a 40-hex-character placeholder per library call
site: `__$` + the first 34 hex characters of keccak256("<source path>:<Library>") + `$__`,
at the byte offsets its `linkReferences` list. Linking writes the library's address there.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from eth_utils.crypto import keccak

from services.chain.node import FETCH_FIX, aave_artifacts, carry_contracts
from services.errors import ChainError

ERRORS_SOURCE = "contracts/protocol/libraries/helpers/Errors.sol"


@dataclass(frozen=True)
class Artifact:
    """One compiled contract.

    Attributes:
        name: the contract name.
        abi: its ABI.
        bytecode: creation bytecode, hex with `0x`, placeholders not yet linked.
        links: source path -> library name -> byte offsets of its placeholders.
    """

    name: str
    abi: list[dict[str, Any]]
    bytecode: str
    links: dict[str, dict[str, list[int]]]

    def linked(self, libraries: dict[str, str]) -> str:
        """The creation bytecode with every library placeholder replaced.

        Args:
            libraries: library name -> deployed address.
        """
        code = self.bytecode.removeprefix("0x")
        for source, libs in self.links.items():
            for lib, starts in libs.items():
                if lib not in libraries:
                    raise ChainError(f"{self.name} needs library {lib}, which is not deployed")
                address = libraries[lib].lower().removeprefix("0x")
                marker = "__$" + keccak(text=f"{source}:{lib}").hex()[:34] + "$__"
                for start in starts:
                    at = 2 * start
                    if code[at : at + 40] != marker:
                        raise ChainError(f"{self.name}: no placeholder of {lib} at byte {start}")
                    code = code[:at] + address + code[at + 40 :]
        return "0x" + code


class Artifacts:
    """The artifacts folder of `@aave/core-v3` and Carry's own compiled contracts,
    indexed by contract name.

    Args:
        root: the `artifacts/` folder (default: the npm install).
        own: Carry's compiled contracts (default: the build of `chain.sh fetch`, if any).
    """

    def __init__(self, root: Path | None = None, own: Path | None = None) -> None:
        self.root = root or aave_artifacts()
        self.paths = {
            p.stem: p
            for p in sorted(self.root.glob("contracts/**/*.json"))
            if not p.name.endswith(".dbg.json")
        }
        self.own = own
        if own is None and (self.root.parents[3] / "build").is_dir():
            self.own = self.root.parents[3] / "build"

    def carry_contract(self, name: str) -> Artifact:
        """One of Carry's own contracts (`CarryLoop`, `LocalStaker`)."""
        folder = self.own or carry_contracts()
        path = folder / f"{name}.json"
        if not path.is_file():
            raise ChainError(f"no compiled contract {name} in {folder}", FETCH_FIX)
        raw = json.loads(path.read_text())
        return Artifact(name, raw["abi"], raw["bytecode"], {})

    @cache  # noqa: B019 - one Artifacts per process; the cache lives as long as it
    def get(self, name: str) -> Artifact:
        """The artifact of contract `name`."""
        path = self.paths.get(name)
        if path is None:
            raise ChainError(f"no artifact {name} in {self.root}")
        raw = json.loads(path.read_text())
        links = {
            source: {lib: [ref["start"] for ref in refs] for lib, refs in libs.items()}
            for source, libs in raw.get("linkReferences", {}).items()
        }
        return Artifact(name, raw["abi"], raw["bytecode"], links)

    def error_names(self) -> dict[str, str]:
        """Aave's numeric revert codes -> their names (from Errors.sol)."""
        source = self.root.parent / ERRORS_SOURCE
        if not source.is_file():
            return {}
        pattern = re.compile(r"string public constant (\w+) = '(\d+)';")
        return {code: name for name, code in pattern.findall(source.read_text())}
