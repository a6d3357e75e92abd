"""Recorder: collects a run's results (equity, positions, trades, risk) from the topics."""
