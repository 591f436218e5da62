"""Genesys Cloud CX API emulator: OAuth, Architect IVR configurations and BYOC telephony."""

from sandbox.emulators.genesys.emulator import GenesysEmulator
from sandbox.emulators.genesys.scenario import GenesysScenario

__all__ = ["GenesysEmulator", "GenesysScenario"]
