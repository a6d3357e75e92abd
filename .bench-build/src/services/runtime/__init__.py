"""The runtime: actors, hosts, buses, the step clock, the step barrier, logging."""
