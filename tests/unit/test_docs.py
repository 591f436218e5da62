"""The documentation tells the truth about the code.

Generated parts (schemas/, the tables in docs/) must equal what the code generates now; the
HTTP functions must answer what their schemas say; README stays short; links resolve; every
`byoc-sync` command, option and `make` target the docs name exists; nothing refers to
documents outside the repository.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import azure.functions as func
import jsonschema  # type: ignore[import-untyped]
import pytest
import typer.main
from typer.testing import CliRunner

import function_app
import functions.numbers
import shared.numbers.requests
from cli.docs_cmd import DOC_TABLES, REGENERATE, DocsError, artefacts, fill_tables, schemas
from cli.main import app
from sandbox.azure.functions_host.index import app_functions
from sandbox.azure.memory_journal import MemoryJournal
from shared import bootstrap
from shared.audit.rules import RULES
from shared.domain.commands import (
    EvaluateTrunkGroup,
    PurchaseNumber,
    PurchaseRequest,
    ReconcileNumbers,
    ReleaseNumber,
    envelope,
)
from shared.domain.journal import CommandOrigin, CommandStatus, Trigger, command_entry
from shared.numbers.requests import Accepted
from shared.reconcile.inventory import NumberRow
from tests.conftest import REPO_ROOT

README = REPO_ROOT / "README.md"
DOCS = sorted((REPO_ROOT / "docs").glob("*.md"))
PAGES = [README, *DOCS]
README_LIMIT = 10 * 1024
GENERATED = sorted([*(f"schemas/{name}" for name in schemas()), *DOC_TABLES])
FENCE = re.compile(r"^```.*?^```", re.DOTALL | re.MULTILINE)
CODE_SPAN = re.compile(r"`([^`\n]+)`")
LINK = re.compile(r"\[[^\]\n]*\]\(([^)\s]+)\)")
# Documents that are not in the repository: nobody reading it can follow these.
OUTSIDE = re.compile(r"\.\./shared|seed guide|seed edge case|shared seed|seed §|§", re.I)


def _rel(path: Path) -> str:
    return str(path.relative_to(REPO_ROOT))


# ------------------------------------------------------------------ generated artefacts
@pytest.mark.parametrize("path", GENERATED)
def test_generated_artefact_matches_the_code(path: str) -> None:
    wanted = artefacts(REPO_ROOT)[path]
    target = REPO_ROOT / path
    assert target.is_file(), f"{path} is missing; run: {REGENERATE}"
    assert target.read_text(encoding="utf-8") == wanted, (
        f"{path} disagrees with the code; run: {REGENERATE}"
    )


def test_docs_check_names_what_is_stale_and_generate_repairs_it(tmp_path: Path) -> None:
    for folder in ("docs", "schemas"):
        shutil.copytree(REPO_ROOT / folder, tmp_path / folder)
    config = tmp_path / "docs" / "configuration.md"
    config.write_text(config.read_text().replace("`BYOC_POLICY_PATH`", "`BYOC_POLICY_FILE`"))
    (tmp_path / "schemas" / "purchase-request.schema.json").unlink()
    runner = CliRunner()

    stale = runner.invoke(app, ["docs", "check", "--root", str(tmp_path)])
    assert stale.exit_code == 1
    assert "stale: docs/configuration.md" in stale.output
    assert "stale: schemas/purchase-request.schema.json" in stale.output
    assert f"run: {REGENERATE}" in stale.output

    generated = runner.invoke(app, ["docs", "generate", "--root", str(tmp_path)])
    assert generated.exit_code == 0, generated.output
    assert "wrote docs/configuration.md" in generated.output
    assert runner.invoke(app, ["docs", "check", "--root", str(tmp_path)]).exit_code == 0
    assert config.read_text() == (REPO_ROOT / "docs" / "configuration.md").read_text()


def test_a_document_without_its_markers_is_refused() -> None:
    with pytest.raises(DocsError, match="expected one `<!-- generated: settings -->`"):
        fill_tables("docs/configuration.md", "# Configuration\n\nno table here\n", ["settings"])


def test_text_outside_the_markers_is_kept() -> None:
    text = "before\n<!-- generated: audit-rules -->\nold table\n<!-- end -->\nafter\n"
    filled = fill_tables("docs/audit.md", text, ["audit-rules"])
    assert filled.startswith("before\n<!-- generated: audit-rules -->\n| # | rule |")
    assert filled.endswith("\n<!-- end -->\nafter\n")
    assert "old table" not in filled


def test_every_audit_rule_has_its_own_section() -> None:
    text = (REPO_ROOT / "docs" / "audit.md").read_text()
    sections = set(re.findall(r"^### `([a-z-]+)`$", text, re.MULTILINE))
    assert sections == {rule.id for rule in RULES}, (
        "docs/audit.md needs one `### `rule-id`` section per rule of shared/audit/rules.py"
    )


# ------------------------------------------------------------------ the HTTP bodies
def _schema(name: str) -> dict[str, Any]:
    schema: dict[str, Any] = json.loads((REPO_ROOT / "schemas" / name).read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    return schema


def _validate(body: object, name: str) -> None:
    jsonschema.Draft202012Validator(_schema(name)).validate(body)


def _function(name: str) -> Callable[[func.HttpRequest], func.HttpResponse]:
    found = {str(f.get_function_name()): f for f in app_functions(function_app.app)}
    return found[name].get_user_function()  # type: ignore[no-any-return]


def _answer(response: func.HttpResponse) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(response.get_body())
    return body


@pytest.fixture
def no_vendors(monkeypatch: pytest.MonkeyPatch) -> None:
    """The functions run, but bootstrap builds nothing: the services below them are faked."""
    monkeypatch.setattr(bootstrap, "app", lambda: object())


def _request(method: str, path: str, body: object = None, **route: str) -> func.HttpRequest:
    return func.HttpRequest(
        method=method,
        url=f"https://byoc.example.net/api/{path}",
        body=b"" if body is None else json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        route_params=route,
    )


def test_number_status_answer_matches_its_schema(
    no_vendors: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    row = NumberRow(
        phone_number="+12025550100",
        on_twilio=True,
        twilio_trunk="BYOC-Primary-Failover",
        did_pool="pool-1",
        did_pool_owned=True,
        ivrs=("Main IVR",),
        route="main",
        status="in sync",
    )
    monkeypatch.setattr(shared.numbers.requests, "number_status", lambda ctx, number: row)
    request = _request("GET", "numbers/%2B12025550100", e164="+12025550100")
    response = _function("number_status")(request)
    assert response.status_code == 200
    _validate(_answer(response), "number-status.schema.json")


def test_purchase_and_release_answers_match_their_schema(
    no_vendors: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    def accepted(command: PurchaseNumber | ReleaseNumber, number: str, plan: list[str]) -> Any:
        return lambda *args, **kwargs: Accepted(envelope(command, correlation_id="c"), number, plan)

    request = PurchaseRequest(route="main", phone_number="+12025550100")
    monkeypatch.setattr(
        functions.numbers,
        "accept_purchase",
        accepted(PurchaseNumber(request=request), "+12025550100", ["would buy +12025550100"]),
    )
    monkeypatch.setattr(
        functions.numbers,
        "accept_release",
        accepted(ReleaseNumber(phone_number="+12025550100"), "+12025550100", []),
    )
    bought = _function("buy_number")(
        _request("POST", "numbers", {"route": "main", "area_code": "202"})
    )
    released = _function("release")(
        _request("DELETE", "numbers/%2B12025550100", e164="+12025550100")
    )
    for response in (bought, released):
        assert response.status_code == 202
        _validate(_answer(response), "accepted.schema.json")


def test_operation_answers_match_their_schema(monkeypatch: pytest.MonkeyPatch) -> None:
    origin = CommandOrigin(
        command_id="c0ffee", command_type="purchase_number", correlation_id="c", trigger=Trigger.API
    )
    at = datetime(2026, 5, 1, tzinfo=UTC)
    journal = MemoryJournal(
        [command_entry(origin, CommandStatus.ACCEPTED, at, phone_numbers=["+12025550100"])]
    )
    monkeypatch.setattr(bootstrap, "app", lambda: SimpleNamespace(journal=journal))
    operation = _function("operation_status")
    queued = operation(_request("GET", "operations/c0ffee", command_id="c0ffee"))
    assert queued.status_code == 200 and queued.headers["Retry-After"]
    _validate(_answer(queued), "operation.schema.json")
    journal.append(
        command_entry(origin, CommandStatus.SUCCEEDED, at, steps=["purchase: done (PN1)"])
    )
    done = operation(_request("GET", "operations/c0ffee", command_id="c0ffee"))
    assert _answer(done)["number_urls"] == ["https://byoc.example.net/api/numbers/%2B12025550100"]
    assert "Retry-After" not in done.headers
    _validate(_answer(done), "operation.schema.json")


@pytest.mark.parametrize(
    "body",
    [
        {"route": "main", "area_code": "202", "toll_free": False},  # the old, wrong shape
        {"route": "main", "area_code": "202", "kind": "tollfree"},
        {"area_code": "202"},
    ],
)
def test_refused_purchase_bodies_answer_422_with_the_error_schema(
    no_vendors: None, body: dict[str, object]
) -> None:
    response = _function("buy_number")(_request("POST", "numbers", body))
    assert response.status_code == 422
    _validate(_answer(response), "error.schema.json")
    with pytest.raises(jsonschema.ValidationError):
        _validate(body, "purchase-request.schema.json")


def test_the_documented_purchase_bodies_are_valid() -> None:
    for body in (
        {"route": "main", "area_code": "202", "friendly_name": "Sales route:main"},
        {"route": "support", "contains": "555*", "kind": "toll-free", "country": "US"},
        {"route": "main", "phone_number": "+12025550100"},
    ):
        _validate(body, "purchase-request.schema.json")
        PurchaseRequest.model_validate(body)


def test_every_queued_command_matches_the_envelope_schema() -> None:
    commands = (
        PurchaseNumber(request=PurchaseRequest(route="main", phone_number="+12025550100")),
        ReleaseNumber(phone_number="+12025550100"),
        ReconcileNumbers(phone_numbers=("+12025550100",), reason="event"),
        EvaluateTrunkGroup(trunk_group="TG-BYOC-Primary-Failover", reason="timer"),
    )
    for command in commands:
        message = envelope(command, correlation_id="cid", idempotency_key="k")
        _validate(json.loads(message.to_message_body()), "command-envelope.schema.json")


# ------------------------------------------------------------------ the pages
def test_readme_stays_under_10_kb() -> None:
    size = len(README.read_bytes())
    assert size <= README_LIMIT, (
        f"README.md is {size} bytes, over {README_LIMIT}: move reference material into docs/"
    )


@pytest.mark.parametrize("page", PAGES, ids=_rel)
def test_nothing_refers_to_documents_outside_the_repository(page: Path) -> None:
    found = [
        f"line {n}: {line.strip()}"
        for n, line in enumerate(page.read_text().splitlines(), 1)
        if OUTSIDE.search(line)
    ]
    assert not found, f"{_rel(page)} refers to something outside the repository: {found}"


def _slug(heading: str) -> str:
    """The anchor GitHub gives a heading."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def _anchors(page: Path) -> set[str]:
    text = FENCE.sub("", page.read_text())
    return {_slug(m) for m in re.findall(r"^#{1,6} (.+)$", text, re.MULTILINE)}


@pytest.mark.parametrize("page", PAGES, ids=_rel)
def test_every_relative_link_resolves(page: Path) -> None:
    for target in LINK.findall(FENCE.sub("", page.read_text())):
        if re.match(r"[a-z]+:", target):
            continue  # a web address
        path, _, anchor = target.partition("#")
        resolved = (page.parent / path).resolve() if path else page
        assert resolved.is_relative_to(REPO_ROOT), f"{_rel(page)}: {target} leaves the repo"
        assert resolved.exists(), f"{_rel(page)}: {target} does not exist"
        if anchor and resolved.suffix == ".md":
            assert anchor in _anchors(resolved), f"{_rel(page)}: {target}: no such heading"


def _commands(text: str) -> Iterator[str]:
    """Every `byoc-sync …` the page shows: inline code, and `$ byoc-sync` console lines
    with their indented continuation lines."""
    for block in FENCE.findall(text):
        lines = block.splitlines()
        for n, line in enumerate(lines):
            if line.startswith("$ byoc-sync "):
                more = []
                for following in lines[n + 1 :]:
                    if not following.startswith(" "):
                        break
                    more.append(following)
                yield " ".join([line[2:], *more])
    for span in CODE_SPAN.findall(FENCE.sub("", text)):
        if span.startswith("byoc-sync "):
            yield span


def _options(command: Any) -> set[str]:
    """A command's options (typer's own click: only the attributes are relied on)."""
    return {opt for param in command.params for opt in (*param.opts, *param.secondary_opts)}


@pytest.mark.parametrize("page", PAGES, ids=_rel)
def test_every_documented_command_and_option_exists(page: Path) -> None:
    root: Any = typer.main.get_command(app)
    for shown in _commands(page.read_text()):
        command, known, path = root, _options(root) | {"--help"}, ["byoc-sync"]
        for word in shown.replace("\\|", " ").split()[1:]:
            if not re.fullmatch(r"[a-z][a-z-]*", word) or not hasattr(command, "commands"):
                break
            assert word in command.commands, f"{_rel(page)}: `{shown}`: no command {word!r}"
            command = command.commands[word]
            known |= _options(command)
            path.append(word)
        for flag in re.findall(r"(?<![\w-])--[a-z][a-z0-9-]*", shown):
            assert flag in known, f"{_rel(page)}: `{shown}`: {' '.join(path)} takes no {flag}"


@pytest.mark.parametrize("page", PAGES, ids=_rel)
def test_every_documented_make_target_exists(page: Path) -> None:
    makefile = (REPO_ROOT / "Makefile").read_text()
    targets = set(re.findall(r"^([a-z][a-z-]*):", makefile, re.MULTILINE))
    text = page.read_text()
    named = {
        m for span in CODE_SPAN.findall(text) for m in re.findall(r"^make ([a-z][a-z-]*)", span)
    }
    assert named <= targets, f"{_rel(page)} names make targets that do not exist: {named - targets}"
