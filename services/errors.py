"""User-facing errors: one precise message that names the input and the fix."""

from __future__ import annotations


class CarryError(Exception):
    """An error caused by the user's input, reported without a traceback.

    Args:
        message: what is wrong, naming the input (file, series, parameter).
        fix: what the user can do about it.
    """

    exit_code = 2

    def __init__(self, message: str, fix: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.fix = fix

    def __str__(self) -> str:
        return f"{self.message}\n  fix: {self.fix}" if self.fix else self.message


class ConfigError(CarryError):
    """A run configuration, mode file or `--set` override is invalid."""


class DataError(CarryError):
    """A data folder or series cannot serve the requested run."""


class BrokerError(CarryError):
    """The message broker cannot be reached or refused an operation."""


class ChainError(CarryError):
    """The local chain, its packages or an RPC endpoint cannot serve the request."""


class InvariantError(RuntimeError):
    """A broken internal invariant: the service crashes instead of limping on."""


class OutputError(CarryError):
    """An output path (results folder, record file) cannot be written without risking
    something Carry did not write."""


def innermost(error: BaseException) -> BaseException:
    """The exception inside task-group wrappers that each carry exactly one."""
    while isinstance(error, BaseExceptionGroup) and len(error.exceptions) == 1:
        error = error.exceptions[0]
    return error
