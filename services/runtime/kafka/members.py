"""Static group members: one instance id per live process, derived or refused when taken.

Every consumer's client id names its process, `carry:<instance>@<host>:<pid>`. Before
joining, a process reads its kinds' groups: an instance id held by a live process
(another pid on this host, or any process elsewhere) is taken. A derived id is the
first free `<host>.<n>`; a dead process's id on this host is free again, so its
successor takes its place in the group at once instead of waiting for the session of
the dead member to expire.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import socket
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio
from aiokafka.errors import KafkaError
from aiokafka.protocol import admin as protocol

from services.errors import ConfigError
from services.runtime.kafka.url import KafkaUrl

# aiokafka 0.14.0 reads DescribeGroups v3 answers with the v2 schema, which lacks the
# v3 field `authorized_operations`, and fails on every answer; v3 has its own schema.
protocol.DescribeGroupsRequest_v3.RESPONSE_TYPE = protocol.DescribeGroupsResponse_v3

MAX_SLOTS = 64
COORDINATOR_WAIT_S = 30.0
LOCK_WAIT_S = 60.0
_ID = re.compile(r"^[A-Za-z0-9._-]{1,200}$")
_CLIENT = re.compile(r"^carry:(?P<instance>[^@]+)@(?P<host>[^:]+):(?P<pid>\d+)$")


def host_name() -> str:
    """This host's name, reduced to the characters an instance id may hold."""
    name = re.sub(r"[^A-Za-z0-9_-]", "-", socket.gethostname().split(".")[0]) or "host"
    return name[:60]


def client_id(instance: str) -> str:
    """The client id of this process's consumers: names the instance, host and pid."""
    return f"carry:{instance}@{host_name()}:{os.getpid()}"


@dataclass(frozen=True)
class Holder:
    """A group member holding an instance id."""

    group: str
    instance: str
    host: str
    pid: int

    def alive(self) -> bool:
        """Whether the holding process still runs (a holder elsewhere is assumed alive)."""
        if self.host != host_name():
            return True
        if self.pid == os.getpid():
            return False  # this process's own predecessor (a restarted container: same pid)
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True


def holders(described: Iterable[Any]) -> list[Holder]:
    """Members of described groups that are Carry processes (from DescribeGroups answers)."""
    found = []
    for response in described:
        for group in response.groups:
            group_id, members = group[1], group[5]
            for member in members:
                parsed = _CLIENT.match(member[1] or "")
                if parsed:
                    found.append(
                        Holder(group_id, parsed["instance"], parsed["host"], int(parsed["pid"]))
                    )
    return found


class ClaimLock:
    """Serialises the claims of processes on this host for the same groups until the
    claiming process has joined them (two processes starting at once would otherwise
    both find the same id free). A lock file in the temporary folder, held with flock."""

    def __init__(self, groups: Iterable[str]) -> None:
        digest = hashlib.sha256(",".join(sorted(groups)).encode()).hexdigest()[:16]
        self.path = Path(tempfile.gettempdir()) / f"carry-claim-{digest}.lock"
        self._fd: int | None = None

    async def acquire(self, timeout_s: float = LOCK_WAIT_S) -> bool:
        """Take the lock, waiting at most `timeout_s` (False: went on without it)."""
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o666)
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                if time.monotonic() > deadline:
                    os.close(fd)
                    return False
                await anyio.sleep(0.1)
                continue
            self._fd = fd
            return True

    def release(self) -> None:
        """Let the next process on this host claim."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def check_instance(instance: str) -> str:
    """`instance` if it can be a group member id; `ConfigError` otherwise."""
    if not _ID.match(instance):
        raise ConfigError(
            f"instance id {instance!r} may hold only letters, digits, '.', '_' and '-'",
            "give --instance (CARRY_INSTANCE) such a name, or leave it unset to derive one",
        )
    return instance


async def describe_groups(admin: Any, groups: list[str]) -> Any:
    """DescribeGroups answers, retried while the group coordinator is starting (a fresh
    broker creates its offsets topic on the first group request)."""
    deadline = time.monotonic() + COORDINATOR_WAIT_S
    while True:
        try:
            return await admin.describe_consumer_groups(groups)
        except KafkaError as e:
            if not e.retriable or time.monotonic() > deadline:
                raise
        await anyio.sleep(0.5)


async def claim(admin: Any, url: KafkaUrl, kinds: Iterable[str], wanted: str | None) -> str:
    """This process's instance id in the groups of `kinds`.

    Args:
        admin: a started admin client.
        url: the bus.
        kinds: the actor kinds the process serves.
        wanted: an explicit id (refused if a live process holds it), or None to derive one.

    Raises:
        ConfigError: `wanted` is held by a live process, or no derived id is free.
    """
    groups = [url.group(kind) for kind in kinds]
    live = [h for h in holders(await describe_groups(admin, groups)) if h.alive()]
    taken = {h.instance: h for h in live}
    if wanted is not None:
        holder = taken.get(check_instance(wanted))
        if holder is not None:
            raise ConfigError(
                f"instance {wanted!r} is in use in group {holder.group} by pid {holder.pid} on "
                f"host {holder.host}: a second member with the same id would fence it",
                "give this process its own --instance (CARRY_INSTANCE), or unset it to derive "
                "a free one (a process that is gone frees its id once its session expires, 30 s)",
            )
        return wanted
    base = host_name()
    for n in range(MAX_SLOTS):
        candidate = f"{base}.{n}"
        if candidate not in taken:
            return candidate
    raise ConfigError(
        f"all {MAX_SLOTS} instance ids of host {base} are in use in {', '.join(groups)}",
        "stop some carry serve processes, or give this one an explicit --instance",
    )
