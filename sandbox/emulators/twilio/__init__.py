"""Twilio API emulator: Api v2010 numbers/SIP lists and Trunking v1, for the official SDK."""

from sandbox.emulators.twilio.emulator import TwilioEmulator
from sandbox.emulators.twilio.scenario import TwilioScenario

__all__ = ["TwilioEmulator", "TwilioScenario"]
