"""Commands: the versioned messages HTTP functions and timers queue for the worker.

Every command is idempotent and carries an id that becomes the Service Bus `message_id`,
so a redelivered webhook or a retried send is dropped by duplicate detection instead of
running twice. Commands about one thing (a number, a trunk group) share a `session_id`,
so Service Bus hands them to one worker in order. The envelope is versioned: a worker
refuses (dead-letters) a version it does not know rather than guessing its meaning.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared.domain.e164 import E164
from shared.domain.journal import CommandOrigin, Trigger

SCHEMA_VERSION: Literal[1] = 1


class PurchaseRequest(BaseModel):
    """What to buy and where it goes; exactly one way of choosing the number."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    route: str = Field(min_length=1, description="Route in the policy the number is for.")
    phone_number: E164 | None = Field(None, description="Buy exactly this number.")
    area_code: str | None = Field(None, pattern=r"^[2-9]\d{2}$")
    contains: str | None = Field(
        None, min_length=2, max_length=16, description="Twilio pattern: digits, letters, *."
    )
    country: str = Field("US", pattern=r"^[A-Z]{2}$")
    kind: Literal["local", "toll-free"] = "local"
    friendly_name: str | None = Field(None, max_length=64)

    @model_validator(mode="after")
    def _one_way_to_choose(self) -> PurchaseRequest:
        if self.phone_number is None and self.area_code is None and self.contains is None:
            raise ValueError("give an exact number, or an area code and/or a pattern")
        if self.phone_number is not None and (self.area_code or self.contains):
            raise ValueError("an exact number cannot be combined with an area code or pattern")
        return self


class _Command(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class PurchaseNumber(_Command):
    type: Literal["purchase_number"] = "purchase_number"
    request: PurchaseRequest


class ReleaseNumber(_Command):
    type: Literal["release_number"] = "release_number"
    phone_number: E164


class ReconcileNumbers(_Command):
    """Bring some numbers in line with the policy; nothing named means every number.

    A Genesys event names an IVR configuration or a DID pool, not numbers: which numbers
    those hold is only known once the worker reads the estate, so the ids travel as they
    are and the worker turns them into numbers (`shared/reconcile/scope.py`). The scope is
    the union of everything named.
    """

    type: Literal["reconcile"] = "reconcile"
    phone_numbers: tuple[E164, ...] = ()
    genesys_ivr_id: str | None = Field(
        None,
        description="An IVR configuration whose numbers (DNIS, and routed to it) to reconcile.",
    )
    genesys_ivr_name: str | None = Field(
        None,
        description="That IVR's name, for when it is gone: the numbers the policy routes to it.",
    )
    genesys_did_pool_id: str | None = Field(
        None, description="A DID pool: the numbers within its range."
    )
    reason: str = ""

    @property
    def every_number(self) -> bool:
        return not (self.phone_numbers or self.genesys_ivr_id or self.genesys_did_pool_id)

    @property
    def numbers_only(self) -> bool:
        """Named numbers and nothing else: what those numbers need can be read alone."""
        return bool(self.phone_numbers) and not (self.genesys_ivr_id or self.genesys_did_pool_id)


class EvaluateTrunkGroup(_Command):
    """Re-assess a trunk group's health (a trunk event or an origination error arrived)."""

    type: Literal["evaluate_trunk_group"] = "evaluate_trunk_group"
    trunk_group: str | None = None
    genesys_trunk_id: str | None = None
    twilio_trunk_sid: str | None = None
    reason: str = ""


AnyCommand = PurchaseNumber | ReleaseNumber | ReconcileNumbers | EvaluateTrunkGroup
Command = Annotated[AnyCommand, Field(discriminator="type")]


class CommandEnvelope(BaseModel):
    """What travels on the queue: one command plus what delivery and tracing need."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    schema_version: Literal[1] = SCHEMA_VERSION
    command_id: str = Field(min_length=1, max_length=128)  # -> Service Bus message_id
    correlation_id: str = Field(min_length=1, max_length=128)
    issued_at: datetime
    command: Command
    # Who set the command going, for the journal. Optional so that messages queued by an
    # earlier version still parse (schema version 1); those are journaled by `origin`'s guess.
    trigger: Trigger | None = None

    @property
    def session_id(self) -> str:
        """Commands about the same thing run in order, one at a time."""
        command = self.command
        if isinstance(command, ReleaseNumber):
            return command.phone_number
        if isinstance(command, PurchaseNumber):
            request = command.request
            return request.phone_number or f"purchase:{request.route}"
        if isinstance(command, ReconcileNumbers):
            numbers = command.phone_numbers
            one_number = len(numbers) == 1 and not (
                command.genesys_ivr_id or command.genesys_did_pool_id
            )
            return numbers[0] if one_number else "reconcile"
        return (
            f"trunk-group:{command.trunk_group}"
            if command.trunk_group
            else f"trunk:{command.genesys_trunk_id or command.twilio_trunk_sid or 'unknown'}"
        )

    @property
    def origin(self) -> CommandOrigin:
        """What every journal entry of this command repeats."""
        return CommandOrigin(
            command_id=self.command_id,
            command_type=self.command.type,
            correlation_id=self.correlation_id,
            trigger=self.trigger or _guessed_trigger(self.command),
        )

    @property
    def phone_numbers(self) -> tuple[str, ...]:
        """The numbers the command names (none for a reconcile of everything)."""
        command = self.command
        if isinstance(command, ReleaseNumber):
            return (command.phone_number,)
        if isinstance(command, PurchaseNumber):
            number = command.request.phone_number
            return (number,) if number else ()
        if isinstance(command, ReconcileNumbers):
            return command.phone_numbers
        return ()

    @property
    def trunk_group(self) -> str | None:
        command = self.command
        return command.trunk_group if isinstance(command, EvaluateTrunkGroup) else None

    def to_message_body(self) -> str:
        return self.model_dump_json()

    @classmethod
    def from_message_body(cls, body: str | bytes) -> CommandEnvelope:
        """Parse a queued message; raises pydantic.ValidationError for anything unknown."""
        return cls.model_validate_json(body)


def _guessed_trigger(command: AnyCommand) -> Trigger:
    """For a message queued before envelopes carried their trigger: purchases and releases
    came only from the API; the rest is most often an event."""
    return Trigger.API if isinstance(command, PurchaseNumber | ReleaseNumber) else Trigger.EVENT


def envelope(
    command: AnyCommand,
    *,
    correlation_id: str,
    trigger: Trigger | None = None,
    idempotency_key: str | None = None,
    now: datetime | None = None,
) -> CommandEnvelope:
    """Wrap a command. `idempotency_key` (a webhook's own delivery id, say) makes the
    command id deterministic, so the same event queued twice is one message; without it
    every call is a new command (two API requests to buy a number buy two numbers).
    `trigger` says who set it going (the journal shows it); every caller in the product
    names it."""
    if idempotency_key:
        seed = f"{command.type}:{idempotency_key}".encode()
        command_id = hashlib.sha256(seed).hexdigest()[:40]
    else:
        command_id = uuid.uuid4().hex
    return CommandEnvelope(
        command_id=command_id,
        correlation_id=correlation_id,
        issued_at=now or datetime.now(UTC),
        command=command,
        trigger=trigger,
    )
