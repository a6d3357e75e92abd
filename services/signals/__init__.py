"""Signal files for the directional modes: reading and checking them, and `carry signals
make` (a moving-average cross: a transparent rule, not a model)."""
