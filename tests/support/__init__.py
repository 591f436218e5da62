"""Helpers shared by test packages: real servers and certificates the tests start and mint."""
