"""Genesys Cloud CX API emulator: OAuth, Architect IVR configurations and BYOC telephony."""

from sandbox.genesys.emulator import GenesysEmulator
from sandbox.genesys.scenario import GenesysScenario

__all__ = ["GenesysEmulator", "GenesysScenario"]
