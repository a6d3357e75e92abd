"""The configurations of a sweep: a cartesian grid, random points in ranges, or both.

A grid value list is split on top-level commas only, so table and array literals keep
theirs (`--grid 'hedge_allocation={binance=0.5,bybit=0.5},{binance=1.0}'`). Random
points are drawn from a seeded generator: the same arguments give the same points.
"""

from __future__ import annotations

import itertools
import random
import re
from typing import NamedTuple

from services.config.modes import parse_override
from services.errors import ConfigError

_INT = re.compile(r"^[+-]?\d+$")


class Range(NamedTuple):
    """A parameter drawn uniformly in `[lo, hi]` (integers when both bounds are)."""

    name: str
    lo: float
    hi: float
    integer: bool


def split_values(text: str) -> list[str]:
    """Split `v1,v2,...` on commas outside braces, brackets and quotes."""
    values: list[str] = []
    depth, quote, start = 0, "", 0
    for i, ch in enumerate(text):
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "\"'":
            quote = ch
        elif ch in "{[":
            depth += 1
        elif ch in "}]":
            depth -= 1
        elif ch == "," and depth == 0:
            values.append(text[start:i].strip())
            start = i + 1
    values.append(text[start:].strip())
    return values


def parse_grid(text: str) -> tuple[str, list[str]]:
    """`name=v1,v2,...` -> (name, [literal, ...]); `ConfigError` if malformed."""
    name, sep, rest = text.partition("=")
    name = name.strip()
    values = split_values(rest) if sep else []
    if not name or not sep or not all(values):
        raise ConfigError(
            f"--grid {text!r} is not of the form name=v1,v2,...",
            "write e.g. --grid capital=100000,250000 (no empty values)",
        )
    if len(set(values)) != len(values):
        raise ConfigError(f"--grid {text!r} repeats a value", "list each value once")
    return name, values


def parse_range(text: str) -> Range:
    """`name=lo:hi` -> a `Range`; `ConfigError` if malformed or empty."""
    name, sep, rest = text.partition("=")
    name = name.strip()
    lo_text, colon, hi_text = rest.partition(":")
    try:
        if not name or not sep or not colon:
            raise ValueError(text)
        lo, hi = float(lo_text), float(hi_text)
    except ValueError:
        raise ConfigError(
            f"--range {text!r} is not of the form name=lo:hi",
            "write e.g. --range target_margin_ratio=0.3:0.6",
        ) from None
    if not lo < hi:
        raise ConfigError(f"--range {text!r} is empty: lo must be below hi", "swap the bounds")
    integer = bool(_INT.match(lo_text.strip()) and _INT.match(hi_text.strip()))
    return Range(name, lo, hi, integer)


def _literal(value: float, integer: bool) -> str:
    return str(int(value)) if integer else repr(float(value))


def configurations(
    fixed: list[str],
    grids: list[str],
    ranges: list[str],
    points: int = 0,
    seed: int = 0,
) -> list[dict[str, str]]:
    """Every configuration of the sweep as `{name: TOML literal}` of the swept names.

    Args:
        fixed: the `--set` overrides shared by every configuration (checked for clashes).
        grids: `--grid` texts; their cartesian product.
        ranges: `--range` texts, drawn `points` times (crossed with the grid).
        points: how many random points (`--random N`).
        seed: the generator's seed.

    Raises:
        ConfigError: malformed specs, a name swept twice or also fixed, nothing to sweep.
    """
    axes = [parse_grid(g) for g in grids]
    bounds = [parse_range(r) for r in ranges]
    if bool(points) != bool(bounds):
        raise ConfigError(
            "--random N and --range name=lo:hi go together",
            "give both, e.g. --random 20 --range target_margin_ratio=0.3:0.6",
        )
    if points < 0:
        raise ConfigError(f"--random {points} is negative", "give a number of points >= 1")
    names = [n for n, _ in axes] + [b.name for b in bounds]
    fixed_names = {parse_override(f)[0] for f in fixed}
    for name in names:
        if names.count(name) > 1 or name in fixed_names:
            raise ConfigError(
                f"parameter {name!r} is swept twice or also fixed with --set",
                "give each parameter once: --set, --grid or --range",
            )
    if not names:
        raise ConfigError("nothing to sweep", "add --grid name=v1,v2,... or --random N --range")
    rng = random.Random(seed)
    drawn = [
        {
            b.name: _literal(
                rng.randint(int(b.lo), int(b.hi)) if b.integer else rng.uniform(b.lo, b.hi),
                b.integer,
            )
            for b in bounds
        }
        for _ in range(points)
    ] or [{}]
    grid = [
        dict(zip([n for n, _ in axes], combo, strict=True))
        for combo in itertools.product(*(v for _, v in axes))
    ]
    return [{**g, **d} for g in grid for d in drawn]
