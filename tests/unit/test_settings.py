"""Settings come from the environment under the ecosystems' own names, secrets stay secret,
and every place that lists settings (docs/configuration.md, local.settings.example.json) tells
the truth."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from shared import bootstrap
from shared.domain.yaml_source import SourceError
from shared.settings import MissingSettingError, Settings
from tests.conftest import REPO_ROOT

RUNTIME_KEYS = {"FUNCTIONS_WORKER_RUNTIME", "AzureWebJobsStorage", "ServiceBusConnection"}


def setting_names() -> set[str]:
    return {name.upper() for name in Settings.model_fields}


def test_settings_read_twilio_and_cx_as_code_variable_names(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", "AC123")
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "tok")
    monkeypatch.setenv("GENESYSCLOUD_OAUTHCLIENT_ID", "cid")
    monkeypatch.setenv("GENESYSCLOUD_OAUTHCLIENT_SECRET", "csecret")
    monkeypatch.setenv("GENESYSCLOUD_REGION", "eu-west-1")
    monkeypatch.setenv("BYOC_POLICY_PATH", "/etc/byoc/policy.yaml")
    settings = Settings()
    assert settings.twilio_account_sid == "AC123"
    assert settings.genesyscloud_oauthclient_id == "cid"
    assert settings.genesys_base_url == "https://api.mypurecloud.ie"
    assert str(settings.byoc_policy_path) == "/etc/byoc/policy.yaml"


def test_secrets_never_show_in_repr_or_dumps(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "twilio-secret-value")
    monkeypatch.setenv("GENESYSCLOUD_OAUTHCLIENT_SECRET", "genesys-secret-value")
    settings = Settings()
    for text in (repr(settings), str(settings), settings.model_dump_json()):
        assert "twilio-secret-value" not in text and "genesys-secret-value" not in text
    assert settings.twilio_auth_token is not None
    assert settings.twilio_auth_token.get_secret_value() == "twilio-secret-value"


def test_api_host_overrides_the_region(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GENESYSCLOUD_API_HOST", "http://127.0.0.1:8081/")
    assert Settings().genesys_base_url == "http://127.0.0.1:8081"


def test_unknown_region_is_rejected_with_the_known_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GENESYSCLOUD_REGION", "mars-north-1")
    with pytest.raises(
        ValidationError, match=r"unknown Genesys Cloud region 'mars-north-1'.*us-east-1"
    ):
        Settings()


def test_require_names_every_missing_variable() -> None:
    with pytest.raises(MissingSettingError, match="TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN"):
        Settings().require("twilio_account_sid", "twilio_auth_token")


def test_clients_are_built_once_per_configuration(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AzureWebJobsStorage", "UseDevelopmentStorage=true")
    first = bootstrap.app().state_store("p")
    assert bootstrap.app().state_store("p") is first
    monkeypatch.setenv("BYOC_HEALTH_TABLE", "othertable")
    assert bootstrap.app().state_store("p") is not first


def test_the_policy_is_read_afresh_on_every_call(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("BYOC_POLICY_PATH", str(tmp_path / "missing.yaml"))
    with pytest.raises(SourceError):
        bootstrap.app().policy()
    monkeypatch.setenv("BYOC_POLICY_PATH", str(REPO_ROOT / "examples" / "policy.yaml"))
    assert bootstrap.app().policy().routes


def test_local_settings_example_lists_exactly_the_settings_the_code_reads() -> None:
    example = json.loads((REPO_ROOT / "local.settings.example.json").read_text())
    assert set(example["Values"]) - RUNTIME_KEYS == setting_names()


def test_the_configuration_doc_documents_every_setting() -> None:
    doc = (REPO_ROOT / "docs" / "configuration.md").read_text()
    missing = sorted(name for name in setting_names() if f"`{name}`" not in doc)
    assert not missing, f"docs/configuration.md does not document: {missing}"


def test_an_unresolved_key_vault_reference_is_no_genesys_event_key(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """App Service hands an unresolved reference through as its own text: presenting that
    text as an X-API-Key must not pass."""
    reference = "@Microsoft.KeyVault(SecretUri=https://kv-byoc.vault.azure.net/secrets/g)"
    monkeypatch.setenv("BYOC_GENESYS_EVENT_API_KEYS", reference)
    assert Settings().genesys_event_api_keys() == []
    monkeypatch.setenv("BYOC_GENESYS_EVENT_API_KEYS", f"new-key, {reference}")
    assert [k.get_secret_value() for k in Settings().genesys_event_api_keys()] == ["new-key"]
