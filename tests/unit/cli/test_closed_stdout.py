"""A reader that closes stdout early (`carry modes | head -1`) ends Carry quietly."""

from __future__ import annotations

import subprocess
import sys


def test_a_closed_pipe_ends_carry_without_a_traceback() -> None:
    cmd = [sys.executable, "-m", "services.cli.main", "modes"]
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as carry:
        assert carry.stdout is not None
        assert carry.stderr is not None
        carry.stdout.close()  # the reader is gone before Carry has imported anything
        err = carry.stderr.read().decode()
        code = carry.wait(timeout=60)
    assert "Traceback" not in err, err
    assert code == 141  # the shell's code for a writer ended by a closed pipe
