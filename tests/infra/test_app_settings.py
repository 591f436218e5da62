"""One list of settings, three places: the settings the code reads (the fields of
shared.settings.Settings, upper-cased), the app settings the Bicep gives the Function App,
and local.settings.example.json. Every product setting is in all three; anything else must be
a platform key on the allow-list below. Secrets reach the app as Key Vault references only."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, get_args

import pytest
from pydantic import SecretStr

from shared.settings import GENESYS_REGION_HOSTS, Settings
from tests.conftest import REPO_ROOT
from tests.infra.bicep import INFRA, Expression, app_settings, bicep_files, load

# Keys that are not byoc-sync settings but belong to the platform. Exact names, not patterns,
# so a typo in a product setting can never hide here.
PLATFORM_KEYS = frozenset(
    {
        # Functions host storage, identity-based in Azure: account name, credential kind and
        # the user-assigned identity's client id (there is no AzureWebJobsStorage connection
        # string in Azure).
        "AzureWebJobsStorage__accountName",
        "AzureWebJobsStorage__credential",
        "AzureWebJobsStorage__clientId",
        # Functions host storage locally: the Azurite emulator (local.settings.json only).
        "AzureWebJobsStorage",
        # Worker language for Core Tools locally; Flex Consumption sets it in
        # functionAppConfig.runtime and refuses it as an app setting.
        "FUNCTIONS_WORKER_RUNTIME",
        # Application Insights: the component's connection string (no credential: local auth
        # is off) and Entra authentication with the app's identity.
        "APPLICATIONINSIGHTS_CONNECTION_STRING",
        "APPLICATIONINSIGHTS_AUTHENTICATION_STRING",
        # The Service Bus connection named `ServiceBusConnection` (worker trigger and command
        # sender): identity-based in Azure, a connection string locally (the sandbox broker).
        "ServiceBusConnection__fullyQualifiedNamespace",
        "ServiceBusConnection__credential",
        "ServiceBusConnection__clientId",
        "ServiceBusConnection",
        # azure-identity: the user-assigned identity DefaultAzureCredential signs in as.
        "AZURE_CLIENT_ID",
        # The Python worker's OpenTelemetry support: it streams its own logs and traces and
        # attaches the host's span to each invocation (docs/telemetry.md).
        "PYTHON_ENABLE_OPENTELEMETRY",
    }
)

# Settings that only the sandbox sets: empty in Azure, so the SDKs talk to the real vendors.
SANDBOX_ONLY = frozenset({"TWILIO_API_BASE_URL", "GENESYSCLOUD_API_HOST"})

KEY_VAULT_REFERENCE = "'@Microsoft.KeyVault(SecretUri="


def product_settings() -> set[str]:
    return {name.upper() for name in Settings.model_fields}


def secret_settings() -> set[str]:
    """Settings typed SecretStr (or SecretStr | None): these must come from Key Vault."""
    return {
        name.upper()
        for name, info in Settings.model_fields.items()
        if info.annotation is SecretStr or SecretStr in get_args(info.annotation)
    }


def function_app_settings() -> dict[str, Any]:
    sites = [
        site
        for path in bicep_files()
        for site in load(path).resources_of_type("Microsoft.Web/sites")
    ]
    assert len(sites) == 1, f"expected one Function App in infra/, found {len(sites)}"
    return app_settings(sites[0])


def example_settings() -> set[str]:
    example = json.loads((REPO_ROOT / "local.settings.example.json").read_text())
    return set(example["Values"])


def settings_mismatches(
    product: set[str], sources: Mapping[str, set[str]], is_platform: Callable[[str], bool]
) -> list[str]:
    """What keeps each source from naming exactly the product settings (plus platform keys)."""
    problems = []
    for source, keys in sources.items():
        named = {key for key in keys if not is_platform(key)}
        problems += [f"{source} does not set {key}" for key in sorted(product - named)]
        problems += [
            f"{source} sets {key}, which is neither a Settings field nor a platform key"
            for key in sorted(named - product)
        ]
    return problems


# --- the comparison itself fails when a key is missing or extra on any side ---------------


def test_comparison_reports_a_key_missing_from_any_source() -> None:
    product = {"A", "B"}
    problems = settings_mismatches(
        product,
        {"bicep": {"A", "B", "HOST"}, "example": {"A"}},
        is_platform=lambda key: key == "HOST",
    )
    assert problems == ["example does not set B"]


def test_comparison_reports_a_key_the_code_does_not_read() -> None:
    problems = settings_mismatches({"A"}, {"bicep": {"A", "TYPO_A"}}, is_platform=lambda _: False)
    assert problems == ["bicep sets TYPO_A, which is neither a Settings field nor a platform key"]


def test_comparison_reports_a_setting_the_sources_lack() -> None:
    # A field added to Settings but to neither file: both are named.
    problems = settings_mismatches(
        {"A", "NEW"}, {"bicep": {"A"}, "example": {"A"}}, is_platform=lambda _: False
    )
    assert problems == ["bicep does not set NEW", "example does not set NEW"]


def test_comparison_passes_when_all_agree() -> None:
    assert settings_mismatches({"A"}, {"x": {"A"}, "y": {"A", "P"}}, lambda k: k == "P") == []


# --- the real three lists ---------------------------------------------------------------


def test_no_product_setting_hides_in_the_platform_allow_list() -> None:
    assert not product_settings() & PLATFORM_KEYS


def test_bicep_code_and_example_file_name_the_same_settings() -> None:
    problems = settings_mismatches(
        product_settings(),
        {
            "infra/ (Function App app settings)": set(function_app_settings()),
            "local.settings.example.json": example_settings(),
        },
        is_platform=PLATFORM_KEYS.__contains__,
    )
    assert not problems, "\n".join(problems)


def test_secrets_are_key_vault_references() -> None:
    settings = function_app_settings()
    secrets = secret_settings()
    assert {"TWILIO_AUTH_TOKEN", "GENESYSCLOUD_OAUTHCLIENT_SECRET"} <= secrets
    for name in sorted(secrets):
        value = settings[name]
        assert isinstance(value, Expression) and value.text.startswith(KEY_VAULT_REFERENCE), (
            f"{name} must be a Key Vault reference, got {value!r}"
        )


def test_sandbox_overrides_are_empty_in_azure() -> None:
    settings = function_app_settings()
    assert {name: settings[name] for name in SANDBOX_ONLY} == dict.fromkeys(SANDBOX_ONLY, "")


def test_no_connection_string_or_key_reaches_the_app() -> None:
    settings = function_app_settings()
    # Identity-based storage only; Flex Consumption rejects the runtime keys as settings.
    for forbidden in (
        "AzureWebJobsStorage",
        "FUNCTIONS_WORKER_RUNTIME",
        "FUNCTIONS_EXTENSION_VERSION",
    ):
        assert forbidden not in settings
    assert settings["AzureWebJobsStorage__credential"] == "managedidentity"
    for path in bicep_files():
        bicep = load(path)
        # listKeys(), listConnectionStrings(), listSecrets() … hand out credentials.
        assert not {name for name in bicep.called_functions() if name.startswith("list")}, path
        for value in bicep.string_literals():
            for marker in ("AccountKey=", "SharedAccessKey", "DefaultEndpointsProtocol"):
                assert marker not in value, f"{path.name}: {value!r}"


def test_the_genesys_regions_bicep_allows_are_the_ones_the_code_knows() -> None:
    region = load(INFRA / "main.bicep").params()["genesysRegion"]
    assert region.decorators["allowed"] == [list(GENESYS_REGION_HOSTS)]
    assert region.default == Settings.model_fields["genesyscloud_region"].default


def _main_param_behind(setting: str) -> str | None:
    """The main.bicep param whose value the Function App setting `setting` carries, if any."""
    value = function_app_settings()[setting]
    if not isinstance(value, Expression) or not value.text.isidentifier():
        return None
    main = load(INFRA / "main.bicep")
    (module,) = [m for m in main.modules() if m.path == "modules/function-app.bicep"]
    passed = module.body["params"].get(value.text)
    if isinstance(passed, Expression) and passed.text in main.params():
        return passed.text
    return None


@pytest.mark.parametrize(
    "setting",
    [
        "GENESYSCLOUD_REGION",
        "BYOC_HTTP_TIMEOUT_S",
        "BYOC_RETRY_MAX_ATTEMPTS",
        "BYOC_RETRY_MAX_WAIT_S",
        "BYOC_GENESYS_REQUESTS_PER_MINUTE",
        "BYOC_POLICY_PATH",
    ],
)
def test_bicep_defaults_agree_with_the_code_defaults(setting: str) -> None:
    param_name = _main_param_behind(setting)
    assert param_name, f"{setting} is not fed from a main.bicep param"
    param = load(INFRA / "main.bicep").params()[param_name]
    assert param.has_default and isinstance(param.default, str)
    field = Settings.model_fields[setting.lower()]
    code_default = field.default
    assert type(code_default)(param.default) == code_default, (
        f"{param_name} defaults to {param.default!r}, the code to {code_default!r}"
    )


def test_parameters_file_feeds_declared_params_and_every_required_one() -> None:
    parameters = json.loads((INFRA / "main.parameters.json").read_text())["parameters"]
    declared = load(INFRA / "main.bicep").params()
    assert set(parameters) <= set(declared), sorted(set(parameters) - set(declared))
    required = {name for name, param in declared.items() if not param.has_default}
    assert required <= set(parameters), sorted(required - set(parameters))
    # Secrets come from the azd environment (or CI secrets), never from the file itself.
    for name, param in declared.items():
        if "secure" in param.decorators and name in parameters:
            assert str(parameters[name]["value"]).startswith("${"), name


def test_a_setting_dropped_from_the_bicep_is_caught(tmp_path: Path) -> None:
    source = (INFRA / "modules" / "function-app.bicep").read_text()
    block = (
        "        {\n          name: 'BYOC_POLICY_PATH'\n          value: policyPath\n        }\n"
    )
    assert block in source
    broken = tmp_path / "function-app.bicep"
    broken.write_text(source.replace(block, ""))
    (site,) = load(broken).resources_of_type("Microsoft.Web/sites")
    problems = settings_mismatches(
        product_settings(), {"bicep": set(app_settings(site))}, PLATFORM_KEYS.__contains__
    )
    assert problems == ["bicep does not set BYOC_POLICY_PATH"]
