"""The embedded default: stateful Twilio and Genesys Cloud emulators on loopback."""
