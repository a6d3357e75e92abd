"""What a sample folder is: its README (parameters and file list) and how it is recognised."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

SAMPLE_FORMAT = 2
"""Bump when the generator's output changes: cached samples with another value are rebuilt."""

README_HEADLINE = "SYNTHETIC SAMPLE DATA - not real market data."


def previous_sample_files(root: Path) -> list[Path] | None:
    """Files of an earlier sample in ``root``; None when ``root`` holds something else.

    An empty or absent folder gives ``[]``. A folder whose README.txt is a sample README
    gives the files that README lists. Anything else (a real data folder, unrelated files)
    gives None: the caller must not write or delete there.
    """
    if not root.exists():
        return []
    if not root.is_dir():
        return None
    readme = root / "README.txt"
    if readme.is_file():
        text = readme.read_text(encoding="utf-8", errors="replace")
        if text.startswith(README_HEADLINE):
            listed = [ln.strip() for ln in text.splitlines() if ln.startswith("  ")]
            return [root / f for f in listed]
    return None if any(root.iterdir()) else []


def readme_text(
    seed: int,
    start: str,
    end: str,
    eth_shock: float | None,
    shock_at: str | None,
    files: Sequence[str],
    lst_shock: float | None = None,
) -> str:
    """The README of a sample folder; identical parameters give identical text."""
    lines = [
        README_HEADLINE,
        "",
        "Written by carry (services.data.sample.generate_sample) so the simulator can run",
        "without the real data folder. Same folder layout and file names as the real data,",
        "so the same catalog loads it. Prices are random paths (GBM with a rally, a drawdown,",
        "a volatile spell and a recovery); funding, Aave rates, oracles, pegs and gas are",
        "plausible but invented. Results on this data say nothing about real returns.",
        "",
        f"parameters: seed={seed} start={start} end={end} eth_shock={eth_shock} "
        f"shock_at={shock_at} lst_shock={lst_shock} format={SAMPLE_FORMAT}",
        "",
        "files:",
        *(f"  {f}" for f in files),
    ]
    return "\n".join(lines) + "\n"
