"""The infrastructure's promises, read from the Bicep: Flex Consumption with Python 3.11 and a
user-assigned identity, identity-only storage, a session-aware command queue, an RBAC Key
Vault, and data-plane roles only — each at the narrowest scope."""

from __future__ import annotations

import re
import tomllib
from typing import Any

from shared.settings import Settings
from tests.conftest import REPO_ROOT
from tests.infra.bicep import INFRA, Expression, Resource, bicep_files, load, text, walk

GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")

# Built-in role definition ids (identical in every tenant).
ALLOWED_ROLES = {
    "69a216fc-b8fb-44d8-bc22-1f3c2cd27a39": "Azure Service Bus Data Sender",
    "4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0": "Azure Service Bus Data Receiver",
    "b7e6dc6d-f1e8-4753-8033-0f276bb0955b": "Storage Blob Data Owner",
    "974c5e8b-45b9-4653-ba55-5f855dd0fb88": "Storage Queue Data Contributor",
    "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3": "Storage Table Data Contributor",
    "4633458b-17de-408a-b874-0445c86b69e6": "Key Vault Secrets User",
    "b86a8fe4-44ce-4948-aee5-eccb2c155cd7": "Key Vault Secrets Officer (optional operator)",
    "3913510d-42f4-4e42-8a64-420c390055eb": "Monitoring Metrics Publisher",
}


def only(module: str, resource_type: str) -> Resource:
    (resource,) = load(INFRA / "modules" / module).resources_of_type(resource_type)
    return resource


def props(resource: Resource) -> dict[str, Any]:
    value = resource.body["properties"]
    assert isinstance(value, dict)
    return value


def test_function_app_is_flex_consumption_python_311_with_the_user_assigned_identity() -> None:
    plan = only("function-app.bicep", "Microsoft.Web/serverfarms")
    assert plan.body["sku"] == {"tier": "FlexConsumption", "name": "FC1"}
    site = only("function-app.bicep", "Microsoft.Web/sites")
    assert site.body["kind"] == "functionapp,linux"
    assert site.body["identity"]["type"] == "UserAssigned"
    config = props(site)["functionAppConfig"]
    assert config["runtime"] == {"name": "python", "version": "3.11"}
    storage = config["deployment"]["storage"]
    assert storage["type"] == "blobContainer"
    assert storage["authentication"]["type"] == "UserAssignedIdentity"
    assert isinstance(props(site)["keyVaultReferenceIdentity"], Expression)
    assert props(site)["httpsOnly"] is True
    assert props(site)["siteConfig"]["minTlsVersion"] == "1.2"


def test_the_runtime_version_is_the_one_the_project_requires() -> None:
    pyproject = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())
    assert pyproject["project"]["requires-python"] == ">=3.11,<3.12"
    assert pyproject["tool"]["mypy"]["python_version"] == "3.11"


def test_storage_is_identity_only() -> None:
    account = props(only("storage.bicep", "Microsoft.Storage/storageAccounts"))
    assert account["allowSharedKeyAccess"] is False
    assert account["allowBlobPublicAccess"] is False
    assert account["minimumTlsVersion"] == "TLS1_2"
    assert account["supportsHttpsTrafficOnly"] is True


def test_command_queue_has_sessions_duplicate_detection_and_dead_lettering() -> None:
    namespace = only("servicebus.bicep", "Microsoft.ServiceBus/namespaces")
    assert namespace.body["sku"]["name"] in ("Standard", "Premium")
    assert props(namespace)["disableLocalAuth"] is True
    queue = props(only("servicebus.bicep", "Microsoft.ServiceBus/namespaces/queues"))
    assert queue["requiresSession"] is True
    assert queue["requiresDuplicateDetection"] is True
    assert queue["deadLetteringOnMessageExpiration"] is True
    assert "duplicateDetectionHistoryTimeWindow" in queue
    assert "maxDeliveryCount" in queue
    params = load(INFRA / "modules" / "servicebus.bicep").params()
    assert params["maxDeliveryCount"].default == 10
    assert re.fullmatch(r"P(T\d+[HM]|\d+D)", params["duplicateDetectionWindow"].default)


def test_key_vault_is_rbac_mode_with_purge_protection() -> None:
    vault = props(only("keyvault.bicep", "Microsoft.KeyVault/vaults"))
    assert vault["enableRbacAuthorization"] is True
    assert vault["enablePurgeProtection"] is True
    assert "accessPolicies" not in vault


def test_application_insights_accepts_entra_authenticated_telemetry_only() -> None:
    component = props(only("monitoring.bicep", "Microsoft.Insights/components"))
    assert component["DisableLocalAuth"] is True
    assert isinstance(component["WorkspaceResourceId"], Expression)


def test_only_data_plane_roles_are_assigned_and_each_assignment_is_scoped() -> None:
    found: set[str] = set()
    for path in bicep_files():
        bicep = load(path)
        found |= {value for value in bicep.string_literals() if GUID.match(value)}
        for assignment in bicep.resources_of_type("Microsoft.Authorization/roleAssignments"):
            # A scope on a resource of the module; never the resource group or subscription.
            assert isinstance(assignment.body.get("scope"), Expression), assignment.symbol
            assert props(assignment)["principalType"] != "", assignment.symbol
    assert found == set(ALLOWED_ROLES), {g: ALLOWED_ROLES.get(g, "UNEXPECTED") for g in found}


def test_service_bus_roles_are_scoped_to_the_queue() -> None:
    (assignments,) = load(INFRA / "modules" / "servicebus.bicep").resources_of_type(
        "Microsoft.Authorization/roleAssignments"
    )
    assert assignments.loop
    assert assignments.body["scope"] == Expression("queue")


SKIP = re.compile(r"checkov:skip=(?P<id>CKV2?_AZURE_\d+)(?::(?P<reason>.*))?")


def test_every_checkov_skip_names_one_check_and_gives_a_reason() -> None:
    skips = []
    for path in bicep_files():
        for node in walk(load(path).tree.root_node):
            if node.type == "comment" and "checkov:skip" in text(node):
                match = SKIP.search(text(node))
                assert match, f"{path.name}: malformed skip {text(node)!r}"
                reason = (match["reason"] or "").strip()
                assert len(reason) >= 30, f"{path.name}: {match['id']} needs a real reason"
                skips.append(match["id"])
    assert skips, "no checkov skip found: the comment reader is broken"


def test_the_worker_knows_the_queues_max_delivery_count() -> None:
    """The worker journals a command failing on the queue's last delivery as dead-lettered:
    its setting is the queue's own value, passed from the Service Bus module, with the same
    default on both sides."""
    modules = {module.symbol: module for module in load(INFRA / "main.bicep").modules()}
    passed = modules["functionApp"].body["params"]["commandMaxDeliveryCount"]
    assert isinstance(passed, Expression)
    assert passed.text == "serviceBus.outputs.maxDeliveryCount"
    servicebus = load(INFRA / "modules" / "servicebus.bicep")
    function_app = load(INFRA / "modules" / "function-app.bicep")
    default = servicebus.params()["maxDeliveryCount"].default
    assert default == function_app.params()["commandMaxDeliveryCount"].default
    assert default == Settings.model_fields["byoc_command_max_delivery_count"].default
    assert "output maxDeliveryCount int = maxDeliveryCount" in servicebus.path.read_text()
