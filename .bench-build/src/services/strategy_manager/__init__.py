"""Strategy manager: turns exposure and risk into orders, one at a time."""
