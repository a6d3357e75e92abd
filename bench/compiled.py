"""A copy of Carry with its hot typed modules compiled by mypyc, for the benchmarks.

    python -m bench.compiled [DEST]    # prints the folder to put first on PYTHONPATH

The working tree stays pure Python (an extension module beside its source would shadow
later edits of that source). The copy is rebuilt only when a source file changed.
The base classes other code extends at run time (`Actor`, `ActorHost`, `LedgerFollower`)
stay interpreted: compiled classes cannot be subclassed by interpreted ones.
`python -m bench.compare --tree DEST/src` checks that it gives the same results.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOT = (
    "services/runtime/memory.py",
    "services/runtime/barrier.py",
    "services/valuation/holdings.py",
    "services/valuation/valuer.py",
    "services/valuation/keys.py",
    "services/exposure_monitor/actor.py",
    "services/risk_monitor/actor.py",
    "services/risk_monitor/checks.py",
    "services/risk_monitor/aave_checks.py",
    "services/pnl_monitor/actor.py",
    "services/pnl_monitor/attribution.py",
    "services/position_monitor/actor.py",
    "services/position_monitor/ledger.py",
    "services/cex_venue/actor.py",
    "services/cex_venue/settle.py",
    "services/cex_venue/margin.py",
    "services/funding_settler/actor.py",
    "services/market_data/actor.py",
    "services/recorder/actor.py",
    "services/strategy_manager/actor.py",
    "services/clock/actor.py",
    "services/onchain/aave.py",
)
"""The modules a step spends its time in."""


def _digest() -> str:
    h = hashlib.sha256()
    for path in sorted([*ROOT.glob("schemas/**/*.py"), *ROOT.glob("services/**/*")]):
        if path.is_file() and "__pycache__" not in path.parts:
            h.update(str(path.relative_to(ROOT)).encode())
            h.update(path.read_bytes())
    h.update(" ".join(HOT).encode())
    return h.hexdigest()


def build(dest: Path) -> Path:
    """Compile a copy of the tree into `dest/src` (unless up to date); return `dest/src`."""
    src, stamp = dest / "src", dest / "stamp"
    digest = _digest()
    if stamp.is_file() and stamp.read_text() == digest:
        return src
    shutil.rmtree(dest, ignore_errors=True)
    src.mkdir(parents=True)
    for name in ("schemas", "services"):
        shutil.copytree(ROOT / name, src / name, ignore=shutil.ignore_patterns("__pycache__"))
    subprocess.run([sys.executable, "-m", "mypyc", *HOT], cwd=src, check=True, capture_output=True)
    stamp.write_text(digest)
    return src


def main() -> None:
    """Build and print where."""
    dest = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / ".bench-build"
    print(build(dest.resolve()))


if __name__ == "__main__":
    main()
