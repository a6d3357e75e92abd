"""Risk monitor: CEX margin per venue and delta drift, with the actions they require."""
