"""Fuzzing Carry's inputs from seeded generators: bus URLs, `--set` overrides, command
lines, wire records and data files.

Every case must end cleanly: a result, or a `CarryError` (exit code 2 on the command
line) whose message holds no secret; anything else (another exception, a traceback, a
non-finite figure let through, a URL that does not survive its own round trip) is bad.

    python -m bench.fuzz [--seed 7] [--cases 400] [--data DIR]
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import io
import itertools
import math
import os
import random
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msgspec
import numpy as np

from schemas.clock import TOPIC as CLOCK
from schemas.clock import Tick
from schemas.clock import codec as clock_codec
from schemas.registry import CODECS
from services.errors import CarryError
from services.runtime.kafka.marks import decode_mark
from services.runtime.kafka.url import parse_kafka_url
from services.runtime.kafka.wire import STAMP, decode_record, event_tags

SECRET = "Fz-s3cret-9"
"""A password planted in inputs: no message may repeat it."""


@dataclass
class Tally:
    """Outcomes of one target's cases."""

    target: str
    tried: int = 0
    accepted: int = 0
    rejected: int = 0
    bad: list[str] = field(default_factory=list)

    def case(self, run: Callable[[], bool], what: str) -> None:
        """Run one case: `run` returns True if the input was accepted, False if it was
        cleanly rejected, or raises `Bad`; anything else it raises is bad too."""
        self.tried += 1
        try:
            if run():
                self.accepted += 1
            else:
                self.rejected += 1
        except Bad as e:
            self.bad.append(f"{what}: {e}")
        except Exception as e:  # noqa: BLE001 - an unexpected exception is the finding
            self.bad.append(f"{what}: {type(e).__name__}: {e}"[:500])

    def line(self) -> str:
        """One line of counts."""
        return (
            f"{self.target:<10} tried {self.tried:>5}  accepted {self.accepted:>5}  "
            f"rejected cleanly {self.rejected:>5}  bad {len(self.bad):>3}"
        )


class Bad(Exception):
    """A case ended in a way Carry must never end."""


def _rejected(error: CarryError) -> bool:
    if SECRET in str(error):
        raise Bad(f"the message repeats the secret: {error}")
    return False


# ---------------------------------------------------------------- bus URLs

_SCHEMES = ["kafka", "kafka", "kafka", "memory", "http", "", "KAFKA", "kafka+ssl"]
_HOSTS = ["127.0.0.1", "h", "", "[::1]", "a b", "ü", "%00", "x" * 300, "-"]
_PORTS = [":19092", ":1", "", ":0", ":65536", ":-1", ":abc", ":99999999999", ": 1"]
_KEYS = ["partitions", "namespace", "retention", "security", "ca", "password", "x", ""]
_VALUES = [
    "3", "0", "1025", "-1", "1e3", "", "a.b", "carry.t1", "a..b", ".a", "7d", "0d", "12h",
    "999999999d", "1000000000d", "5x", "sasl_ssl", "plaintext", "ssl", "/etc/hostname",
    "/nowhere", "%zz", "=", "&", "ü", "a b", "\x00",
]  # fmt: skip


def _url(rng: random.Random) -> str:
    text = f"{rng.choice(_SCHEMES)}://"
    if rng.random() < 0.2:
        text += rng.choice([f"u:{SECRET}@", f"{SECRET}@", "@", f"u:{SECRET}@x@"])
    text += rng.choice(_HOSTS) + rng.choice(_PORTS)
    pairs = [f"{rng.choice(_KEYS)}={rng.choice(_VALUES)}" for _ in range(rng.randint(0, 4))]
    if rng.random() < 0.1:
        pairs.append(f"password={SECRET}")
    if pairs:
        text += "?" + "&".join(pairs)
    if rng.random() < 0.2:
        at = rng.randint(0, len(text))
        text = text[:at] + chr(rng.randint(0, 0x2FF)) + text[at:]
    return text


def fuzz_urls(rng: random.Random, cases: int) -> Tally:
    """`parse_kafka_url`: a URL that round-trips, or a clean refusal without the secret."""
    tally = Tally("bus URLs")
    for _ in range(cases):
        text = _url(rng)

        def run(text: str = text) -> bool:
            try:
                url = parse_kafka_url(text)
            except CarryError as e:
                return _rejected(e)
            if parse_kafka_url(str(url)) != url:
                raise Bad(f"{url} does not parse back to itself")
            if SECRET in str(url):
                raise Bad(f"{url} keeps the secret")
            return True

        tally.case(run, repr(text))
    return tally


# ---------------------------------------------------------------- --set overrides

_NUMBERS = [
    "1", "-1", "0", "0.5", "1e309", "-1e309", "inf", "-inf", "nan", "+nan", "1e-320",
    "1e300", "-0.0", "1_000", "0x10", "9" * 400, "1.", ".5", "1e",
]  # fmt: skip
_OTHER = [
    "true", "false", "[1,2]", "[]", "[[]]", "{}", "{a=1}", "{binance=1.0}", '"text"', "''",
    "2024-01-01", "2024-02-30", "2024-01-01T00:00:00Z", "1979-01-01", "", "=", "a=b",
    '"\\u0000"', "[1e309]", "{binance=nan}", "x" * 1000,
]  # fmt: skip


def fuzz_overrides(rng: random.Random, cases: int) -> Tally:
    """`resolve_params`: validated parameters with finite figures, or a clean refusal."""
    from services.config.modes import available_modes, load_mode, resolve_params
    from services.config.params import PARAMS_BY_STRATEGY

    tally = Tally("--set")
    modes = [load_mode(m) for m in available_modes()]
    for _ in range(cases):
        mode = rng.choice(modes)
        names = [*PARAMS_BY_STRATEGY[mode.strategy].__struct_fields__, "bogus", "", " capital"]
        overrides = []
        for _ in range(rng.randint(1, 3)):
            value = rng.choice(_NUMBERS if rng.random() < 0.6 else _OTHER)
            overrides.append(f"{rng.choice(names)}={value}")
        if rng.random() < 0.05:
            overrides.append("capital=1\nrebalance=false")

        def run(mode: Any = mode, overrides: list[str] = overrides) -> bool:
            try:
                params = resolve_params(mode, overrides)
            except CarryError as e:
                return _rejected(e)
            for figure in _figures(msgspec.to_builtins(params)):
                if not math.isfinite(figure):
                    raise Bad(f"accepted a non-finite figure {figure}")
            return True

        tally.case(run, f"{mode.mode} {overrides}")
    return tally


def _figures(value: Any) -> Iterator[float]:
    if isinstance(value, float):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _figures(v)
    elif isinstance(value, list):
        for v in value:
            yield from _figures(v)


# ---------------------------------------------------------------- wire records


def _junk(rng: random.Random, depth: int = 0) -> Any:
    kinds = ["int", "float", "str", "bytes", "none", "bool", "list", "map"]
    kind = rng.choice(kinds if depth < 2 else kinds[:6])
    if kind == "int":
        return rng.choice([0, -1, 2**63 - 1, -(2**63), rng.randint(-1000, 10**12)])
    if kind == "float":
        return rng.choice([0.0, math.nan, math.inf, -math.inf, 1e308, rng.random()])
    if kind == "str":
        return rng.choice(["", "r", "x" * 100, "ü\x00", "clock/0/0"])
    if kind == "bytes":
        return rng.randbytes(rng.randint(0, 8))
    if kind == "none":
        return None
    if kind == "bool":
        return rng.random() < 0.5
    if kind == "list":
        return [_junk(rng, depth + 1) for _ in range(rng.randint(0, 3))]
    return {str(_junk(rng, 2)): _junk(rng, depth + 1) for _ in range(rng.randint(0, 3))}


def _tick(rng: random.Random) -> bytes:
    """A clock tick, valid or with a byte changed."""
    step = rng.choice([0, 1, 10**6, -1])
    raw = clock_codec.encode(
        Tick(run_id="r", step=step, ts=rng.choice([0, 2**62]), source="clock", event_id="c/0")
    )
    if rng.random() < 0.5:
        data = bytearray(raw)
        data[rng.randrange(len(data))] = rng.randrange(256)
        raw = bytes(data)
    return raw


def _value(rng: random.Random, topic: str) -> bytes:
    roll = rng.random()
    if topic == CLOCK and roll < 0.5:
        return _tick(rng)
    if roll < 0.3:
        return rng.randbytes(rng.randint(0, 64))
    fields = {
        name: _junk(rng)
        for name in rng.sample(["run_id", "event_id", "ts", "step", "seq", "x", "price"], 3)
    }
    fields["type"] = rng.choice([*sorted(event_tags(topic)), "nope", 7, None])
    raw = msgspec.msgpack.encode(fields if roll < 0.9 else list(fields.values()))
    if rng.random() < 0.2:
        raw = raw[: rng.randint(0, len(raw))]
    return raw


def _headers(rng: random.Random) -> list[tuple[str, bytes]]:
    choices: list[bytes] = [
        rng.randbytes(rng.randint(0, 12)),
        msgspec.msgpack.encode([rng.randint(-5, 2**40) for _ in range(rng.randint(0, 7))]),
        msgspec.msgpack.encode(["a", 1, 2]),
        b"",
    ]
    return [(rng.choice([STAMP, "x", ""]), rng.choice(choices)) for _ in range(rng.randint(0, 2))]


def fuzz_wire(rng: random.Random, cases: int) -> Tally:
    """`decode_record` and `decode_mark`: an event, or a record set aside with its
    reason; never an exception."""
    tally = Tally("wire")
    topics = sorted(CODECS)
    for _ in range(cases):
        topic = rng.choice([*topics, "carry.nowhere"])
        value = _value(rng, topic) if topic in CODECS else rng.randbytes(4)
        headers = _headers(rng)

        def run(topic: str = topic, value: bytes = value, headers: Any = headers) -> bool:
            rec = decode_record(topic, 0, 0, b"k", value, headers)
            if (rec.event is None) == (not rec.error):
                raise Bad(f"event {rec.event!r} with error {rec.error!r}")
            if rec.event is None and "Traceback" in rec.error:
                raise Bad("the reason is a traceback")
            decode_mark(value)
            return rec.event is not None

        tally.case(run, f"{topic} {value[:40]!r} {headers}")
    return tally


# ---------------------------------------------------------------- command lines

_TOKENS = [
    "--mode", "btc_basis", "eth_leveraged", "nope", "--set", "capital=1e309", "capital=-5",
    "start=2024-13-01", "end=2023-01-01", "rebalance=maybe", "--out", "--data", "/nowhere",
    "--bus", "kafka://127.0.0.1:1", f"kafka://u:{SECRET}@h:1", "kafka://h", "memory://",
    "--quiet", "--run-id", "", "../x", "--record", "--config", "--help", "-h", "--attach",
    "--log-level", "bogus", "--log-format", "xml", "--instance", "a b", "--broker-timeout",
    "0", "nan", "1e9", "--metrics-addr", "host:port", "--file", "--run", "x" * 300, "\x00",
    "--no-such-flag", "check", "describe", "btc_basis", "--json",
]  # fmt: skip
_COMMANDS = [
    ["backtest"], ["modes"], ["data", "check"], ["runs"], ["compare"], ["signals"],
    ["completion"], ["serve", "clock"], ["export"], ["replay"], ["--version"], [],
]  # fmt: skip


def fuzz_argv(rng: random.Random, cases: int, work: Path) -> Tally:
    """`carry ...` in this process: exit code 0 or 2, never a traceback, never the
    secret. Commands that reach the network (live, data fetch, verify) are left out;
    every bus is unreachable or invalid, every output goes under `work`."""
    from services.cli.main import main
    from services.runtime.logs import configure_logging

    tally = Tally("argv")
    for n in range(cases):
        argv = [*rng.choice(_COMMANDS)]
        for _ in range(rng.randint(0, 5)):
            token = rng.choice(_TOKENS)
            argv.append(str(work / f"out{n}") if token in ("--out", "--record") else token)
            if token in ("--out", "--record"):
                argv.append(str(work / f"out{n}" / rng.choice(["a", "b.rec"])))
        if "backtest" in argv and "--out" not in argv:
            argv += ["--out", str(work / f"bt{n}")]
        if "backtest" in argv and "--bus" not in argv:
            argv += ["--set", "capital=1e309"]  # the in-process run is refused, not run

        def run(argv: list[str] = argv) -> bool:
            out, err = io.StringIO(), io.StringIO()
            code: Any
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                try:
                    code = main(argv)
                except SystemExit as e:
                    code = e.code
            text = out.getvalue() + err.getvalue()
            if code not in (0, 2, None):
                raise Bad(f"exit code {code}: {text[-300:]}")
            if "Traceback" in text:
                raise Bad(f"a traceback: {text[-500:]}")
            if SECRET in text and any(
                a == "--bus" and SECRET in b for a, b in itertools.pairwise(argv)
            ):
                raise Bad("the output repeats the secret of a bus URL")
            return code in (0, None)

        tally.case(run, repr(argv))
    configure_logging("warning", json=False, stream=sys.__stderr__)
    return tally


# ---------------------------------------------------------------- data files

SMALL_SERIES = (
    "aave:rates:USDT",
    "binance:funding:BTCUSDT",
    "bybit:funding:ETHUSDT",
    "okx:funding:BTCUSDT",
    "oracle:USDT/USD",
    "yields:weETH",
)


def _corrupt(rng: random.Random, raw: bytes) -> tuple[str, bytes]:
    lines = raw.split(b"\n")
    body = max(1, len(lines) - 2)
    at = rng.randint(1, body)
    how = rng.choice(
        [
            "flip", "truncate", "garbage", "field", "duplicate", "swap", "gzip", "binary",
            "long", "bom", "crlf", "empty", "header", "column",
        ]
    )  # fmt: skip
    if how == "flip":
        data = bytearray(raw)
        for _ in range(rng.randint(1, 20)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        return how, bytes(data)
    if how == "truncate":
        return how, raw[: rng.randint(0, len(raw))]
    if how == "garbage":
        lines.insert(at, rng.randbytes(rng.randint(1, 80)))
    elif how == "field":
        cells = lines[at].split(b",")
        cells[rng.randrange(len(cells))] = rng.choice(
            [b"nan", b"inf", b"-inf", b"1e309", b"", b"1e300", b"-1", b"0", b"x", b"1,5"]
        )
        lines[at] = b",".join(cells)
    elif how == "duplicate":
        lines.insert(at, lines[at])
    elif how == "swap":
        other = rng.randint(1, body)
        lines[at], lines[other] = lines[other], lines[at]
    elif how == "gzip":
        return how, gzip.compress(raw)
    elif how == "binary":
        return how, rng.randbytes(rng.randint(1, 4096))
    elif how == "long":
        lines.insert(at, b"9" * 2_000_000)
    elif how == "bom":
        return how, b"\xef\xbb\xbf" + raw
    elif how == "crlf":
        return how, raw.replace(b"\n", b"\r\n")
    elif how == "empty":
        return how, b""
    elif how == "header":
        return how, lines[0] + b"\n"
    elif how == "column":
        lines[0] = lines[0].replace(b",", b";", 1)
    return how, b"\n".join(lines)


def fuzz_data(rng: random.Random, cases: int, data_dir: Path, work: Path) -> Tally:
    """`load_series` on a copy of the real data folder with one file corrupted: a
    series whose usable figures are finite and whose stamps increase, or a clean
    refusal."""
    from services.data.catalog import SERIES
    from services.data.files import resolve_file
    from services.data.load import clear_cache, load_series

    tally = Tally("data files")
    mirror = work / "data"
    for source in data_dir.rglob("*"):
        target = mirror / source.relative_to(data_dir)
        if source.is_dir():
            target.mkdir(parents=True, exist_ok=True)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.symlink_to(source)
    for _ in range(cases):
        name = rng.choice(SMALL_SERIES)
        path = resolve_file(mirror, SERIES[name].pattern, name)
        original = path.read_bytes()
        how, corrupted = _corrupt(rng, original)
        path.unlink()
        path.write_bytes(corrupted)

        def run(name: str = name) -> bool:
            clear_cache()
            try:
                series = load_series(mirror, name)
            except CarryError as e:
                return _rejected(e)
            if series.usable:
                for column, values in series.columns.items():
                    if not np.isfinite(values).all():
                        raise Bad(f"usable column {column} holds non-finite values")
                if len(series.ts) > 1 and not (np.diff(series.ts) > 0).all():
                    raise Bad("stamps do not increase")
            return True

        tally.case(run, f"{name} {how}")
        path.unlink()
        path.symlink_to(data_dir / path.relative_to(mirror))
    clear_cache()
    return tally


def fuzz_all(seed: int, cases: int, data_dir: Path | None) -> list[Tally]:
    """Every target with `cases` cases each (data files only with a data folder)."""
    rng = random.Random(seed)
    work = Path(tempfile.mkdtemp(prefix="carry-fuzz-"))
    cwd = Path.cwd()
    try:
        os.chdir(work)  # whatever a command line writes by default lands here
        tallies = [
            fuzz_urls(rng, cases),
            fuzz_overrides(rng, cases),
            fuzz_wire(rng, cases),
            fuzz_argv(rng, max(1, cases // 4), work),
        ]
        if data_dir is not None:
            tallies.append(fuzz_data(rng, max(1, cases // 4), data_dir, work))
        return tallies
    finally:
        os.chdir(cwd)
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    """Print the counts per target and every bad case."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--cases", type=int, default=400)
    parser.add_argument("--data", type=Path, default=os.environ.get("CARRY_DATA") or None)
    args = parser.parse_args()
    tallies = fuzz_all(args.seed, args.cases, args.data)
    for tally in tallies:
        sys.stdout.write(tally.line() + "\n")
    for tally in tallies:
        for bad in tally.bad:
            sys.stdout.write(f"BAD {tally.target}: {bad}\n")


if __name__ == "__main__":
    main()
