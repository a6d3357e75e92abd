"""Checking a whole data folder: every series and input, every defect, per-series coverage."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import msgspec

from services.data.catalog import SERIES
from services.data.defects import Defect
from services.data.files import check_data_dir, choose_file, matching_files
from services.data.inputs import InputStatus, inspect_inputs
from services.data.load import Series, load_series
from services.data.times import DAY_NS, duration, iso
from services.errors import DataError

_MAX_LINES_PER_KIND = 12


class SeriesCoverage(msgspec.Struct, frozen=True, kw_only=True):
    """What one catalog series covers in the folder.

    Attributes:
        name: the catalog name.
        file: the file read, relative to the data folder ("" when missing).
        present: a file matches the pattern.
        usable: loaded without a ``units``/``broken`` defect or a load error.
        rows: observations after normalisation.
        first: first stamp (ISO) or "".
        last: last stamp (ISO) or "".
    """

    name: str
    file: str
    present: bool
    usable: bool
    rows: int = 0
    first: str = ""
    last: str = ""


class CheckReport(msgspec.Struct, frozen=True, kw_only=True):
    """The result of `check_folder`.

    Attributes:
        data_dir: the folder checked (absolute).
        series: coverage of every catalog series, in catalog order.
        inputs: presence of every non-series input.
        defects: everything found, series first (catalog order), then inputs.
    """

    data_dir: str
    series: list[SeriesCoverage]
    inputs: list[InputStatus]
    defects: list[Defect]

    def of(self, name: str, kind: str | None = None) -> list[Defect]:
        """The defects of one series or input, optionally of one kind."""
        return [d for d in self.defects if d.series == name and (kind is None or d.kind == kind)]


def check_folder(data_dir: Path) -> CheckReport:
    """Load every catalog series present, inspect every input, and collect all defects.

    Raises:
        DataError: the folder does not exist (anything wrong inside it is a defect).
    """
    root = check_data_dir(Path(data_dir))
    coverage: list[SeriesCoverage] = []
    defects: list[Defect] = []
    loaded: list[Series] = []
    for spec in SERIES.values():
        if not matching_files(root, spec.pattern):
            coverage.append(SeriesCoverage(name=spec.name, file="", present=False, usable=False))
            defects.append(
                Defect(
                    series=spec.name,
                    file="",
                    kind="missing",
                    count=1,
                    detail=f"no file matches {spec.pattern}",
                )
            )
            continue
        try:
            series = load_series(root, spec.name)
        except DataError as exc:
            rel = _chosen(root, spec.pattern)
            coverage.append(SeriesCoverage(name=spec.name, file=rel, present=True, usable=False))
            defects.append(
                Defect(series=spec.name, file=rel, kind="broken", count=1, detail=str(exc))
            )
            continue
        loaded.append(series)
        defects.extend(series.defects)
        coverage.append(
            SeriesCoverage(
                name=series.name,
                file=series.file,
                present=True,
                usable=series.usable,
                rows=series.rows,
                first=iso(series.first),
                last=iso(series.last),
            )
        )
    defects.extend(_relative_coverage(loaded))
    statuses, input_defects = inspect_inputs(root)
    order = {name: i for i, name in enumerate(SERIES)}
    defects.sort(key=lambda d: order.get(d.series, len(order)))
    return CheckReport(
        data_dir=str(root), series=coverage, inputs=statuses, defects=defects + input_defects
    )


def _chosen(root: Path, pattern: str) -> str:
    """The file a pattern resolves to, relative to the folder, or "" when ambiguous."""
    try:
        return choose_file(matching_files(root, pattern), pattern).relative_to(root).as_posix()
    except DataError:
        return ""


def _relative_coverage(loaded: list[Series]) -> list[Defect]:
    """Series that start later or end earlier than the folder's widest coverage."""
    if not loaded:
        return []
    earliest = min(s.first for s in loaded)
    latest = max(s.last for s in loaded)
    found = []
    for s in loaded:
        step = s.spec.step_ns if s.spec else 0
        known = {(d.first, d.last) for d in s.defects if d.kind == "coverage"}
        starts_known = any(last == iso(s.first) for _, last in known)
        ends_known = any(first == iso(s.last) for first, _ in known)
        if s.first > earliest + DAY_NS + step and not starts_known:
            found.append(
                Defect(
                    series=s.name,
                    file=s.file,
                    kind="coverage",
                    count=1,
                    first=iso(earliest),
                    last=iso(s.first),
                    detail=f"starts {iso(s.first)}, {duration(s.first - earliest)} after the "
                    f"earliest series ({iso(earliest)}): a window starting earlier cannot use it",
                )
            )
        if s.last < latest - DAY_NS - step and not ends_known:
            found.append(
                Defect(
                    series=s.name,
                    file=s.file,
                    kind="coverage",
                    count=1,
                    first=iso(s.last),
                    last=iso(latest),
                    detail=f"ends {iso(s.last)}, {duration(latest - s.last)} before the latest "
                    f"series ({iso(latest)}): a window ending later cannot use it",
                )
            )
    return found


def _when(text: str) -> str:
    return text.replace("T", " ").removesuffix(":00Z") if text.endswith("Z") else text


def format_report(report: CheckReport) -> str:
    """A plain-text report: a coverage table, then the defects grouped by series and input."""
    present = sum(s.present for s in report.series)
    unusable = [s.name for s in report.series if s.present and not s.usable]
    kinds = Counter(d.kind for d in report.defects)
    lines = [
        f"Data check of {report.data_dir}",
        f"Series: {len(report.series)} in the catalog, {present} present, "
        f"{len(report.series) - present} missing, {len(unusable)} unusable"
        + (f" ({', '.join(unusable)})" if unusable else ""),
        f"Inputs: {sum(i.present for i in report.inputs)} of {len(report.inputs)} present",
        f"Defects: {len(report.defects)}"
        + (" (" + ", ".join(f"{k} {n}" for k, n in sorted(kinds.items())) + ")" if kinds else ""),
        "",
        f"{'series':<24} {'rows':>6}  {'first':<16}  {'last':<16}  {'defects':>7}  status",
    ]
    per_series = Counter(d.series for d in report.defects)
    for s in report.series:
        status = "missing" if not s.present else ("ok" if s.usable else "UNUSABLE")
        lines.append(
            f"{s.name:<24} {s.rows:>6}  {_when(s.first):<16}  {_when(s.last):<16}  "
            f"{per_series.get(s.name, 0):>7}  {status}"
        )
    lines += ["", "Defects by series and input", ""]
    files = {s.name: s.file for s in report.series} | {i.name: i.file for i in report.inputs}
    groups: dict[str, list[Defect]] = {}
    for d in report.defects:
        groups.setdefault(d.series, []).append(d)
    for name, found in groups.items():
        lines.append(f"{name}  [{files.get(name) or 'no file'}]")
        lines.extend(_defect_lines(found))
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _defect_lines(found: list[Defect]) -> list[str]:
    out: list[str] = []
    by_kind: dict[str, list[Defect]] = {}
    for d in found:
        by_kind.setdefault(d.kind, []).append(d)
    for kind, items in by_kind.items():
        for d in items[:_MAX_LINES_PER_KIND]:
            span = f"{_when(d.first)} -> {_when(d.last)}" if d.first or d.last else ""
            out.append(f"  {d.kind:<15} {d.count:>6}  {span:<36}  {d.detail}")
        if len(items) > _MAX_LINES_PER_KIND:
            out.append(f"  ... and {len(items) - _MAX_LINES_PER_KIND} more {kind} defects")
    return out
