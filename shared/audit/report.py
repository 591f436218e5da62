"""What an audit finds, and what its exit code says.

Every finding names its rule, how bad it is, the objects it concerns and one sentence of
remediation, so a report can go to whoever owns the fix without a second lookup.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class Severity(StrEnum):
    ERROR = "error"  # calls fail or go the wrong way now, or will at the next change
    WARNING = "warning"  # works today, but a trap the guides warn about


class Finding(BaseModel):
    model_config = ConfigDict(frozen=True)

    rule: str = Field(description="Rule id, e.g. tls-chain.")
    severity: Severity
    objects: tuple[str, ...] = Field(description="What the finding concerns (numbers, trunks…).")
    message: str
    remediation: str


class RuleRun(BaseModel):
    """One rule's run: what it checks, and why it could not run when it could not."""

    model_config = ConfigDict(frozen=True)

    rule: str
    title: str
    findings: int = 0
    error: str | None = None


class AuditReport(BaseModel):
    model_config = ConfigDict(frozen=True)

    rules: tuple[RuleRun, ...]
    findings: tuple[Finding, ...]

    @property
    def could_not_run(self) -> list[RuleRun]:
        return [rule for rule in self.rules if rule.error is not None]

    def exit_code(self) -> int:
        """0 clean, 2 warnings or errors found, 1 the audit (or a rule of it) could not run."""
        if self.could_not_run:
            return 1
        return 2 if self.findings else 0

    def count(self, severity: Severity) -> int:
        return sum(1 for finding in self.findings if finding.severity is severity)
