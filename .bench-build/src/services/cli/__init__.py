"""The `carry` command line."""
