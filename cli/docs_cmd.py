"""`byoc-sync docs …` (hidden): regenerate what the documentation derives from the code.

Whatever can drift from the code is generated from it, never typed by hand:
- `schemas/*.schema.json`: JSON Schemas of the routing policy, of the HTTP API's bodies and
  of the message on the command queue, exported from the pydantic models;
- the tables between `<!-- generated: NAME -->` and `<!-- end -->` in `docs/`: every setting
  (`Settings`), every policy key (the policy's JSON Schema), every field of the
  `POST /api/numbers` body (`PurchaseRequest`), every audit rule (`RULES`) and every
  metric (`shared.telemetry.contract.METRICS`);
- `infra/telemetry-contract.json`: the metric names and attribute keys Azure alerts and
  the workbook are written against, from the same contract.

`byoc-sync docs generate` rewrites them all; `byoc-sync docs check` exits 1 naming the stale
ones. `tests/unit/test_docs.py` fails the same way, so a changed model, setting or rule
cannot leave its documentation behind.
"""

from __future__ import annotations

import json
import re
import types
import typing
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Annotated, Any, Literal

import typer
from pydantic import BaseModel, ConfigDict, Field, SecretStr

from cli.runtime import err
from cli.typer_app import App
from shared.audit.rules import RULES
from shared.domain.commands import CommandEnvelope, PurchaseRequest
from shared.domain.policy import policy_json_schema
from shared.reconcile.inventory import NumberRow
from shared.settings import Settings
from shared.telemetry.contract import METRICS, contract_document

REGENERATE = "byoc-sync docs generate"
JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
Schema = dict[str, Any]


class DocsError(ValueError):
    """A document that holds a generated table is missing, or lacks the table's block (or
    holds it twice)."""


# ------------------------------------------------------------------ HTTP answer bodies
# The functions build these answers as dicts; the models below describe them for the
# schemas, and tests/unit/test_docs.py holds them to what the functions really answer.
class NumberStatusBody(BaseModel):
    """The answer to `GET /api/numbers/{e164}` (200): the number's row, as `numbers list`
    shows it."""

    model_config = ConfigDict(extra="forbid")

    number: NumberRow
    correlation_id: str = Field(description="The request's correlation id (X-Correlation-Id).")


class AcceptedBody(BaseModel):
    """The answer to `POST /api/numbers` and `DELETE /api/numbers/{e164}` (202): the command
    is queued; `operation_url` (also the `Location` header) answers how it is going,
    `status_url` shows the number's state."""

    model_config = ConfigDict(extra="forbid")

    command_id: str = Field(description="Id of the queued command (the Service Bus message id).")
    phone_number: str = Field(description="The number, E.164: for a purchase, the one held.")
    status_url: str = Field(description="GET this URL to see the number (both vendors).")
    operation_url: str = Field(
        description="GET this URL (the `Location` header) until the command finished."
    )
    plan: list[str] = Field(
        default_factory=list, description="Purchases only: the steps the worker will take."
    )
    correlation_id: str = Field(description="The request's correlation id (X-Correlation-Id).")


class OperationBody(BaseModel):
    """The answer to `GET /api/operations/{command_id}` (200), from the journal alone; while
    the command is queued or running it carries `Retry-After`."""

    model_config = ConfigDict(extra="forbid")

    command_id: str = Field(description="The command's id.")
    type: str = Field(description="The command's type: purchase_number, release_number, …")
    status: Literal["queued", "running", "succeeded", "failed", "dead_lettered"] = Field(
        description="queued (not picked up yet), running, or how it ended."
    )
    reason: str = Field(description="Why it failed (failed, dead_lettered); empty otherwise.")
    steps: list[str] = Field(description="The steps done, one line each.")
    phone_numbers: list[str] = Field(description="The numbers the command concerns, E.164.")
    accepted_at: str | None = Field(description="When it was queued (ISO 8601, UTC).")
    updated_at: str = Field(description="When its status last changed (ISO 8601, UTC).")
    delivery: int | None = Field(description="Service Bus delivery count of the last attempt.")
    number_urls: list[str] = Field(
        description="Once succeeded: the `GET /api/numbers/{e164}` view of each number."
    )
    correlation_id: str = Field(description="The request's correlation id (X-Correlation-Id).")


class ErrorBody(BaseModel):
    """Every refusal (4xx) and failure (502, 503) of the numbers API and the event webhooks;
    nothing was queued."""

    model_config = ConfigDict(extra="forbid")

    error: str = Field(description="Why, in one sentence.")
    correlation_id: str = Field(description="The request's correlation id (X-Correlation-Id).")


# ------------------------------------------------------------------ schemas/
def _stamped(schema: Schema, title: str) -> Schema:
    return {**schema, "$schema": JSON_SCHEMA_DIALECT, "title": title}


def schemas() -> dict[str, Schema]:
    """Every file of `schemas/`, by name."""
    return {
        "policy.schema.json": policy_json_schema(),
        "purchase-request.schema.json": _stamped(
            PurchaseRequest.model_json_schema(), "byoc-sync POST /api/numbers request body"
        ),
        "command-envelope.schema.json": _stamped(
            CommandEnvelope.model_json_schema(),
            "byoc-sync command: the body of a message on the command queue",
        ),
        "number-status.schema.json": _stamped(
            NumberStatusBody.model_json_schema(mode="serialization"),
            "byoc-sync GET /api/numbers/{e164} response body (200)",
        ),
        "accepted.schema.json": _stamped(
            AcceptedBody.model_json_schema(mode="serialization"),
            "byoc-sync POST /api/numbers and DELETE /api/numbers/{e164} response body (202)",
        ),
        "operation.schema.json": _stamped(
            OperationBody.model_json_schema(mode="serialization"),
            "byoc-sync GET /api/operations/{command_id} response body (200)",
        ),
        "error.schema.json": _stamped(
            ErrorBody.model_json_schema(mode="serialization"),
            "byoc-sync numbers API and event webhook error response body (4xx, 502, 503)",
        ),
    }


def schema_text(schema: Schema) -> str:
    """The file's text, formatted as `byoc-sync policy schema` prints it."""
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"


# ------------------------------------------------------------------ tables
def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _code(value: object) -> str:
    return f"`{value}`"


def _first_paragraph(text: str | None) -> str:
    return (text or "").strip().split("\n\n")[0]


def _constraints(schema: Schema) -> list[str]:
    """What a JSON Schema node accepts beyond its type, in words."""
    found: list[str] = []
    for key, word in (
        ("exclusiveMinimum", ">"),
        ("minimum", "≥"),
        ("exclusiveMaximum", "<"),
        ("maximum", "≤"),
    ):
        if key in schema:
            found.append(f"{word} {schema[key]}")
    low, high = schema.get("minLength"), schema.get("maxLength")
    if low == 1 and high is None:
        found.append("non-empty")
    elif low is not None and high is not None:
        found.append(f"{low} to {high} characters")
    elif high is not None:
        found.append(f"at most {high} characters")
    elif low is not None:
        found.append(f"at least {low} characters")
    if "minItems" in schema:
        found.append(f"at least {schema['minItems']}")
    if "pattern" in schema:
        found.append(f"pattern {_code(schema['pattern'])}")
    return found


def _not_null(schema: Schema) -> Schema:
    """The non-null branch of an optional field (`X | None` is `anyOf: [X, null]`)."""
    branches = [b for b in schema.get("anyOf", ()) if b.get("type") != "null"]
    return {**schema, **branches[0]} if len(branches) == 1 else schema


_SETTING_TYPES: dict[Any, str] = {
    SecretStr: "secret",
    str: "string",
    Path: "path",
    float: "number",
    int: "integer",
    bool: "boolean",
}


def _setting_type(annotation: Any) -> str:
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        annotation = next(a for a in typing.get_args(annotation) if a is not type(None))
    return _SETTING_TYPES.get(annotation, getattr(annotation, "__name__", str(annotation)))


def _setting_default(value: object) -> str:
    if value is None:
        return "unset"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return _code(value)


def settings_table() -> str:
    """Every field of `Settings`: its variable, default, what it accepts and its description."""
    properties = Settings.model_json_schema()["properties"]
    lines = ["| variable | default | accepts | meaning |", "| --- | --- | --- | --- |"]
    for name, field in Settings.model_fields.items():
        kind = _setting_type(field.annotation)
        accepts = ", ".join([kind, *_constraints(_not_null(properties[name]))])
        meaning = field.description or ""
        if kind == "secret":
            meaning += " Never printed, logged or dumped."
        default = _setting_default(field.default)
        lines.append(f"| {_code(name.upper())} | {default} | {_cell(accepts)} | {_cell(meaning)} |")
    return "\n".join(lines)


def audit_rules_table() -> str:
    """Every rule of `RULES`, in the order the audit runs them."""
    lines = ["| # | rule | checks |", "| ---: | --- | --- |"]
    for number, rule in enumerate(RULES, 1):
        lines.append(f"| {number} | [{_code(rule.id)}](#{rule.id}) | {_cell(rule.title)} |")
    return "\n".join(lines)


def _schema_type(schema: Schema, defs: Schema) -> tuple[str, Schema]:
    """A node's type in words, and the node with any `$ref` followed."""
    schema = _not_null(schema)
    if "$ref" in schema:
        target = defs[schema["$ref"].rsplit("/", 1)[1]]
        schema = {**target, **{k: v for k, v in schema.items() if k != "$ref"}}
    if "const" in schema:
        return _code(schema["const"]), schema
    if "enum" in schema:
        return " | ".join(_code(value) for value in schema["enum"]), schema
    if schema.get("type") == "array":
        item_type, _ = _schema_type(schema["items"], defs)
        plain = item_type in ("string", "integer", "number", "boolean", "object")
        return f"list of {item_type}s" if plain else f"list of {item_type}", schema
    return str(schema.get("type", "any")), schema


def _schema_rows(node: Schema, defs: Schema, prefix: str) -> Iterable[str]:
    required = set(node.get("required", ()))
    for key, prop in node["properties"].items():
        path = f"{prefix}{key}"
        kind, resolved = _schema_type(prop, defs)
        item = resolved.get("items", {})
        if "$ref" in item:
            _, item = _schema_type(item, defs)
        nested = resolved if "properties" in resolved else item if "properties" in item else None
        accepts = ", ".join([kind, *_constraints(resolved), *_constraints(item)])
        if key in required:
            default = "required"
        elif "default" in prop:
            value = prop["default"]
            default = _code(value if isinstance(value, str) and value else json.dumps(value))
        else:
            default = "optional"
        meaning = prop.get("description") or _first_paragraph(
            resolved.get("description") or item.get("description")
        )
        yield f"| {_code(path)} | {_cell(accepts)} | {_cell(default)} | {_cell(meaning)} |"
        if nested is not None:
            below = f"{path}[]." if resolved.get("type") == "array" else f"{path}."
            yield from _schema_rows(nested, defs, below)


def _schema_table(schema: Schema) -> str:
    lines = ["| key | accepts | default | meaning |", "| --- | --- | --- | --- |"]
    lines += _schema_rows(schema, schema.get("$defs", {}), "")
    return "\n".join(lines)


def policy_table() -> str:
    """Every key of the routing policy, from its JSON Schema (what `policy check` enforces)."""
    return _schema_table(policy_json_schema())


def purchase_request_table() -> str:
    """Every field of the `POST /api/numbers` body, from `PurchaseRequest`."""
    return _schema_table(PurchaseRequest.model_json_schema())


def metrics_table() -> str:
    """Every metric of the telemetry contract: instrument, unit, attributes and meaning."""
    lines = [
        "| metric | instrument | unit | attributes | counts |",
        "| --- | --- | --- | --- | --- |",
    ]
    for spec in METRICS:
        attributes = "; ".join(
            _code(key) + (f" ({', '.join(spec.values[key])})" if key in spec.values else "")
            for key in spec.attributes
        )
        lines.append(
            f"| {_code(spec.name)} | {spec.instrument} | {_code(spec.unit)} | "
            f"{attributes or 'none'} | {_cell(spec.description)} |"
        )
    return "\n".join(lines)


TABLES: dict[str, Callable[[], str]] = {
    "settings": settings_table,
    "policy": policy_table,
    "purchase-request": purchase_request_table,
    "audit-rules": audit_rules_table,
    "metrics": metrics_table,
}
# Which document holds which generated table.
DOC_TABLES: dict[str, tuple[str, ...]] = {
    "docs/configuration.md": ("settings",),
    "docs/policy.md": ("policy",),
    "docs/audit.md": ("audit-rules",),
    "docs/api.md": ("purchase-request",),
    "docs/telemetry.md": ("metrics",),
}
TELEMETRY_CONTRACT = "infra/telemetry-contract.json"


def telemetry_contract_text() -> str:
    """`infra/telemetry-contract.json`: metric name -> attribute keys."""
    return json.dumps(contract_document(), indent=2) + "\n"


def _block(name: str) -> re.Pattern[str]:
    return re.compile(rf"(<!-- generated: {re.escape(name)} -->\n)(.*?)(<!-- end -->)", re.DOTALL)


def fill_tables(path: str, text: str, names: Iterable[str]) -> str:
    """`text` with each named block holding its freshly generated table."""
    for name in names:
        found = list(_block(name).finditer(text))
        if len(found) != 1:
            raise DocsError(
                f"{path}: expected one `<!-- generated: {name} -->` … `<!-- end -->` block, "
                f"found {len(found)}"
            )
        table = found[0].span(2)
        text = f"{text[: table[0]]}{TABLES[name]()}\n{text[table[1] :]}"
    return text


# ------------------------------------------------------------------ the artefacts
def artefacts(root: Path) -> dict[str, str]:
    """Every generated file, by path relative to `root`, with the text it must have."""
    wanted = {f"schemas/{name}": schema_text(schema) for name, schema in schemas().items()}
    wanted[TELEMETRY_CONTRACT] = telemetry_contract_text()
    for path, names in DOC_TABLES.items():
        if not (root / path).is_file():
            raise DocsError(f"{path} is missing: it holds the generated {', '.join(names)} table")
        wanted[path] = fill_tables(path, (root / path).read_text(encoding="utf-8"), names)
    return wanted


def stale(root: Path) -> list[str]:
    """The generated files that are missing or differ from what the code generates now."""
    return [
        path
        for path, text in artefacts(root).items()
        if not (root / path).is_file() or (root / path).read_text(encoding="utf-8") != text
    ]


def write(root: Path) -> list[str]:
    """Regenerate every artefact under `root`; the paths that changed."""
    changed = []
    for path, text in artefacts(root).items():
        target = root / path
        if not target.is_file() or target.read_text(encoding="utf-8") != text:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
            changed.append(path)
    return changed


# ------------------------------------------------------------------ the commands
app = App(
    help="Regenerate the schemas and the documentation tables derived from the code.",
    no_args_is_help=True,
)
RootOption = Annotated[
    Path,
    typer.Option("--root", help="Repository root (holds docs/ and schemas/).", file_okay=False),
]


def _checked_root(root: Path) -> Path:
    if not (root / "docs").is_dir():
        err.print(f"[red]error:[/red] {root.resolve()} has no docs/: run from the repository root")
        raise typer.Exit(1)
    return root


@app.command("generate")
def generate(root: RootOption = Path()) -> None:
    """Write schemas/*.schema.json and the generated tables in docs/."""
    try:
        changed = write(_checked_root(root))
    except DocsError as error:
        err.print(f"[red]error:[/red] {error}", soft_wrap=True)
        raise typer.Exit(1) from error
    for path in changed:
        typer.echo(f"wrote {path}")
    if not changed:
        typer.echo("everything generated is up to date")


@app.command("check")
def check(root: RootOption = Path()) -> None:
    """Exit 1 naming every generated file the code disagrees with."""
    try:
        outdated = stale(_checked_root(root))
    except DocsError as error:
        err.print(f"[red]error:[/red] {error}", soft_wrap=True)
        raise typer.Exit(1) from error
    for path in outdated:
        err.print(f"stale: {path}")
    if outdated:
        err.print(f"run: {REGENERATE}")
        raise typer.Exit(1)
    typer.echo("everything generated is up to date")
