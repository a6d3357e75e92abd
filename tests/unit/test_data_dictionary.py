"""The data dictionary in docs/results.md lists every declared column with its type."""

from __future__ import annotations

from pathlib import Path

from services.recorder.tables import TABLES

DOC = Path(__file__).resolve().parents[2] / "docs" / "results.md"


def test_every_declared_column_is_in_the_data_dictionary() -> None:
    text = DOC.read_text()
    for name, columns in TABLES.items():
        section = text.split(f"## `{name}.parquet`", 1)[1].split("\n## ", 1)[0]
        rows = [line for line in section.splitlines() if line.startswith("| `")]
        assert rows == [f"| `{c.name}` | {c.type} | {c.doc} |" for c in columns], name
