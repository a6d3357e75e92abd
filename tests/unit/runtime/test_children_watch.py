"""A Kafka run's actor processes are not restarted into a broker that does not answer:
they die of that too, and the run's own broker deadline names the cause."""

from __future__ import annotations

from typing import Any, cast

import anyio
import pytest

from services.launcher import kafka_run
from tests.stubs import run_config


class _Bus:
    def __init__(self) -> None:
        self.unreachable = False

    def broker_unreachable(self) -> bool:
        return self.unreachable


class _Children:
    """Every check finds a process that died for good."""

    def __init__(self) -> None:
        self.checks = 0

    def check(self) -> str:
        self.checks += 1
        return "actor clock exited 4 times (last code 2)"


@pytest.mark.parametrize("unreachable", [True, False])
async def test_dead_children_fail_the_run_only_while_the_broker_answers(unreachable: bool) -> None:
    bus, children, stop = _Bus(), _Children(), anyio.Event()
    bus.unreachable = unreachable
    run = kafka_run._Run(
        run_config("btc_basis"),
        cast(Any, bus),
        cast(Any, None),
        [],
        cast(Any, children),
        stop,
        shared=False,
    )
    with anyio.move_on_after(3 * kafka_run.WATCH_S):
        await run._watch()
    if unreachable:
        assert (children.checks, run.failure) == (0, "")
    else:
        assert children.checks == 1
        assert run.failure.startswith("actor clock exited")
