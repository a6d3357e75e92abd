"""Run configuration: mode files, strategy parameters, venue tables, the resolved run."""
