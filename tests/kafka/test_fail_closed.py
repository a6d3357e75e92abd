"""Kafka fails closed: unique instance ids, children that die with their launcher, a
lost or wiped broker, one SIGTERM, retention, finished and abandoned runs, dead letters."""

from __future__ import annotations

import gc
import json
import os
import signal
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import anyio
import msgspec
import pyarrow.parquet as pq
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from aiokafka.errors import KafkaError

from bench.broker import Broker, start_private
from schemas import control
from schemas.topics import ALL_TOPICS, CLOSED, DEADLETTER
from services.errors import BrokerError
from services.launcher.children import LOG_PREFIX
from services.launcher.kafka_run import run_on_kafka
from services.launcher.run import run_started
from services.registry import host
from services.runtime.kafka.bus import KafkaBus
from services.runtime.kafka.client import make_producer
from services.runtime.kafka.marks import ABANDONED_AFTER_S, RunMark, encode_mark, read_marks
from services.runtime.kafka.url import KafkaUrl, parse_kafka_url
from tests.kafka.helpers import (
    CARRY,
    Served,
    alive,
    backtest_args,
    btc_config,
    children_of,
    stop_processes,
)

pytestmark = [
    pytest.mark.timeout(240),
    # Clients cut off from the private broker (stopped, or wiped under them) may leave
    # sockets to it behind when they close; the module collects them before it ends.
    pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
]

LOST_PORT, LOST_CONTROLLER_PORT = 19450, 19451
"""A private broker of this module's: it is stopped, and wiped, under the runs."""
_CLOCK = ("serve", "clock", "--bus")


@pytest.fixture(scope="module")
def private() -> Iterator[Broker]:
    """A private broker with Kafka's default of creating the topics a client names: Carry's
    clients must never ask it to."""
    broker = start_private("lost", LOST_PORT, LOST_CONTROLLER_PORT, {"KAFKA_AUTO_CREATE": "true"})
    try:
        yield broker
    finally:
        broker.stop()
        gc.collect()


def _serve(url: KafkaUrl, log: Path, *extra: str) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            [*CARRY, "--log-level", "info", "--log-format", "json", *_CLOCK, str(url), *extra],
            stdout=out,
            stderr=out,
            start_new_session=True,
        )


def _wait_for(log: Path, text: str, seconds: float = 60) -> str:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        content = log.read_text(errors="replace") if log.exists() else ""
        if text in content:
            return content
        time.sleep(0.2)
    pytest.fail(f"{text!r} never appeared in {log}:\n{content[-3000:]}")


def _serving_instance(log: Path) -> str:
    _wait_for(log, '"event": "serving"')
    for line in log.read_text().splitlines():
        if line.startswith("{") and json.loads(line).get("event") == "serving":
            return str(json.loads(line)["instance"])
    return ""


def _kill(*procs: subprocess.Popen[bytes]) -> None:
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_an_instance_id_held_by_a_live_process_is_refused_and_derived_ids_differ(
    url: KafkaUrl, tmp_path: Path
) -> None:
    first = _serve(url, tmp_path / "first.log", "--instance", "mine")
    try:
        _wait_for(tmp_path / "first.log", '"event": "serving"')
        started = time.monotonic()
        second = subprocess.run(
            [*CARRY, "serve", "clock", "--bus", str(url), "--instance", "mine"],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert second.returncode == 2
        assert f"instance 'mine' is in use in group {url.group('clock')} by pid {first.pid}" in (
            second.stderr
        )
        assert "Traceback" not in second.stderr
        assert time.monotonic() - started < 45
        # without --instance, each process derives its own free id
        derived = [_serve(url, tmp_path / f"derived{i}.log") for i in range(2)]
        names = [_serving_instance(tmp_path / f"derived{i}.log") for i in range(2)]
        assert len(set(names)) == 2, names
        assert "mine" not in names
        assert first.poll() is None, "the first process was never fenced"
        assert stop_processes(first, *derived) == [0, 0, 0]
    finally:
        stop_processes(first)
    assert "restarting_to_recover" not in (tmp_path / "first.log").read_text()


def test_a_launcher_run_next_to_serving_processes_fences_no_one(
    url: KafkaUrl, tmp_path: Path
) -> None:
    served = Served(url, ["clock", "strategy"], tmp_path)
    served.start_all()  # with the id every process used to default to
    try:
        for kind in served.kinds:
            _wait_for(tmp_path / f"{kind}.log", '"event": "serving"')
        launched = subprocess.run(
            [*CARRY, *backtest_args(2), "--bus", str(url), "--out", str(tmp_path / "out")],
            capture_output=True,
            text=True,
            timeout=200,
        )
        assert launched.returncode == 0, launched.stderr[-3000:]
        assert (tmp_path / "out" / "summary.json").exists()
        for kind, proc in served.procs.items():
            assert proc.poll() is None, f"{kind} died: {served.log(kind)[-2000:]}"
            assert "UnknownError" not in served.log(kind)
    finally:
        codes = served.stop()
    assert codes == {"clock": 0, "strategy": 0}


def test_children_die_with_a_killed_launcher_and_leave_nothing_behind(
    url: KafkaUrl, tmp_path: Path
) -> None:
    launcher = subprocess.Popen(
        [*CARRY, *backtest_args(10), "--bus", str(url), "--out", str(tmp_path / "out")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while len(kids := children_of(launcher.pid)) < 5 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert len(kids) >= 5, "the launcher never started its actor processes"
        time.sleep(3)  # the children are serving
        logs = list(Path(tempfile.gettempdir()).glob(f"{LOG_PREFIX}{launcher.pid}-*"))
        assert len(logs) == 1
        launcher.send_signal(signal.SIGKILL)
        launcher.wait()
        deadline = time.monotonic() + 30
        while any(alive(k) for k in kids) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not any(alive(k) for k in kids), "children outlived their launcher"
    finally:
        if launcher.poll() is None:
            launcher.kill()
            launcher.wait()
    # the next launch removes the dead launcher's logs; a failed launch leaves none
    failed = subprocess.Popen(
        [*CARRY, *backtest_args(1), "--bus", "kafka://127.0.0.1:1", "--out", str(tmp_path / "x")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    _, err = failed.communicate(timeout=60)
    assert failed.returncode == 2
    assert "cannot reach Kafka at 127.0.0.1:1" in err
    assert not list(Path(tempfile.gettempdir()).glob(f"{LOG_PREFIX}{failed.pid}-*"))
    assert not logs[0].exists()
    assert not (tmp_path / "out").exists()


def test_a_lost_broker_ends_the_run_naming_it_and_one_sigterm_ends_every_process(
    private: Broker, tmp_path: Path
) -> None:
    broker = private
    broker.script("start")  # (running already, or again after a test stopped it)
    procs: list[subprocess.Popen[bytes]] = []
    try:
        url = parse_kafka_url(f"kafka://{broker.bootstrap}?partitions=2&namespace=lost")
        served = _serve(url, tmp_path / "serve.log", "--broker-timeout", "60")
        procs.append(served)
        _wait_for(tmp_path / "serve.log", '"event": "serving"')
        log = (tmp_path / "launcher.log").open("wb")
        limits = ["--out", str(tmp_path / "out"), "--broker-timeout", "6"]
        launcher = subprocess.Popen(
            [*CARRY, "--log-format", "json", *backtest_args(20), "--bus", str(url), *limits],
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
        procs.append(launcher)
        log.close()
        deadline = time.monotonic() + 60
        while len(kids := children_of(launcher.pid)) < 5 and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(4)
        broker.script("stop")
        stopped = time.monotonic()
        code = launcher.wait(timeout=90)
        waited = time.monotonic() - stopped
        err = (tmp_path / "launcher.log").read_text()
        assert code == 2, err[-2000:]
        assert f"lost Kafka at {broker.bootstrap}: no answer for" in err
        assert "--broker-timeout" in err
        assert waited < 45, waited
        deadline = time.monotonic() + 30
        while any(alive(k) for k in kids) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not any(alive(k) for k in kids)
        assert not (tmp_path / "out").exists()
        # a serving process whose broker is gone ends on one SIGTERM
        served.send_signal(signal.SIGTERM)
        assert served.wait(timeout=30) == 0
    finally:
        _kill(*procs)


def test_one_sigterm_ends_a_launcher_waiting_for_a_lost_broker(
    private: Broker, tmp_path: Path
) -> None:
    private.script("start")
    url = parse_kafka_url(f"kafka://{private.bootstrap}?partitions=2&namespace=term")
    with (tmp_path / "launcher.log").open("wb") as log:
        launcher = subprocess.Popen(
            [*CARRY, *backtest_args(20), "--bus", str(url), "--out", str(tmp_path / "out")],
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 60
        while len(kids := children_of(launcher.pid)) < 5 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert len(kids) >= 5, "the launcher never started its actor processes"
        time.sleep(3)
        private.script("stop")
        time.sleep(3)  # the run now waits for the broker (its deadline is 120 s)
        launcher.send_signal(signal.SIGTERM)
        code = launcher.wait(timeout=90)
        err = (tmp_path / "launcher.log").read_text()
        assert code == 130, err[-2000:]  # interrupted: nothing was written
        assert "was stopped before its end: stopped by the user" in err
        deadline = time.monotonic() + 30
        while any(alive(k) for k in kids) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not any(alive(k) for k in kids), "one SIGTERM ends the actor processes too"
        assert not (tmp_path / "out").exists()
    finally:
        _kill(launcher)


def test_a_sweep_whose_broker_is_lost_gives_rows_naming_it(private: Broker, tmp_path: Path) -> None:
    private.script("start")
    url = parse_kafka_url(f"kafka://{private.bootstrap}?partitions=2&namespace=sweep")
    out = tmp_path / "sweep"
    args = ["sweep", "--mode", "btc_basis", "--set", "end=2024-01-05", "--quiet"]
    args += ["--grid", "capital=100000,200000,300000", "--jobs", "2", "--out", str(out)]
    args += ["--bus", str(url), "--broker-timeout", "3"]
    with (tmp_path / "sweep.log").open("wb") as log:
        # no process serves the bus: the runs wait until the broker is gone
        env = {k: v for k, v in os.environ.items() if k != "CARRY_DATA"}  # the sample's window
        sweep = subprocess.Popen(
            [*CARRY, *args], stdout=log, stderr=log, start_new_session=True, env=env
        )
    try:
        time.sleep(8)
        private.script("stop")
        code = sweep.wait(timeout=90)
    finally:
        _kill(sweep)
    err = (tmp_path / "sweep.log").read_text()
    assert code == 0, err[-2000:]
    assert "3 configurations, 3 failed" in err
    rows = pq.read_table(out / "sweep.parquet").to_pylist()
    assert [r["configuration"] for r in rows] == [0, 1, 2]
    for row in rows:
        assert row["error"].startswith(f"lost Kafka at {private.bootstrap}: no answer for"), row


async def test_a_broker_that_lost_its_data_fails_the_run_and_topics_never_come_back_wrong(
    private: Broker, tmp_path: Path
) -> None:
    broker = private
    broker.script("start")
    url = parse_kafka_url(f"kafka://{broker.bootstrap}?partitions=3&namespace=wiped")
    config = btc_config(20)
    kinds = [k for k in config.actors if k != "recorder"]
    served = Served(url, kinds, tmp_path)
    try:
        served.start_all()
        half = anyio.Event()

        def progress(done: int, total: int) -> None:
            if done >= 0.1 * total:
                half.set()

        async def wipe() -> None:
            await half.wait()
            await anyio.to_thread.run_sync(broker.script, "stop")
            await anyio.to_thread.run_sync(broker.script, "start")  # fresh, empty

        error: BaseException | None = None
        try:
            with anyio.fail_after(150):
                async with anyio.create_task_group() as tg:
                    tg.start_soon(wipe)
                    await run_on_kafka(
                        config, url, attach=True, progress=progress, broker_timeout_s=60
                    )
        except BaseException as e:  # noqa: BLE001 - inspected below
            error = e
        while isinstance(error, BaseExceptionGroup):
            error = error.exceptions[0]
        assert isinstance(error, BrokerError), repr(error)
        assert "lost Carry's records" in str(error)
        # Carry's clients never auto-create topics: whatever exists was created by Carry
        # itself, with its partition count (the broker's default is 2)
        admin = AIOKafkaAdminClient(bootstrap_servers=url.bootstrap)
        await admin.start()
        try:
            names = [t for t in await admin.list_topics() if t.startswith("wiped.")]
            described = await admin.describe_topics(names)
        finally:
            await admin.close()
        assert {len(d["partitions"]) for d in described} <= {3}
        codes = served.stop()
        assert all(c in (0, 2) for c in codes.values()), codes
    finally:
        served.stop()


async def test_carrys_clients_do_not_create_topics(private: Broker) -> None:
    private.script("start")
    url = parse_kafka_url(f"kafka://{private.bootstrap}?namespace=t{uuid.uuid4().hex[:10]}")
    producer = make_producer(url)
    await producer.start()
    missing = url.topic("carry.nowhere")
    try:
        with pytest.raises((KafkaError, TimeoutError)):
            with anyio.fail_after(8):
                await producer.send_and_wait(missing, b"x")
    finally:
        await producer.stop()
    admin = AIOKafkaAdminClient(bootstrap_servers=url.bootstrap)
    await admin.start()
    try:
        assert missing not in await admin.list_topics()
    finally:
        await admin.close()


async def test_topics_get_the_retention_of_the_bus_url(url: KafkaUrl) -> None:
    url = parse_kafka_url(f"{url}&retention=36h")
    bus = KafkaBus(url)
    await bus.start()
    await bus.stop()
    admin = AIOKafkaAdminClient(bootstrap_servers=url.bootstrap)
    await admin.start()
    try:
        got = await admin.describe_configs(
            [ConfigResource(ConfigResourceType.TOPIC, url.topic(t)) for t in ALL_TOPICS]
        )
    finally:
        await admin.close()
    values = {}
    for response in got:
        for resource in response.resources:
            for entry in resource[4]:
                if entry[0] == "retention.ms":
                    values[resource[3]] = entry[1]
    assert values == {url.topic(t): str(36 * 3600 * 1000) for t in ALL_TOPICS}


async def test_finished_runs_are_not_read_again_and_abandoned_runs_are_closed(
    url: KafkaUrl,
) -> None:
    done, running, lost = btc_config(1), btc_config(1), btc_config(1)
    bus = KafkaBus(url)
    clock = host("clock", dedup=True)
    bus.attach(clock)
    await bus.start()
    try:
        for config in (done, running):
            await bus.publish(control.TOPIC, run_started(config))
        with anyio.fail_after(30):
            await bus.run_until(lambda: bus.loops[0].handled >= 2)
        await bus.close_run(done.run_id)
        # a run whose launcher vanished long ago: its open mark was never renewed
        old = int((time.time() - 2 * ABANDONED_AFTER_S) * 1000)
        await bus.producer.send_and_wait(
            url.topic(CLOSED),
            encode_mark(RunMark(state="open", floors={t: 0 for t in ALL_TOPICS})),
            key=lost.run_id.encode(),
            timestamp_ms=old,
        )
    finally:
        await bus.stop()
    bus = KafkaBus(url)
    clock = host("clock", dedup=True)
    bus.attach(clock)
    await bus.start()
    try:
        with anyio.fail_after(30):
            await bus.run_until(lambda: clock.instance(running.run_id) is not None)
        loop = bus.loops[0]
    finally:
        await bus.stop()
    assert clock.instance(running.run_id) is not None, "an open run is rebuilt"
    assert clock.instance(done.run_id) is None
    assert loop.skipped == 0, "records of finished runs are not fetched"
    marks = await read_marks(url, url.partitions)
    assert lost.run_id.encode() in marks.closed
    assert running.run_id.encode() in marks.open


async def test_dead_letters_name_the_group_and_the_real_error(url: KafkaUrl) -> None:
    bus = KafkaBus(url)
    bus.attach(host("clock", dedup=True))
    await bus.start()
    producer = AIOKafkaProducer(bootstrap_servers=url.bootstrap)
    await producer.start()
    try:
        await producer.send_and_wait(url.topic(control.TOPIC), b"garbage", key=b"r", partition=0)
        await producer.send_and_wait(
            url.topic(control.TOPIC),
            msgspec.msgpack.encode({"type": "nope"}),
            key=b"r",
            partition=0,
        )
        with anyio.fail_after(30):
            await bus.run_until(lambda: bus.loops[0].deadlettered >= 2)
    finally:
        await producer.stop()
        await bus.stop()
    consumer = AIOKafkaConsumer(
        url.topic(DEADLETTER), bootstrap_servers=url.bootstrap, auto_offset_reset="earliest"
    )
    await consumer.start()
    try:
        records = []
        with anyio.move_on_after(10):
            while len(records) < 2:
                for batch in (await consumer.getmany(timeout_ms=500)).values():
                    records.extend(batch)
    finally:
        await consumer.stop()
    headers = [dict(r.headers) for r in records]
    assert [h["carry-group"] for h in headers] == [url.group("clock").encode()] * 2
    assert [h["carry-actor"] for h in headers] == [b"clock"] * 2
    assert b"not MessagePack" in headers[0]["carry-error"]
    assert b"Expected `str`" not in headers[0]["carry-error"]
    assert b"event type 'nope' is not one of carry.control's" in headers[1]["carry-error"]
