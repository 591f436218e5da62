"""Trunk-group health: probes, decisions, state, actions."""
