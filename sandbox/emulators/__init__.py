"""Stateful Twilio and Genesys Cloud API emulators that the official SDKs talk to over HTTP."""
