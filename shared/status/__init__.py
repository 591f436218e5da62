"""The status page: what an operator glances at, read from the health state and the journal."""
