"""Inspecting the non-series inputs: reward schedules, cost tables and venue margin files."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import msgspec

from services.data.catalog import INPUTS
from services.data.defects import Defect, DefectKind
from services.data.files import choose_file, matching_files
from services.data.specs import InputSpec
from services.errors import DataError

# Columns that must hold plain numbers, per input.
_NUMERIC_COLUMNS: dict[str, tuple[str, ...]] = {
    "etherfi:seasonal_drops": ("reward_per_eeth", "extra_yield_pct"),
}
# Price columns that must vary like a market price, per input: column -> (token, fix).
_PRICE_COLUMNS: dict[str, dict[str, tuple[str, str]]] = {
    "etherfi:seasonal_rewards": {
        "eigen_price_usd": ("EIGEN", "uniswap:EIGEN/WETH x oracle:WETH/USD"),
        "ethfi_price_usd": ("ETHFI", "uniswap:ETHFI/WETH x oracle:WETH/USD"),
    },
}


class InputStatus(msgspec.Struct, frozen=True, kw_only=True):
    """Whether one non-series input is present.

    Attributes:
        name: the catalog name.
        file: the chosen file relative to the data folder ("" when missing).
        present: a file matches the pattern.
        rows: CSV data rows (0 for JSON).
    """

    name: str
    file: str
    present: bool
    rows: int = 0


def inspect_inputs(root: Path) -> tuple[list[InputStatus], list[Defect]]:
    """Check every catalog input in the folder.

    Returns:
        Per-input status, and the defects found (missing files, inverted margins,
        text ranges where numbers belong, fixed prices, unreadable files).
    """
    statuses: list[InputStatus] = []
    defects: list[Defect] = []
    for spec in INPUTS.values():
        candidates = matching_files(root, spec.pattern)
        if not candidates:
            statuses.append(InputStatus(name=spec.name, file="", present=False))
            defects.append(_defect(spec.name, "", "missing", 1, f"no file matches {spec.pattern}"))
            continue
        try:
            path = choose_file(candidates, spec.pattern)
        except DataError as exc:
            defects.append(_defect(spec.name, "", "broken", len(candidates), exc.message))
            statuses.append(InputStatus(name=spec.name, file="", present=True))
            continue
        rel = path.relative_to(root).as_posix()
        rows, found = _inspect(spec, path, rel)
        statuses.append(InputStatus(name=spec.name, file=rel, present=True, rows=rows))
        defects.extend(found)
    return statuses, defects


def _defect(
    name: str, rel: str, kind: DefectKind, count: int, detail: str, first: str = "", last: str = ""
) -> Defect:
    return Defect(
        series=name, file=rel, kind=kind, count=count, first=first, last=last, detail=detail
    )


def _inspect(spec: InputSpec, path: Path, rel: str) -> tuple[int, list[Defect]]:
    try:
        if spec.format == "json":
            return 0, _inspect_json(spec.name, rel, json.loads(path.read_text(encoding="utf-8")))
        with path.open(encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.DictReader(fh))
    except (OSError, UnicodeDecodeError, ValueError, csv.Error) as exc:
        return 0, [_defect(spec.name, rel, "broken", 1, f"cannot be read: {exc}")]
    found = [
        *_range_values(spec.name, rel, rows),
        *_constant_prices(spec.name, rel, rows),
    ]
    return len(rows), found


def _inspect_json(name: str, rel: str, doc: Any) -> list[Defect]:
    if not isinstance(doc, dict):
        return []
    initial = doc.get("initial_margin_requirement")
    maintenance = doc.get("maintenance_margin_requirement")
    if not (isinstance(initial, int | float) and isinstance(maintenance, int | float)):
        return []
    if maintenance >= initial:
        return [
            _defect(
                name,
                rel,
                "inverted_margin",
                1,
                f"maintenance_margin_requirement {maintenance:g} is not below "
                f"initial_margin_requirement {initial:g} (maintenance must be the lower "
                "one); flat rates are not the venue's tiered margins: use the project's "
                "venue configuration instead",
            )
        ]
    return []


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _label(row: dict[str, str]) -> str:
    """A row's name for lists: its event, else its start date."""
    for key in ("event", "event_name", "start_date", "period_start"):
        if row.get(key):
            return row[key]
    return "?"


def _date(row: dict[str, str]) -> str:
    """A row's start date for `Defect.first`/`last`, else its label."""
    for key in ("start_date", "period_start", "payout_date"):
        if row.get(key):
            return row[key]
    return _label(row)


def _range_values(name: str, rel: str, rows: list[dict[str, str]]) -> list[Defect]:
    found = []
    for column in _NUMERIC_COLUMNS.get(name, ()):
        bad = [r for r in rows if (r.get(column) or "").strip() and not _is_number(r[column])]
        if not bad:
            continue
        listed = "; ".join(f"{_label(r)}: {r[column]!r}" for r in bad)
        found.append(
            _defect(
                name,
                rel,
                "range_values",
                len(bad),
                f"{column} holds text ranges, not numbers, in {len(bad)} of {len(rows)} rows "
                f"({listed}); pick one documented value per row in the reward configuration",
                first=_date(bad[0]),
                last=_date(bad[-1]),
            )
        )
    return found


def _constant_prices(name: str, rel: str, rows: list[dict[str, str]]) -> list[Defect]:
    found = []
    for column, (token, fix) in _PRICE_COLUMNS.get(name, {}).items():
        priced = [r for r in rows if _is_number((r.get(column) or "").strip() or "x")]
        values = {float(r[column]) for r in priced}
        if len(priced) < 2 or len(values) != 1:
            continue
        found.append(
            _defect(
                name,
                rel,
                "constant_price",
                len(priced),
                f"{token} is priced at a fixed {values.pop():g} USD in all {len(priced)} rows "
                f"that price it ({column}): not a market price; value {token} with {fix}",
                first=_date(priced[0]),
                last=_date(priced[-1]),
            )
        )
    return found
