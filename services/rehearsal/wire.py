"""What every dialect's HTTP side shares: credentials, faults, JSON, request parsing."""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import anyio
import structlog
from aiohttp import web

log = structlog.get_logger()


@dataclass(frozen=True)
class Credentials:
    """The one API key a rehearsal exchange accepts (and OKX's passphrase)."""

    key: str
    secret: str
    password: str = ""


def hmac_hex(secret: str, payload: str) -> str:
    """HMAC-SHA256 of `payload`, hex."""
    return hmac.new(secret.encode(), payload.encode(), hashlib.sha256).hexdigest()


@dataclass
class Fault:
    """A scripted failure: the next `count` requests whose path contains `path` get
    `status` and `body` (or wait `delay_s` first, then are served normally)."""

    path: str
    count: int = 1
    status: int = 0
    body: str = ""
    delay_s: float = 0.0


@dataclass
class Faults:
    """The scripted failures of one exchange, consumed in order."""

    rules: list[Fault] = field(default_factory=list)

    def add(self, fault: Fault) -> None:
        """Script one more failure."""
        self.rules.append(fault)

    def take(self, path: str) -> Fault | None:
        """The rule matching `path`, counted down (None: serve normally)."""
        for rule in self.rules:
            if rule.count > 0 and rule.path in path:
                rule.count -= 1
                return rule
        return None


def json_response(payload: Any, status: int = 200) -> web.Response:
    """A JSON response."""
    return web.Response(text=json.dumps(payload), status=status, content_type="application/json")


async def apply_fault(faults: Faults, request: web.Request) -> web.Response | None:
    """Serve a scripted failure for `request`, if one matches."""
    rule = faults.take(request.path)
    if rule is None:
        return None
    if rule.delay_s:
        await anyio.sleep(rule.delay_s)
    if not rule.status:
        return None
    return web.Response(text=rule.body, status=rule.status, content_type="application/json")


async def params_of(request: web.Request) -> tuple[dict[str, str], str]:
    """The request's parameters (query and form/JSON body) and its raw body."""
    params = dict(request.query)
    raw = await request.text()
    if raw:
        if raw.lstrip().startswith(("{", "[")):
            try:
                body = json.loads(raw)
            except json.JSONDecodeError:
                body = {}
            if isinstance(body, dict):
                params.update({k: _text(v) for k, v in body.items()})
        else:
            params.update(dict(parse_qsl(raw, keep_blank_values=True)))
    return params, raw


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def num(params: dict[str, str], name: str, default: float = 0.0) -> float:
    """A numeric parameter."""
    value = params.get(name)
    return float(value) if value not in (None, "", "None") else default
