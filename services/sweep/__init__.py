"""Parameter sweeps: many configurations of one mode, data loaded once, one row per run."""
