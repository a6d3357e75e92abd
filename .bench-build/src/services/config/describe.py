"""Describe a mode's parameters: default, type, allowed range and meaning.

Types and ranges come from the parameter structs' annotations (msgspec constraints),
meanings from the `Attributes:` sections of their docstrings, defaults from the mode
file (else the struct's).
"""

from __future__ import annotations

import inspect
import re
from typing import Any, NamedTuple

import msgspec
from msgspec import inspect as mi

from services.config.modes import load_mode
from services.config.params import PARAMS_BY_STRATEGY

_ATTR = re.compile(r"^\s{8}(\w+): (.*)$")
_MORE = re.compile(r"^\s{12}(\S.*)$")


class ParamInfo(NamedTuple):
    """One parameter of a mode."""

    name: str
    default: Any
    type: str
    allowed: str
    meaning: str


def meanings(cls: type) -> dict[str, str]:
    """Attribute name -> first sentence of its docstring entry, over the class and bases."""
    out: dict[str, str] = {}
    for klass in reversed(cls.__mro__):
        current = ""
        for line in ((inspect.getdoc(klass) and klass.__doc__) or "").splitlines():
            if m := _ATTR.match(line):
                current = m.group(1)
                out[current] = m.group(2)
            elif current and (m := _MORE.match(line)):
                out[current] += " " + m.group(1)
            else:
                current = ""
    return {k: v.split(". ")[0].rstrip(".") for k, v in out.items()}


def _bounds(t: Any) -> str:
    lo = f"> {t.gt}" if t.gt is not None else f">= {t.ge}" if t.ge is not None else ""
    hi = f"< {t.lt}" if t.lt is not None else f"<= {t.le}" if t.le is not None else ""
    return ", ".join(p for p in (lo, hi) if p) or "any"


def _type(t: Any, name: str = "") -> tuple[str, str]:
    if isinstance(t, mi.UnionType):
        kinds = [k for k in t.types if not isinstance(k, mi.NoneType)]
        name, allowed = _type(kinds[0])
        return f"{name} or none", f"{allowed}; none: derived (see meaning)"
    if isinstance(t, mi.FloatType | mi.IntType):
        return ("float" if isinstance(t, mi.FloatType) else "int"), _bounds(t)
    if isinstance(t, mi.LiteralType):
        return "choice", " | ".join(str(v) for v in t.values)
    if isinstance(t, mi.BoolType):
        return "bool", "true | false"
    if isinstance(t, mi.DictType):
        return "table", "venue = fraction (sum 1)"
    if isinstance(t, mi.StrType):
        return "text", "YYYY-MM-DD or ISO time, UTC" if name in ("start", "end") else "a name"
    return type(t).__name__, "any"


def describe_mode(mode_name: str) -> list[ParamInfo]:
    """Every parameter of `mode_name`, in declaration order."""
    mode = load_mode(mode_name)
    cls = PARAMS_BY_STRATEGY[mode.strategy]
    docs = meanings(cls)
    out = []
    for field in mi.type_info(cls).fields:  # type: ignore[attr-defined]
        default = mode.params.get(field.name, field.default)
        if default is msgspec.NODEFAULT:
            default = None
        if field.default_factory is not msgspec.NODEFAULT and field.name not in mode.params:
            default = field.default_factory()
        kind, allowed = _type(field.type, field.name)
        out.append(
            ParamInfo(
                field.name, msgspec.to_builtins(default), kind, allowed, docs.get(field.name, "")
            )
        )
    return out
