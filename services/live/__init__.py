"""What only live runs need: reconciliation, retries, trading switches and limits, the
venues file and its secrets. Venue-agnostic: venue specifics live in `services.adapters`."""
