"""Carry services: the runtime, one package per actor, strategies and the CLI."""
