"""A sandbox scenario: the seed state and fault settings of both emulators in one YAML file."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from sandbox.emulators.genesys import GenesysScenario
from sandbox.emulators.twilio import TwilioScenario
from shared.domain.yaml_source import load_model_file

SCENARIO_DIR = Path(__file__).parent / "scenarios"
DEFAULT_SCENARIO = SCENARIO_DIR / "default.yaml"


class Scenario(BaseModel):
    model_config = ConfigDict(extra="forbid")

    description: str = ""
    twilio: TwilioScenario = Field(default_factory=TwilioScenario)
    genesys: GenesysScenario = Field(default_factory=GenesysScenario)


def resolve_scenario_path(name_or_path: str | Path) -> Path:
    """A file path, or the name of a bundled scenario (`default` → scenarios/default.yaml)."""
    candidate = Path(name_or_path)
    if candidate.exists():
        return candidate
    bundled = SCENARIO_DIR / f"{name_or_path}.yaml"
    if bundled.exists():
        return bundled
    known = ", ".join(sorted(p.stem for p in SCENARIO_DIR.glob("*.yaml")))
    raise FileNotFoundError(
        f"no scenario file or bundled scenario {name_or_path!r} (bundled: {known})"
    )


def load_scenario(name_or_path: str | Path = DEFAULT_SCENARIO) -> Scenario:
    return load_model_file(Scenario, resolve_scenario_path(name_or_path))
