"""Run files: what `carry backtest --config FILE` reads.

Two forms:
- a TOML run file: `mode = "btc_basis"`, optionally `data = "path"`, and a `[params]`
  table of parameter values (the names `carry modes MODE` lists);
- any run's `config.json`: its mode, resolved parameters, data source and venue tables,
  so the run is repeated bit for bit.
`--set` overrides are applied on top of the file's parameters.
"""

from __future__ import annotations

import datetime as dt
import json
import tomllib
from pathlib import Path
from typing import Any

import msgspec

from services.config.venues import VenueConfig
from services.errors import ConfigError


class RunFile(msgspec.Struct, frozen=True, kw_only=True):
    """A run file's contents.

    Attributes:
        path: the file.
        mode: the mode to run.
        params: parameter values (plain data).
        data: the data folder it names, if any.
        synthetic: True when the file names the synthetic sample.
        venues: the venue tables of a `config.json` (None: the packaged ones).
        run_id: the run id of a `config.json` (results files carry it).
    """

    path: str
    mode: str
    params: dict[str, Any]
    data: str | None = None
    synthetic: bool = False
    venues: dict[str, VenueConfig] | None = None
    run_id: str | None = None


class _Toml(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    mode: str
    data: str | None = None
    params: dict[str, Any] = msgspec.field(default_factory=dict)


class _DataSpec(msgspec.Struct, frozen=True, kw_only=True):
    path: str
    synthetic: bool


class _ConfigJson(msgspec.Struct, frozen=True, kw_only=True):
    mode: str
    params: dict[str, Any]
    data: _DataSpec
    venues: dict[str, VenueConfig]
    run_id: str | None = None


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def load_run_file(path: Path) -> RunFile:
    """Read a TOML run file or a run's `config.json`.

    Raises:
        ConfigError: the file is missing, unreadable or not a run file.
    """
    fix = 'write mode = "btc_basis" and a [params] table, or pass a run\'s config.json'
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"cannot read run file {path}: {e}", "pass a readable file") from e
    try:
        if path.suffix == ".json":
            cfg = msgspec.convert(json.loads(text), _ConfigJson)
            return RunFile(
                path=str(path),
                mode=cfg.mode,
                params=dict(cfg.params),
                data=None if cfg.data.synthetic else cfg.data.path,
                synthetic=cfg.data.synthetic,
                venues=cfg.venues,
                run_id=cfg.run_id,
            )
        doc = msgspec.convert(tomllib.loads(text), _Toml)
    except (json.JSONDecodeError, tomllib.TOMLDecodeError, msgspec.ValidationError) as e:
        raise ConfigError(f"run file {path} is not valid: {e}", fix) from e
    data = doc.data
    if data is not None and not Path(data).is_absolute():
        data = str((path.parent / data).resolve())
    return RunFile(path=str(path), mode=doc.mode, params=_plain(doc.params), data=data)
