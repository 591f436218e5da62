"""The telemetry contract (infra/telemetry-contract.json) and a reader of the KQL that uses it.

The alert rules and the workbook query Application Insights `customMetrics` by instrument
name, read attributes out of `customDimensions` and compare them with literal values. A
query that names a metric the app does not emit, or an attribute or value it never sets,
is valid KQL that silently finds nothing: an alert that can never fire. `problems()` reads
a query the way these queries are written and lists every such name.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from tests.infra.bicep import INFRA

CONTRACT_FILE = INFRA / "telemetry-contract.json"

_METRIC = re.compile(r'"(byoc\.[A-Za-z0-9_.]+)"')
_ATTRIBUTE = re.compile(r"customDimensions(?:\.|\[\s*\")([A-Za-z_][A-Za-z0-9_]*)")
_ALIAS = re.compile(r"\b([A-Za-z_]\w*)\s*=\s*tostring\(\s*customDimensions\.([A-Za-z_]\w*)\s*\)")
_EQUALS = re.compile(r"\b([A-Za-z_]\w*)\s*(?:==|!=|=~)\s*\"([^\"]*)\"")
_IN = re.compile(r"\b([A-Za-z_]\w*)\s+!?in\s*\(([^)]*)\)")


@dataclass(frozen=True)
class Contract:
    metrics: dict[str, list[str]]  # instrument -> attributes
    kinds: dict[str, str]  # instrument -> counter | histogram
    values: dict[str, dict[str, list[str]]]  # instrument -> attribute -> known values

    def attributes_of(self, metrics: set[str]) -> set[str]:
        return {attribute for metric in metrics for attribute in self.metrics.get(metric, [])}

    def values_of(self, metrics: set[str], attribute: str) -> set[str] | None:
        """Values the contract lists for `attribute` of these metrics; None: not enumerated."""
        listed = [self.values.get(m, {}).get(attribute) for m in metrics]
        known = [set(values) for values in listed if values is not None]
        return set().union(*known) if known else None


def load_contract() -> Contract:
    raw: dict[str, Any] = json.loads(CONTRACT_FILE.read_text())
    return Contract(metrics=raw["metrics"], kinds=raw["kinds"], values=raw["values"])


def metrics_named(query: str) -> set[str]:
    return set(_METRIC.findall(query))


def problems(query: str, contract: Contract) -> list[str]:
    """Every name in `query` the contract does not hold; empty when the query fits it."""
    found: list[str] = []
    metrics = metrics_named(query)
    for metric in sorted(metrics - set(contract.metrics)):
        found.append(f"metric {metric} is not in the contract")
    if "customMetrics" in query and not metrics:
        found.append("reads customMetrics without naming a metric of the contract")
    attributes = contract.attributes_of(metrics)
    for attribute in sorted(set(_ATTRIBUTE.findall(query)) - attributes):
        found.append(f"attribute {attribute} belongs to none of {sorted(metrics)}")
    for alias, attribute in _ALIAS.findall(query):
        if alias != attribute:
            found.append(f"customDimensions.{attribute} is read as {alias}: keep its name")
    compared = [(name, [value]) for name, value in _EQUALS.findall(query)]
    compared += [(name, re.findall(r'"([^"]*)"', listed)) for name, listed in _IN.findall(query)]
    for name, values in compared:
        if name == "name":
            continue  # metric names: checked above
        if name not in attributes:
            continue  # a column of the table itself (resultCode, success, ...)
        known = contract.values_of(metrics, name)
        if known is None:
            continue  # free text, such as a reason or a trunk group's name
        for value in values:
            if value not in known:
                found.append(f'{name} == "{value}": the contract lists {sorted(known)}')
    return found
