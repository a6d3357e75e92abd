"""The research workflow on the sample data: run files, default folders, reproduction,
run listing, comparison, mode descriptions, completion and exit codes."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from services.cli.main import main
from services.config.params import PARAMS_BY_STRATEGY
from tests.stubs import RESULT_FILES


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("CARRY_DATA", raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _only_run(root: Path) -> Path:
    (run,) = [p for p in root.iterdir() if p.is_dir()]
    return run


def test_config_json_reproduces_a_run_bit_for_bit_in_a_folder_named_by_its_hash(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["backtest", "--mode", "btc_basis", "--set", "end=2024-02-01", "--quiet"]) == 0
    first = _only_run(workdir / "results")
    assert re.fullmatch(r"btc_basis-[0-9a-f]{12}", first.name)
    assert f"report        results/{first.name}/report.html" in capsys.readouterr().out
    again = workdir / "again"
    assert main(["backtest", "--config", str(first / "config.json"), "--out", str(again)]) == 0
    for name in RESULT_FILES:
        assert (first / name).read_bytes() == (again / name).read_bytes(), name
    # a different configuration gets its own folder: nothing is overwritten
    assert main(["backtest", "--config", str(first / "config.json"), "--set", "capital=5e4"]) == 0
    assert len([p for p in (workdir / "results").iterdir() if p.is_dir()]) == 2


def test_toml_run_file_with_overrides(workdir: Path) -> None:
    run_file = workdir / "run.toml"
    run_file.write_text(
        'mode = "btc_basis"\n[params]\nend = 2024-02-01\n'
        "hedge_allocation = {binance = 0.5, bybit = 0.5}\ncapital = 1000.0\n"
    )
    out = workdir / "toml"
    args = ["backtest", "--config", str(run_file), "--set", "capital=2000", "--out", str(out)]
    assert main(args) == 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["initial_equity"] == 2000.0
    assert summary["params"]["hedge_allocation"] == {"binance": 0.5, "bybit": 0.5}
    assert summary["end"].startswith("2024-02-01")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["backtest"], "carry backtest needs a mode"),
        (["backtest", "--config", "nowhere.toml"], "cannot read run file nowhere.toml"),
        (["backtest", "--config", "bad.toml"], "run file bad.toml is not valid"),
        (["backtest", "--config", "run.toml", "--mode", "eth_basis"], "contradicts run file"),
        (["compare", "run.toml", "run.toml"], "is not a results folder"),
        (["runs", "nowhere"], "results root nowhere is not a folder"),
        (["modes", "btc_carry"], "unknown mode 'btc_carry'"),
    ],
)
def test_bad_workflow_input_exits_2_with_one_message(
    workdir: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    (workdir / "run.toml").write_text('mode = "btc_basis"\n')
    (workdir / "bad.toml").write_text('mode = "btc_basis"\ncolour = 1\n')
    assert main(args) == 2
    err = capsys.readouterr().err
    assert message in err
    assert "fix:" in err


def test_runs_lists_and_compare_compares(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for extra in ("capital=1000", "rebalance=false"):
        assert (
            main(
                [
                    "backtest",
                    "--mode",
                    "btc_basis",
                    "--set",
                    "end=2024-02-01",
                    "--set",
                    extra,
                    "--quiet",
                ]
            )
            == 0
        )
    capsys.readouterr()
    assert main(["runs"]) == 0
    listing = capsys.readouterr().out.splitlines()
    assert listing[0].split()[:3] == ["written", "(UTC)", "mode"]
    assert len(listing) == 3
    assert all("btc_basis" in line for line in listing[1:])
    assert main(["runs", "--json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert {r["final_equity"] > 0 for r in rows} == {True}
    runs = sorted(str(p) for p in (workdir / "results").iterdir())
    page = workdir / "cmp.html"
    assert main(["compare", *runs, "--html", str(page)]) == 0
    table = capsys.readouterr().out
    assert "capital" in table
    assert "rebalance" in table
    assert "Sharpe" in table
    assert "chart-compare-equity" in page.read_text()
    assert main(["compare", *runs, "--html", str(page)]) == 0  # its own page: replaced
    foreign = workdir / "notes.html"
    foreign.write_text("mine")
    assert main(["compare", *runs, "--html", str(foreign)]) == 2
    assert foreign.read_text() == "mine"


def test_modes_describes_every_parameter(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["modes", "eth_leveraged"]) == 0
    out = capsys.readouterr().out
    for name in PARAMS_BY_STRATEGY["leveraged"].__struct_fields__:
        assert re.search(rf"^{name} +default ", out, re.M), name
    assert "default 100.0  float, > 0" in out  # the mode file's capital, in ETH
    assert "choice, weeth | wsteth" in out


def test_bash_completion_completes_commands_options_and_modes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["completion", "bash"]) == 0
    script = tmp_path / "carry.bash"
    script.write_text(capsys.readouterr().out)

    def complete(*words: str) -> list[str]:
        array = " ".join(f"'{w}'" for w in ("carry", *words))
        probe = (
            f"source {script}; COMP_WORDS=({array}); COMP_CWORD={len(words)}; _carry; "
            'printf "%s\\n" "${COMPREPLY[@]}"'
        )
        done = subprocess.run(["bash", "-c", probe], capture_output=True, text=True, check=True)
        return done.stdout.split()

    assert complete("back") == ["backtest"]
    assert complete("backtest", "--con") == ["--config"]
    assert complete("backtest", "--mode", "eth_lev") == ["eth_leveraged"]
    assert complete("data", "ch") == ["check"]
    assert complete("modes", "pure_lending_u") == ["pure_lending_usdt"]


def test_help_documents_the_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    for code in ("0    success", "1    the command completed but a check failed", "2    bad input"):
        assert code in out
