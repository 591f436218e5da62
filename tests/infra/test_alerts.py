"""What watches byoc-sync in Azure, read from the Bicep: every alert the runbook lists exists
with its severity, notifies the action group and names its runbook section; the
availability test requests /api/healthz; and every query of the alert rules and of the
workbook names only metrics, attributes and values of the telemetry contract."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import pytest
import yaml

from tests.conftest import REPO_ROOT
from tests.infra.bicep import INFRA, BicepFile, Expression, Resource, load, text, walk
from tests.infra.telemetry_contract import (
    CONTRACT_FILE,
    Contract,
    load_contract,
    metrics_named,
    problems,
)

ALERTS_FILE = INFRA / "modules" / "alerts.bicep"
WORKBOOK_MODULE = INFRA / "modules" / "workbook.bicep"
WORKBOOK_FILE = INFRA / "workbooks" / "operations.json"
RUNBOOK = REPO_ROOT / "docs" / "alerts.md"

METRIC_ALERT = "Microsoft.Insights/metricAlerts"
LOG_ALERT = "Microsoft.Insights/scheduledQueryRules"

# name -> (kind of rule, severity). Adding an alert means adding it here and to docs/alerts.md.
REQUIRED = {
    "byoc-dead-lettered-commands": (METRIC_ALERT, 1),
    "byoc-command-queue-backlog": (METRIC_ALERT, 2),
    "byoc-service-bus-throttled": (METRIC_ALERT, 2),
    "byoc-service-bus-server-errors": (METRIC_ALERT, 2),
    "byoc-healthz-unavailable": (METRIC_ALERT, 1),
    "byoc-trunk-group-failover": (LOG_ALERT, 1),
    "byoc-trunk-group-failback": (LOG_ALERT, 3),
    "byoc-reconcile-failing": (LOG_ALERT, 2),
    "byoc-feed-failing": (LOG_ALERT, 2),
    "byoc-timer-failing": (LOG_ALERT, 2),
    "byoc-vendor-throttling": (LOG_ALERT, 2),
    "byoc-http-server-errors": (LOG_ALERT, 2),
    "byoc-journal-write-failures": (LOG_ALERT, 2),
}
IN_A_ROW = ("byoc-reconcile-failing", "byoc-feed-failing", "byoc-timer-failing")
ACTION_GROUP = Expression("actionGroup.id")


@dataclass(frozen=True)
class Alert:
    """One alert rule as deployed: a looped resource's fields filled in from its rule."""

    name: str
    kind: str
    severity: Any
    description: str
    runbook: str  # the section of docs/alerts.md
    enabled: Any
    actions: Any
    rule: dict[str, Any]  # the rule's entry in its table (empty for a resource of its own)


def alerts_bicep() -> BicepFile:
    return load(ALERTS_FILE)


def the(bicep: BicepFile, resource_type: str, symbol: str) -> Resource:
    (resource,) = [r for r in bicep.resources_of_type(resource_type) if r.symbol == symbol]
    return resource


def rules(bicep: BicepFile, table: str) -> list[dict[str, Any]]:
    value = bicep.variables()[table]
    assert isinstance(value, list) and all(isinstance(rule, dict) for rule in value), table
    return value


def runbook_of(reference: Any) -> str:
    """The section named by a Bicep interpolation '${runbooks}<section>'."""
    assert isinstance(reference, Expression), reference
    match = re.fullmatch(r"'\$\{runbooks\}(.*)'", reference.text)
    assert match, f"runbook reference {reference.text} does not start from `runbooks`"
    return match[1]


def all_alerts() -> dict[str, Alert]:
    bicep = alerts_bicep()
    assert bicep.variables()["runbooks"] == "docs/alerts.md#"
    found: dict[str, Alert] = {}

    looped = the(bicep, METRIC_ALERT, "serviceBusAlerts")
    assert looped.loop_over == "serviceBusRules"
    assert looped.body["name"] == Expression("rule.name")
    props = looped.body["properties"]
    assert props["severity"] == Expression("rule.severity")
    assert props["description"] == Expression("rule.description")
    (action,) = props["actions"]
    assert runbook_of(action["webHookProperties"]["runbook"]) == "${rule.runbook}"
    for rule in rules(bicep, "serviceBusRules"):
        found[rule["name"]] = Alert(
            rule["name"], METRIC_ALERT, rule["severity"], rule["description"],
            rule["runbook"], props["enabled"], props["actions"], rule,
        )  # fmt: skip

    healthz = the(bicep, METRIC_ALERT, "healthzAlert")
    props = healthz.body["properties"]
    (action,) = props["actions"]
    found[healthz.body["name"]] = Alert(
        healthz.body["name"], METRIC_ALERT, props["severity"], props["description"],
        runbook_of(action["webHookProperties"]["runbook"]), props["enabled"], props["actions"],
        {},
    )  # fmt: skip

    logs = the(bicep, LOG_ALERT, "logAlerts")
    assert logs.loop_over == "logRules"
    assert logs.body["name"] == Expression("rule.name")
    props = logs.body["properties"]
    assert props["severity"] == Expression("rule.severity")
    assert props["description"] == Expression("rule.description")
    assert runbook_of(props["actions"]["customProperties"]["runbook"]) == "${rule.runbook}"
    for rule in rules(bicep, "logRules"):
        found[rule["name"]] = Alert(
            rule["name"], LOG_ALERT, rule["severity"], rule["description"], rule["runbook"],
            props["enabled"], props["actions"], rule,
        )  # fmt: skip
    return found


def log_rule(name: str) -> dict[str, Any]:
    alert = all_alerts()[name]
    assert alert.kind == LOG_ALERT
    return alert.rule


def runbook_anchors() -> set[str]:
    """GitHub's anchors of the headings of docs/alerts.md."""
    headings = re.findall(r"^#{1,6} (.+)$", RUNBOOK.read_text(), re.MULTILINE)
    return {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-") for h in headings}


# ------------------------------------------------------------------ every alert
def test_every_required_alert_is_declared_with_its_kind_and_severity() -> None:
    declared = {name: (alert.kind, alert.severity) for name, alert in all_alerts().items()}
    assert declared == REQUIRED


def test_every_alert_notifies_the_action_group_and_follows_alerts_enabled() -> None:
    for name, alert in all_alerts().items():
        assert alert.enabled == Expression("alertsEnabled"), name
        if alert.kind == METRIC_ALERT:
            assert [a["actionGroupId"] for a in alert.actions] == [ACTION_GROUP], name
        else:
            assert alert.actions["actionGroups"] == [ACTION_GROUP], name


def test_every_alert_says_what_it_means_and_has_its_section_in_the_runbook() -> None:
    anchors = runbook_anchors()
    table = RUNBOOK.read_text().split("## The alerts", 1)[1].split("\n## ", 1)[0]
    for name, alert in all_alerts().items():
        assert isinstance(alert.description, str) and len(alert.description) >= 80, name
        assert alert.runbook in anchors, f"{name}: docs/alerts.md has no section {alert.runbook}"
        assert f"| `{name}` |" in table, f"{name} is not in the table of docs/alerts.md"


def test_the_action_group_sends_to_the_receivers_given_as_parameters() -> None:
    bicep = alerts_bicep()
    params = bicep.params()
    assert params["alertEmails"].default == ""
    assert params["alertWebhookUrls"].default == ""
    assert "secure" in params["alertWebhookUrls"].decorators
    group = the(bicep, "Microsoft.Insights/actionGroups", "actionGroup")
    assert group.body["location"] == "global"
    props = group.body["properties"]
    assert len(props["groupShortName"]) <= 12  # the service's limit
    variables = bicep.variables()
    assert "alertEmails" in variables["emails"].text
    assert "alertWebhookUrls" in variables["webhooks"].text
    receivers = {
        node_text
        for node in walk(bicep.tree.root_node)
        if node.type == "for_statement"
        for node_text in [text(node)]
        if "emailAddress" in node_text or "serviceUri" in node_text
    }
    assert any("emails[i]" in r and "useCommonAlertSchema: true" in r for r in receivers)
    assert any("webhooks[i]" in r and "useCommonAlertSchema: true" in r for r in receivers)


# ------------------------------------------------------------------ Service Bus
def test_the_dead_letter_alert_fires_on_any_dead_lettered_command_of_the_queue() -> None:
    rule = all_alerts()["byoc-dead-lettered-commands"].rule
    assert rule["metric"] == "DeadletteredMessages"
    assert rule["threshold"] == 0
    assert rule["dimensions"] == Expression("queueOnly")
    (dimension,) = alerts_bicep().variables()["queueOnly"]
    assert dimension == {
        "name": "EntityName",
        "operator": "Include",
        "values": [Expression("commandQueueName")],
    }


def test_the_backlog_alert_watches_waiting_commands_of_the_queue() -> None:
    rule = all_alerts()["byoc-command-queue-backlog"].rule
    assert rule["metric"] == "ActiveMessages"
    assert rule["threshold"] == Expression("queueBacklogThreshold")
    assert rule["dimensions"] == Expression("queueOnly")
    assert alerts_bicep().params()["queueBacklogThreshold"].default == 100


def test_service_bus_alerts_read_the_namespace_metrics() -> None:
    looped = the(alerts_bicep(), METRIC_ALERT, "serviceBusAlerts")
    props = looped.body["properties"]
    assert props["scopes"] == [Expression("serviceBusNamespaceId")]
    criteria = props["criteria"]
    assert criteria["odata.type"] == "Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria"
    (criterion,) = criteria["allOf"]
    assert criterion["metricNamespace"] == "Microsoft.ServiceBus/namespaces"
    assert criterion["metricName"] == Expression("rule.metric")
    assert criterion["dimensions"] == Expression("rule.dimensions")
    metrics = {rule["metric"] for rule in rules(alerts_bicep(), "serviceBusRules")}
    assert metrics == {
        "DeadletteredMessages",
        "ActiveMessages",
        "ThrottledRequests",
        "ServerErrors",
    }


# ------------------------------------------------------------------ availability
def test_the_availability_test_requests_healthz_over_https_from_five_locations() -> None:
    bicep = alerts_bicep()
    webtest = the(bicep, "Microsoft.Insights/webtests", "healthzTest")
    assert webtest.body["kind"] == "standard"
    props = webtest.body["properties"]
    assert props["Kind"] == "standard"
    assert props["Request"]["RequestUrl"] == Expression(
        "'https://${functionAppHostName}/api/healthz'"
    )
    assert props["Request"]["HttpVerb"] == "GET"
    assert props["ValidationRules"]["ExpectedHttpStatusCode"] == 200
    assert props["ValidationRules"]["SSLCheck"] is True
    assert props["Frequency"] == 300
    assert props["Timeout"] <= props["Frequency"]
    # Its results go to the component the hidden link names.
    assert "'hidden-link:${applicationInsightsId}': 'Resource'" in webtest.body["tags"].text
    locations = bicep.params()["availabilityLocations"].default
    assert len(set(locations)) >= 5
    assert any(
        node.type == "for_statement" and "availabilityLocations" in text(node)
        for node in walk(bicep.tree.root_node)
    )


def test_the_availability_alert_fires_when_several_locations_fail_the_test() -> None:
    bicep = alerts_bicep()
    props = the(bicep, METRIC_ALERT, "healthzAlert").body["properties"]
    assert props["scopes"] == [Expression("healthzTest.id"), Expression("applicationInsightsId")]
    criteria = props["criteria"]
    assert criteria["odata.type"] == "Microsoft.Azure.Monitor.WebtestLocationAvailabilityCriteria"
    assert criteria["webTestId"] == Expression("healthzTest.id")
    assert criteria["componentId"] == Expression("applicationInsightsId")
    assert criteria["failedLocationCount"] == Expression("availabilityFailedLocations")
    failing = bicep.params()["availabilityFailedLocations"].default
    assert 1 < failing < len(bicep.params()["availabilityLocations"].default)


# ------------------------------------------------------------------ log search rules
def test_every_log_rule_queries_application_insights_and_takes_its_fields_from_its_rule() -> None:
    logs = the(alerts_bicep(), LOG_ALERT, "logAlerts")
    props = logs.body["properties"]
    assert logs.body["kind"] == "LogAlert"
    assert props["scopes"] == [Expression("applicationInsightsId")]
    (condition,) = props["criteria"]["allOf"]
    assert condition["query"] == Expression("rule.query")
    assert condition["threshold"] == Expression("rule.threshold")
    assert condition["operator"] == Expression("rule.operator")
    assert props["windowSize"] == Expression("rule.windowSize")


@pytest.mark.parametrize("rule", rules(alerts_bicep(), "logRules"), ids=lambda r: r["name"])
def test_every_log_rule_query_names_only_what_the_contract_holds(rule: dict[str, Any]) -> None:
    query = rule["query"]
    assert isinstance(query, str), f"{rule['name']}: the query must be a literal"
    assert problems(query, load_contract()) == []


@pytest.mark.parametrize("rule", rules(alerts_bicep(), "logRules"), ids=lambda r: r["name"])
def test_every_log_rule_query_returns_its_measure_dimensions_and_a_timestamp(
    rule: dict[str, Any],
) -> None:
    query = rule["query"]
    last = query.strip().splitlines()[-1]  # the query's output: its final project / summarize
    assert re.search(r"\btimestamp\b", last), f"{rule['name']}: no timestamp column out"
    if rule["measure"]:
        assert re.search(rf"\b{rule['measure']}\s*=", last), rule["name"]
    for dimension in rule["dimensions"]:
        assert re.search(rf"\b{dimension}\b", last), f"{rule['name']}: no {dimension} column"
    assert rule["periods"] >= 1
    assert rule["operator"] in ("GreaterThan", "GreaterThanOrEqual")


def test_the_failover_alerts_name_the_trunk_group_and_the_reason() -> None:
    for name, direction in (
        ("byoc-trunk-group-failover", "failover"),
        ("byoc-trunk-group-failback", "failback"),
    ):
        rule = log_rule(name)
        assert metrics_named(rule["query"]) == {"byoc.failovers"}
        assert f'direction == "{direction}"' in rule["query"]
        assert rule["dimensions"] == ["trunk_group", "reason"]
        assert rule["threshold"] == 0


@pytest.mark.parametrize("name", IN_A_ROW)
def test_in_a_row_alerts_count_the_failures_since_the_last_success(name: str) -> None:
    rule = log_rule(name)
    assert rule["threshold"] == Expression("repeatedFailures")
    assert rule["operator"] == "GreaterThanOrEqual"
    assert "last_ok" in rule["query"] and "isnull(last_ok) or timestamp > last_ok" in rule["query"]
    assert alerts_bicep().params()["repeatedFailures"].default == 3


def test_the_in_a_row_alerts_watch_the_reconcile_the_feeds_and_the_timers() -> None:
    reconcile, feeds, timers = (log_rule(name)["query"] for name in IN_A_ROW)
    assert metrics_named(reconcile) == {"byoc.commands"}
    assert 'command_type == "reconcile"' in reconcile
    assert metrics_named(feeds) == {"byoc.feed.polls"}
    assert log_rule("byoc-feed-failing")["dimensions"] == ["feed"]
    assert metrics_named(timers) == {"byoc.timer.runs"}
    assert log_rule("byoc-timer-failing")["dimensions"] == ["timer"]


def test_vendor_throttling_alerts_only_when_it_lasts_three_windows() -> None:
    rule = log_rule("byoc-vendor-throttling")
    assert metrics_named(rule["query"]) == {"byoc.vendor.throttled"}
    assert rule["dimensions"] == ["vendor"]
    assert rule["periods"] == 3 and rule["windowSize"] == "PT5M"
    assert rule["threshold"] == Expression("vendorThrottleThreshold")


def test_the_5xx_alert_counts_server_errors_of_the_function_app() -> None:
    rule = log_rule("byoc-http-server-errors")
    assert rule["query"].strip().startswith("requests")
    assert "between (500 .. 599)" in rule["query"]
    assert rule["measure"] == ""  # rows are counted
    assert rule["threshold"] == Expression("serverErrorThreshold")


# ------------------------------------------------------------------ the contract
def test_the_contract_lists_a_kind_for_every_metric_and_values_only_of_its_attributes() -> None:
    contract = load_contract()
    assert contract.metrics and all(m.startswith("byoc.") for m in contract.metrics)
    assert set(contract.kinds) == set(contract.metrics)
    assert set(contract.kinds.values()) <= {"counter", "histogram"}
    for metric, by_attribute in contract.values.items():
        assert metric in contract.metrics, metric
        assert set(by_attribute) <= set(contract.metrics[metric]), metric


def test_the_alerts_module_states_the_same_contract() -> None:
    block = re.findall(
        r"^//\s+(byoc\.\S+)\s+(counter|histogram)\s*(.*)$", ALERTS_FILE.read_text(), re.M
    )
    stated = {
        metric: (kind, sorted(re.findall(r"[a-z_]+", rest.split("(")[0])))
        for metric, kind, rest in block
    }
    contract = load_contract()
    assert stated == {
        metric: (contract.kinds[metric], sorted(attributes))
        for metric, attributes in contract.metrics.items()
    }


GOOD = """customMetrics
| where name == "byoc.feed.polls"
| extend feed = tostring(customDimensions.feed), outcome = tostring(customDimensions.outcome)
| where outcome == "failed" and feed in ("twilio-monitor")
"""


@pytest.mark.parametrize(
    ("query", "complaint"),
    [
        (GOOD.replace("byoc.feed.polls", "byoc.feed.poll"), "metric byoc.feed.poll"),
        (GOOD.replace("customDimensions.feed", "customDimensions.source"), "attribute source"),
        (GOOD.replace('"failed"', '"error"'), 'outcome == "error"'),
        (GOOD.replace('("twilio-monitor")', '("twilio")'), 'feed == "twilio"'),
        (GOOD.replace("feed = tostring", "stream = tostring"), "read as stream"),
        ("customMetrics\n| summarize sum(value) by name", "without naming a metric"),
    ],
)
def test_the_contract_reader_finds_what_the_contract_does_not_hold(
    query: str, complaint: str
) -> None:
    assert problems(GOOD, load_contract()) == []
    found = problems(query, load_contract())
    assert any(complaint in problem for problem in found), found


# ------------------------------------------------------------------ the workbook
def workbook() -> dict[str, Any]:
    value = json.loads(WORKBOOK_FILE.read_text())
    assert isinstance(value, dict)
    return value


def items(node: Any) -> list[dict[str, Any]]:
    """Every item of the workbook, groups' items included."""
    found = []
    for item in node.get("items", []):
        found.append(item)
        found.extend(items(item.get("content", {})))
    return found


def workbook_queries() -> list[tuple[str, str]]:
    return [(i["name"], i["content"]["query"]) for i in items(workbook()) if i["type"] == 3]


def test_the_workbook_is_a_notebook_with_the_sections_the_issue_asks_for() -> None:
    book = workbook()
    assert book["version"] == "Notebook/1.0"
    assert book["fallbackResourceIds"] == ["__APPLICATION_INSIGHTS_ID__"]
    headings = [i["content"]["json"].splitlines()[0] for i in items(book) if i["type"] == 1]
    for section in (
        "## Trunk group timeline",
        "## Drift found and repaired",
        "## Purchases and commands",
        "## Vendor calls and throttling",
        "## Command queue and endpoints",
    ):
        assert section in headings, section
    names = [i["name"] for i in items(book)]
    assert len(names) == len(set(names)), "workbook item names must be unique"


def test_every_workbook_query_names_only_what_the_contract_holds() -> None:
    contract: Contract = load_contract()
    used: set[str] = set()
    for name, query in workbook_queries():
        assert problems(query, contract) == [], name
        used |= metrics_named(query)
    assert used == set(contract.metrics), "every metric of the contract has a chart"


def test_the_workbook_charts_dead_letters_and_waiting_commands_of_the_namespace() -> None:
    charts = [i["content"] for i in items(workbook()) if i["type"] == 10]
    metrics = {m["metric"] for chart in charts for m in chart["metrics"]}
    assert metrics == {
        "microsoft.servicebus/namespaces--DeadletteredMessages",
        "microsoft.servicebus/namespaces--ActiveMessages",
    }
    assert all(chart["resourceIds"] == ["__SERVICE_BUS_NAMESPACE_ID__"] for chart in charts)


def test_the_workbook_module_fills_in_every_placeholder_of_the_definition() -> None:
    bicep = load(WORKBOOK_MODULE)
    placeholders = set(re.findall(r"__[A-Z_]+__", WORKBOOK_FILE.read_text()))
    filled = {s for s in bicep.string_literals() if re.fullmatch(r"__[A-Z_]+__", s)}
    assert placeholders == filled == {"__APPLICATION_INSIGHTS_ID__", "__SERVICE_BUS_NAMESPACE_ID__"}
    assert "../workbooks/operations.json" in bicep.string_literals()
    assert "loadTextContent" in bicep.called_functions()
    (book,) = bicep.resources_of_type("Microsoft.Insights/workbooks")
    assert book.body["kind"] == "shared"
    assert book.body["properties"]["serializedData"] == Expression("definition")
    assert book.body["properties"]["sourceId"] == Expression("toLower(applicationInsightsId)")
    # loadTextContent reads at most 131,072 characters.
    assert len(WORKBOOK_FILE.read_text()) < 131_072


# ------------------------------------------------------------------ wiring and delivery
def test_main_wires_the_alerts_to_the_app_the_queue_and_the_component() -> None:
    main = load(INFRA / "main.bicep")
    modules = {module.symbol: module.body["params"] for module in main.modules()}
    alerts = modules["alerts"]
    assert alerts["functionAppHostName"] == Expression("functionApp.outputs.defaultHostName")
    assert alerts["commandQueueName"] == Expression("serviceBus.outputs.queueName")
    assert alerts["serviceBusNamespaceId"] == Expression("serviceBus.outputs.id")
    assert alerts["applicationInsightsId"] == Expression("monitoring.outputs.applicationInsightsId")
    assert modules["workbook"]["serviceBusNamespaceId"] == Expression("serviceBus.outputs.id")
    assert "secure" in main.params()["alertWebhookUrls"].decorators
    assert main.params()["alertsEnabled"].default is True


def test_azd_and_ci_pass_the_alert_receivers() -> None:
    parameters = json.loads((INFRA / "main.parameters.json").read_text())["parameters"]
    assert parameters["alertEmails"] == {"value": "${BYOC_ALERT_EMAILS}"}
    assert parameters["alertWebhookUrls"] == {"value": "${BYOC_ALERT_WEBHOOK_URLS}"}
    assert parameters["alertsEnabled"] == {"value": "${BYOC_ALERTS_ENABLED=true}"}
    workflow = yaml.safe_load((REPO_ROOT / ".github" / "workflows" / "ci.yml").read_text())
    env = workflow["jobs"]["deploy"]["env"]
    assert env["BYOC_ALERT_EMAILS"] == "${{ vars.BYOC_ALERT_EMAILS }}"
    assert env["BYOC_ALERT_WEBHOOK_URLS"] == "${{ secrets.BYOC_ALERT_WEBHOOK_URLS }}"


def test_the_contract_file_is_where_the_docs_say() -> None:
    assert CONTRACT_FILE == INFRA / "telemetry-contract.json"
    assert "infra/telemetry-contract.json" in RUNBOOK.read_text()
    assert "docs/alerts.md" in (REPO_ROOT / "README.md").read_text()
