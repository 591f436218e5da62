"""Twilio API emulator: Api v2010 numbers/SIP lists, Trunking v1 and Monitor v1 events, for
the official SDK."""

from sandbox.emulators.twilio.emulator import TwilioEmulator
from sandbox.emulators.twilio.scenario import TwilioScenario

__all__ = ["TwilioEmulator", "TwilioScenario"]
