"""Launching runs: publish `RunStarted`, host the local actors, wait for the end."""
