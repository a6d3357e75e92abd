"""The `carry` subcommands: one module each, with `add(sub, common)` and a handler.

`add` registers the command's parser and sets `handler` (taking the parsed arguments,
returning the exit code). Commands only parse and call the launcher or a library.
"""
