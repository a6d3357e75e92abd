"""The installed package's version (`carry --version`)."""

from __future__ import annotations

from importlib import metadata


def carry_version() -> str:
    """The version of the installed `carry` distribution ("unknown" when run from a bare
    source tree that was never installed)."""
    try:
        return metadata.version("carry")
    except metadata.PackageNotFoundError:
        return "unknown"
