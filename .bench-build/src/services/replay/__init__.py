"""Record and replay: a run's events in a file or on Kafka, and the monitors rebuilt from them.

A record is the run's topics. Replay feeds the recorded control, clock, market,
trigger and order events (no strategy, no venue simulation) to the position, exposure,
risk and P&L monitors and the recorder, checks that the snapshots, exposure, risk and
P&L they rebuild equal the recorded ones, and writes the same results folder.
"""
