"""The preflight audit: the BYOC guides' checklists and traps as read-only checks."""
