"""A chain venue's RPC URL: from the environment (a secret) or the venues file."""

from __future__ import annotations

import pytest

from services.config.live import LiveVenue
from services.errors import ConfigError
from services.live.secrets import rpc_url


def test_the_rpc_url_comes_from_its_variable_or_the_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NODE_URL", " https://node.example/v3/k3y \n")
    spec = LiveVenue(kind="chain", exchange="ethereum", api_url_env="NODE_URL")
    assert rpc_url("aave_v3", spec) == "https://node.example/v3/k3y"
    written = LiveVenue(kind="chain", exchange="ethereum", api_url="http://127.0.0.1:8545")
    assert rpc_url("aave_v3", written) == "http://127.0.0.1:8545"


def test_a_missing_rpc_url_names_what_to_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NODE_URL", raising=False)
    spec = LiveVenue(kind="chain", exchange="ethereum", api_url_env="NODE_URL")
    with pytest.raises(ConfigError, match=r"environment variable NODE_URL .* is not set"):
        rpc_url("aave_v3", spec)
    with pytest.raises(ConfigError, match="needs its node's RPC URL") as e:
        rpc_url("aave_v3", LiveVenue(kind="chain", exchange="ethereum"))
    assert "api_url_env" in e.value.fix
