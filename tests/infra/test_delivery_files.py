"""The files users deploy with (azure.yaml, the GitHub Actions workflow) are valid YAML and
say what docs/deploy.md says: azd provisions infra/main.bicep and deploys a Python Function
App; CI runs `make test` and deploys from main with OIDC."""

from __future__ import annotations

from typing import Any

import yaml

from tests.conftest import REPO_ROOT

WORKFLOW = REPO_ROOT / ".github" / "workflows" / "ci.yml"


def load_yaml(path: str) -> Any:
    return yaml.safe_load((REPO_ROOT / path).read_text())


def steps_using(job: dict[str, Any], action: str) -> list[dict[str, Any]]:
    return [s for s in job["steps"] if str(s.get("uses", "")).lower().startswith(action.lower())]


def test_azure_yaml_deploys_the_bicep_and_one_python_function_app() -> None:
    azure = load_yaml("azure.yaml")
    assert azure["infra"] == {"provider": "bicep", "path": "infra", "module": "main"}
    assert (REPO_ROOT / "infra" / "main.bicep").is_file()
    (service,) = azure["services"].values()
    assert service == {"project": ".", "language": "python", "host": "function"}
    # The Bicep tags the app with the service's name so azd finds it.
    (name,) = azure["services"]
    assert (
        f"param serviceName string = '{name}'"
        in (REPO_ROOT / "infra" / "modules" / "function-app.bicep").read_text()
    )


def test_workflow_tests_everything_then_deploys_from_main_with_oidc() -> None:
    workflow = yaml.safe_load(WORKFLOW.read_text())
    # PyYAML reads the bare key `on` as True.
    triggers = workflow.get("on", workflow.get(True))
    assert "pull_request" in triggers and triggers["push"]["branches"] == ["main"]
    jobs = workflow["jobs"]
    assert set(jobs) == {"test", "deploy"}

    test = jobs["test"]
    assert steps_using(test, "actions/setup-python")[0]["with"]["python-version"] == "3.11"
    assert any("make test" in str(step.get("run", "")) for step in test["steps"])

    deploy = jobs["deploy"]
    assert deploy["needs"] == "test"
    assert "refs/heads/main" in deploy["if"]
    assert deploy["permissions"]["id-token"] == "write"
    login = steps_using(deploy, "azure/login")
    assert login and set(login[0]["with"]) == {"client-id", "tenant-id", "subscription-id"}
    assert steps_using(deploy, "Azure/setup-azd")
    runs = " ".join(str(step.get("run", "")) for step in deploy["steps"])
    assert "azd provision" in runs and "azd deploy" in runs
    assert "--federated-credential-provider github" in runs


def test_workflow_passes_secrets_only_from_the_secret_store() -> None:
    env = yaml.safe_load(WORKFLOW.read_text())["jobs"]["deploy"]["env"]
    for name in ("TWILIO_AUTH_TOKEN", "GENESYSCLOUD_OAUTHCLIENT_SECRET"):
        assert env[name] == "${{ secrets." + name + " }}"
