"""`byoc-sync policy …`: the routing policy's schema and validation."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from pydantic import BaseModel
from rich.console import Console

from cli.typer_app import App
from shared.bootstrap import trunk_secret
from shared.domain.policy import RoutingPolicy, load_policy, policy_json_schema
from shared.domain.trunk_derive import (
    TWILIO_SIGNALLING_RANGES,
    TWILIO_SIGNALLING_RANGES_AS_OF,
    byoc_domain_for,
)
from shared.domain.trunk_spec import sip_password_problem
from shared.domain.yaml_source import SourceError
from shared.settings import Settings
from shared.trunks.desired import built_groups, desired_group

app = App(help="Inspect and validate the routing policy.", no_args_is_help=True)


@app.command("schema")
def schema() -> None:
    """Print the policy's JSON Schema (point your editor's YAML plugin at it)."""
    typer.echo(json.dumps(policy_json_schema(), indent=2, sort_keys=True))


@app.command("check")
def check(
    file: Annotated[Path, typer.Argument(help="Policy YAML file to validate.")],
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable result.")] = False,
) -> None:
    """Validate a policy file. Exit 0 when valid, 1 with every problem and its line."""
    domain = _byoc_domain()
    try:
        policy = load_policy(file, domain)
    except SourceError as error:
        if as_json:
            problems = [
                {"location": p.location, "line": p.line, "column": p.column, "message": p.message}
                for p in error.problems
            ]
            typer.echo(json.dumps({"valid": False, "file": str(file), "problems": problems}))
        else:
            err = Console(stderr=True, highlight=False)
            # Never wrapped: a long path or message must stay one line an editor can jump to.
            err.print(f"[red]✗[/red] {file}: {len(error.problems)} problem(s)", soft_wrap=True)
            for problem in error.problems:
                err.print(f"  {problem}", markup=False, soft_wrap=True)
        raise typer.Exit(1) from error
    built = _derived(policy, domain)
    summary = {
        "valid": True,
        "file": str(file),
        "mode": policy.mode.value,
        "trunk_groups": [g.name for g in policy.trunk_groups],
        "routes": [r.name for r in policy.routes],
        "built": [view.model_dump() for view in built],
    }
    if as_json:
        typer.echo(json.dumps(summary))
        return
    typer.echo(
        f"✓ {file}: valid — mode {policy.mode.value}, "
        f"{len(policy.trunk_groups)} trunk group(s), {len(policy.routes)} route(s)"
    )
    for group in built:
        _print_derived(group)


def _byoc_domain() -> str:
    """The BYOC domain of the configured region (us-east-1's when the settings are unset or
    do not parse: checking a policy must not need a working configuration)."""
    try:
        settings = Settings()
    except ValueError:
        return byoc_domain_for("us-east-1")
    return byoc_domain_for(settings.genesyscloud_region, settings.genesyscloud_api_host)


class MemberView(BaseModel):
    trunk: str
    origination_url: str
    sip_servers: list[str]
    allow_list: str | list[str]


class BuiltGroupView(BaseModel):
    group: str
    byoc_domain: str
    twilio_trunk: str
    credential_list: str
    password_setting: str
    password: str  # "(secret set)" or "(not set)", never the value
    members: list[MemberView]


def _derived(policy: RoutingPolicy, domain: str) -> list[BuiltGroupView]:
    """What byoc-sync will build for each group it builds, with what it derived."""
    groups = []
    for group, build in built_groups(policy):
        desired = desired_group(group, build)
        members = [
            MemberView(
                trunk=base.name,
                origination_url=url.sip_url,
                sip_servers=list(base.sip_servers),
                allow_list=(
                    f"Twilio signalling ranges as of {TWILIO_SIGNALLING_RANGES_AS_OF}"
                    if base.allow_list == TWILIO_SIGNALLING_RANGES
                    else list(base.allow_list)
                ),
            )
            for base, url in zip(desired.trunk_bases, desired.origination_urls, strict=True)
        ]
        setting = desired.password_setting
        groups.append(
            BuiltGroupView(
                group=group.name,
                byoc_domain=build.byoc_domain or domain,
                twilio_trunk=desired.trunk,
                credential_list=desired.credential_list,
                password_setting=setting,
                password=_password_state(setting),
                members=members,
            )
        )
    return groups


def _password_state(setting: str) -> str:
    """Whether the setting holds a password Twilio would take, never the password."""
    value = trunk_secret(setting)
    if value is None:
        return "(not set)"
    problem = sip_password_problem(value.get_secret_value())
    return f"(secret set; Twilio refuses it: {problem})" if problem else "(secret set)"


def _line(label: str, value: str, indent: int = 6, width: int = 80) -> None:
    """`label value` on one line, or the value under the label when that passes 80 columns
    (a URL is never cut)."""
    text = f"{' ' * indent}{label:<16}{value}"
    if len(text) <= width:
        typer.echo(text)
    else:
        typer.echo(f"{' ' * indent}{label}")
        typer.echo(f"{' ' * (indent + 2)}{value}")


def _print_derived(group: BuiltGroupView) -> None:
    typer.echo(f"  built by byoc-sync: {group.group} (BYOC domain {group.byoc_domain})")
    _line("Twilio trunk", group.twilio_trunk, 4)
    _line("credential list", group.credential_list, 4)
    _line("password", f"{group.password_setting} {group.password}", 4)
    for member in group.members:
        typer.echo(f"    {member.trunk}:")
        _line("origination URL", member.origination_url)
        _line("SIP servers", ", ".join(member.sip_servers))
        allow = member.allow_list
        shown = allow if isinstance(allow, str) else ", ".join(allow) or "(the SIP servers)"
        _line("allow-list", shown)
