"""Every failure an operator can cause ends in one line naming the problem and the fix, exit
code 1 and no traceback — through the real command line, against the sandbox emulators.
`--debug` (or BYOC_DEBUG=1) lets the exception through instead, for bug reports."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator, Mapping
from importlib.metadata import version
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from cli.main import app
from sandbox.azure.azurite import Azurite
from sandbox.runner import Sandbox
from sandbox.scenario import load_scenario
from shared.ports import AdapterError
from tests.conftest import EXAMPLE_POLICY
from tests.support.cli_process import run_cli

runner = CliRunner()

WRONG_SECRET = "not-the-secret-7f3a91c2"
WRONG_TOKEN = "not-the-token-4be0d6a8"
# Every command that reads Twilio and Genesys; each builds the vendor clients on first use.
VENDOR_COMMANDS = [
    ["plan"],
    ["apply", "--yes"],
    ["numbers", "list"],
    ["numbers", "show", "+12025550100"],
    ["numbers", "buy", "--route", "main", "--number", "+12025550115"],
    ["numbers", "release", "+12025550100", "--yes"],
    ["audit"],
]


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released: connecting is refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    """One sandbox for the module: every command here fails before it writes anything."""
    with Sandbox(load_scenario("default")) as running:
        yield running


@pytest.fixture
def env(sandbox: Sandbox) -> dict[str, str | None]:
    """The sandbox's settings, with retries kept short so "unreachable" answers at once."""
    return {
        **sandbox.client_settings(),
        "BYOC_POLICY_PATH": str(EXAMPLE_POLICY),
        "BYOC_RETRY_MAX_ATTEMPTS": "2",
        "BYOC_RETRY_MAX_WAIT_S": "0.1",
        "BYOC_DEBUG": None,
        "AzureWebJobsStorage": None,
        "COLUMNS": "200",
    }


def secrets_of(sandbox: Sandbox) -> list[str]:
    settings = sandbox.client_settings()
    return [
        settings["TWILIO_AUTH_TOKEN"],
        settings["GENESYSCLOUD_OAUTHCLIENT_SECRET"],
        WRONG_SECRET,
        WRONG_TOKEN,
    ]


def estate_writes(sandbox: Sandbox) -> list[object]:
    """Writes to either vendor's estate (the module's token requests left out)."""
    logged = sandbox.twilio.log.writes() + sandbox.genesys.log.writes()
    return [entry for entry in logged if entry.path != "/oauth/token"]


def invoke(args: list[str], env: Mapping[str, str | None]) -> Result:
    return runner.invoke(app, args, env=dict(env))


def one_line_failure(result: Result, sandbox: Sandbox, *expected: str) -> str:
    """The stderr line of a failed command, after checking it is one clean line."""
    assert result.exit_code == 1, (result.exit_code, result.output, result.exception)
    assert isinstance(result.exception, SystemExit), result.exception
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    assert "Traceback" not in result.output
    for secret in secrets_of(sandbox):
        assert secret not in result.output
    line = lines[0]
    assert line.startswith("error: ")
    for text in expected:
        assert text in line
    return line


@pytest.mark.parametrize("args", VENDOR_COMMANDS, ids=" ".join)
def test_genesys_unreachable_is_one_line_naming_the_host_and_the_fix(
    sandbox: Sandbox, env: dict[str, str | None], args: list[str]
) -> None:
    host = f"http://127.0.0.1:{closed_port()}"
    env["GENESYSCLOUD_API_HOST"] = host
    line = one_line_failure(invoke(args, env), sandbox)
    assert line == (
        f"error: Genesys Cloud token request to {host}: no answer after 2 attempt(s) "
        "(Connection refused): is GENESYSCLOUD_API_HOST right? is the sandbox running?"
    )


@pytest.mark.parametrize("args", VENDOR_COMMANDS, ids=" ".join)
def test_a_wrong_genesys_secret_is_one_line_naming_the_settings(
    sandbox: Sandbox, env: dict[str, str | None], args: list[str]
) -> None:
    env["GENESYSCLOUD_OAUTHCLIENT_SECRET"] = WRONG_SECRET
    line = one_line_failure(invoke(args, env), sandbox)
    assert line == (
        f"error: Genesys Cloud refused the OAuth client (invalid_client) at "
        f"{sandbox.genesys.base_url}: check GENESYSCLOUD_OAUTHCLIENT_ID/SECRET"
    )


def test_health_probe_with_a_wrong_genesys_secret_is_one_line(
    sandbox: Sandbox, env: dict[str, str | None], azurite: Azurite
) -> None:
    env["AzureWebJobsStorage"] = azurite.connection_string
    env["GENESYSCLOUD_OAUTHCLIENT_SECRET"] = WRONG_SECRET
    one_line_failure(
        invoke(["health", "--probe"], env),
        sandbox,
        "Genesys Cloud refused the OAuth client (invalid_client)",
    )


def test_a_genesys_host_without_its_scheme_is_named(
    sandbox: Sandbox, env: dict[str, str | None]
) -> None:
    env["GENESYSCLOUD_API_HOST"] = "api.mypurecloud.de"
    one_line_failure(
        invoke(["plan"], env), sandbox, "not a URL; write GENESYSCLOUD_API_HOST with its scheme"
    )


def test_a_host_that_is_not_genesys_is_named(sandbox: Sandbox, env: dict[str, str | None]) -> None:
    env["GENESYSCLOUD_API_HOST"] = sandbox.twilio.base_url  # answers, but not as Genesys
    one_line_failure(
        invoke(["numbers", "list"], env),
        sandbox,
        "Genesys Cloud token request to",
        "not Genesys Cloud? is GENESYSCLOUD_API_HOST right?",
    )


@pytest.mark.parametrize("args", [["plan"], ["numbers", "release", "+12025550100", "--yes"]])
def test_twilio_unreachable_is_one_line_with_the_socket_error_and_the_fix(
    sandbox: Sandbox, env: dict[str, str | None], args: list[str]
) -> None:
    env["TWILIO_API_BASE_URL"] = f"http://127.0.0.1:{closed_port()}"
    line = one_line_failure(invoke(args, env), sandbox)
    assert "no answer after 2 attempt(s) (Connection refused): " in line
    assert line.endswith(
        "is TWILIO_API_BASE_URL right (unset for twilio.com)? is the sandbox running?"
    )
    assert "HTTPConnectionPool" not in line  # the transport's own text is left out


@pytest.mark.parametrize(
    "args", [["plan"], ["numbers", "buy", "--route", "main", "--area-code", "202"]]
)
def test_a_wrong_twilio_token_is_one_line_naming_the_settings(
    sandbox: Sandbox, env: dict[str, str | None], args: list[str]
) -> None:
    env["TWILIO_AUTH_TOKEN"] = WRONG_TOKEN
    line = one_line_failure(invoke(args, env), sandbox, "HTTP 401 (20003)")
    assert line.endswith(": check TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN")


def test_a_missing_policy_file_is_one_line_saying_how_to_name_it(
    sandbox: Sandbox, env: dict[str, str | None], tmp_path: Path
) -> None:
    missing = tmp_path / "policy.yaml"
    env["BYOC_POLICY_PATH"] = str(missing)
    line = one_line_failure(invoke(["numbers", "list"], env), sandbox)
    assert line == (
        f"error: cannot read {missing}: No such file or directory; "
        "name the policy file with --policy FILE or BYOC_POLICY_PATH"
    )


def test_a_bad_setting_value_is_one_line(sandbox: Sandbox, env: dict[str, str | None]) -> None:
    env["BYOC_RETRY_MAX_ATTEMPTS"] = "many"
    one_line_failure(
        invoke(["numbers", "release", "+12025550100", "--yes"], env),
        sandbox,
        "setting BYOC_RETRY_MAX_ATTEMPTS:",
    )


def test_an_unreachable_state_table_is_one_line(
    sandbox: Sandbox, env: dict[str, str | None]
) -> None:
    env["AzureWebJobsStorage"] = (
        "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;"
        "AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;"
        f"TableEndpoint=http://127.0.0.1:{closed_port()}/devstoreaccount1;"
    )
    line = one_line_failure(invoke(["health"], env), sandbox, "error: state table: ")
    assert line.endswith("is AzureWebJobsStorage right? (for the sandbox: is Azurite running?)")
    assert "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6" not in line


def test_policy_problems_are_listed_one_per_line_under_a_heading(
    sandbox: Sandbox, env: dict[str, str | None], tmp_path: Path
) -> None:
    broken = tmp_path / "policy.yaml"
    broken.write_text(
        EXAMPLE_POLICY.read_text()
        .replace("mode: sync", "mode: mirror", 1)
        .replace('numbers: ["+18005550100"]', 'numbers: ["18005550100"]', 1)
    )
    result = invoke(["plan", "--policy", str(broken)], env)
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    heading, *problems = result.stderr.strip().splitlines()
    assert heading == f"error: {broken}: 2 problem(s)"
    assert len(problems) == 2 and all(p.startswith("  line ") for p in problems)
    assert any("'18005550100' has no country code" in p for p in problems)


# ---------------------------------------------------------------------- --debug


def test_debug_lets_the_exception_through_for_bug_reports(
    sandbox: Sandbox, env: dict[str, str | None]
) -> None:
    env["GENESYSCLOUD_OAUTHCLIENT_SECRET"] = WRONG_SECRET
    by_flag = invoke(["--debug", "numbers", "list"], env)
    assert by_flag.exit_code == 1
    assert isinstance(by_flag.exception, AdapterError)
    assert "refused the OAuth client (invalid_client)" in str(by_flag.exception)
    by_env = invoke(["numbers", "list"], {**env, "BYOC_DEBUG": "1"})
    assert isinstance(by_env.exception, AdapterError)
    # And the next invocation without it is back to one line.
    one_line_failure(invoke(["numbers", "list"], env), sandbox, "refused the OAuth client")


@pytest.mark.slow  # two processes, each importing both vendor SDKs
def test_a_real_process_prints_one_line_and_with_debug_the_traceback_and_retries(
    sandbox: Sandbox, env: dict[str, str | None]
) -> None:
    """In a real process nothing else writes to stderr either: the retry policy's warnings
    and library warnings are log records, shown only with --debug. Genesys answers here
    (its token is fetched with the real secret), Twilio does not."""
    env["TWILIO_API_BASE_URL"] = f"http://127.0.0.1:{closed_port()}"
    plain = run_cli("plan", env=env)
    assert plain.returncode == 1
    assert plain.stderr.count("\n") == 1, plain.stderr
    assert plain.stderr.startswith("error: snapshot read aborted: twilio list numbers")
    assert plain.stdout == ""

    debug = run_cli("--debug", "plan", env=env)
    assert debug.returncode == 1
    assert "Traceback (most recent call last)" in debug.stderr
    assert "shared.ports.SnapshotReadError: snapshot read aborted: twilio" in debug.stderr
    assert "twilio list numbers (page 1): attempt 1/2 failed" in debug.stderr
    for secret in secrets_of(sandbox):
        assert secret not in plain.stderr + debug.stderr + debug.stdout


# ---------------------------------------------------------------------- --version


def test_version_prints_the_installed_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout == f"byoc-sync {version('byoc-sync')}\n"


# ---------------------------------------------------------------------- number input


def test_a_national_number_is_refused_saying_what_to_type(
    sandbox: Sandbox, env: dict[str, str | None]
) -> None:
    released = invoke(["numbers", "release", "2025550100", "--yes"], env)
    assert one_line_failure(released, sandbox) == (
        "error: '2025550100' has no country code: write it in E.164 as +12025550100 "
        "if it is a North American number, or pass --country US"
    )
    bought = invoke(["numbers", "buy", "--route", "main", "--number", "2025550115"], env)
    assert one_line_failure(bought, sandbox) == (
        "error: '2025550115' has no country code: write it in E.164 as +12025550115 "
        "if it is a North American number, or pass --country US"
    )
    abroad = invoke(["numbers", "release", "020 7946 0958", "--yes"], env)
    one_line_failure(abroad, sandbox, "or pass --country XX (the number's two-letter country code)")
    assert estate_writes(sandbox) == []


def test_letters_and_unknown_countries_are_refused_in_plain_words(
    sandbox: Sandbox, env: dict[str, str | None]
) -> None:
    letters = invoke(["numbers", "buy", "--route", "main", "--number", "+1202555abcd"], env)
    assert one_line_failure(letters, sandbox) == (
        "error: '+1202555abcd' has letters in it; phone numbers are digits"
    )
    country = invoke(["numbers", "release", "2025550100", "--country", "USA", "--yes"], env)
    one_line_failure(country, sandbox, "'USA' is not a two-letter country code")
    word = invoke(["numbers", "release", "hello", "--yes"], env)
    one_line_failure(word, sandbox, "'hello' is not a phone number: write it in E.164")
    assert estate_writes(sandbox) == []


def test_a_national_number_with_its_country_is_read_as_that_countrys(
    sandbox: Sandbox, env: dict[str, str | None]
) -> None:
    args = ["numbers", "buy", "--route", "main", "--number", "(202) 555-0115", "--country", "us"]
    result = invoke([*args, "--dry-run"], env)
    assert result.exit_code == 0, result.output
    assert "would buy +12025550115" in result.output
    assert estate_writes(sandbox) == []


def test_release_with_country_releases_exactly_that_number(env: dict[str, str | None]) -> None:
    """On its own sandbox: this one changes the estate."""
    with Sandbox(load_scenario("default")) as own:
        env = {**env, **own.client_settings()}
        args = ["numbers", "release", "202-555-0100", "--country", "US", "--yes", "--json"]
        result = invoke(args, env)
        assert result.exit_code == 0, result.output
        released = json.loads(result.stdout)
        assert released["ok"] is True and released["phone_number"] == "+12025550100"
        listed = invoke(["numbers", "list", "--json"], env)
        numbers = {row["phone_number"] for row in json.loads(listed.stdout)}
        assert "+12025550100" not in numbers and "+12025550101" in numbers
