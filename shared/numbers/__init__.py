"""Buying and releasing one number: checks before queuing, the steps after, reservations."""
