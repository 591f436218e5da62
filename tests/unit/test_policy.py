"""The routing policy: what a valid one means, and errors an engineer can act on."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from shared.domain.policy import Recovery, SyncMode, load_policy, parse_policy, policy_json_schema
from shared.domain.yaml_source import SourceError
from tests.conftest import EXAMPLE_POLICY, REPO_ROOT

EXAMPLE_TEXT = EXAMPLE_POLICY.read_text()


def problems_of(text: str) -> list[str]:
    with pytest.raises(SourceError) as caught:
        parse_policy(text, "policy.yaml")
    return [str(problem) for problem in caught.value.problems]


def line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


def lines_of(text: str, needle: str) -> list[int]:
    return [n for n, line in enumerate(text.splitlines(), 1) if needle in line]


def test_example_policy_models_the_seed_guides_trunk_group() -> None:
    policy = load_policy(EXAMPLE_POLICY)
    group = policy.trunk_group("TG-BYOC-Primary-Failover")
    assert [m.genesys_trunk for m in group.ordered_members] == [
        "BYOC-Primary-Twilio",
        "BYOC-Failover-Twilio",
    ]
    assert group.failover == "on_failure" and group.recovery is Recovery.ON_SUCCESS
    assert group.thresholds.failures_to_down == 3 and group.thresholds.successes_to_up == 5
    assert policy.mode is SyncMode.SYNC


def test_defaults_fill_what_a_minimal_policy_leaves_out() -> None:
    minimal = """
trunk_groups:
  - name: TG
    twilio_trunk: T
    site: HQ
    outbound_route: TG
    members:
      - genesys_trunk: A
        origination_url: sip:a.example.com
        probe: sip:a.example.com
        priority: 1
routes:
  - {name: r, select: {prefixes: ["+1"]}, ivr: Main, trunk_group: TG}
"""
    policy = parse_policy(minimal)
    assert policy.mode is SyncMode.SYNC and policy.max_deletions == 10
    assert policy.change_guard.max_share == 0.30 and policy.change_guard.min_owned == 10
    group = policy.trunk_groups[0]
    assert group.recovery is Recovery.ON_SUCCESS
    assert (group.thresholds.failures_to_down, group.thresholds.successes_to_up) == (3, 5)
    assert policy.routes[0].did_pool_provider == "PURE_CLOUD"


@pytest.mark.parametrize(
    ("number", "friendly_name", "route"),
    [
        ("+12025550101", "", "main"),  # prefix
        ("+13125550142", "", "support"),  # prefix
        ("+18005550100", "", "support"),  # explicit number
        ("+14155550100", "Sales ROUTE:SUPPORT line", "support"),  # tag, case-insensitive
        ("+14155550100", "unrelated", None),
    ],
)
def test_routes_select_numbers_by_prefix_explicit_number_or_friendly_name_tag(
    number: str, friendly_name: str, route: str | None
) -> None:
    chosen = load_policy(EXAMPLE_POLICY).route_for(number, friendly_name)
    assert (chosen.name if chosen else None) == route


def test_first_route_in_file_order_wins_when_selectors_overlap() -> None:
    text = EXAMPLE_TEXT.replace('prefixes: ["+1312555"]', 'prefixes: ["+1202555", "+1312555"]')
    assert parse_policy(text).route_for("+12025550101").name == "main"  # type: ignore[union-attr]


def test_errors_name_the_field_and_its_line() -> None:
    text = EXAMPLE_TEXT.replace("    ivr: Support IVR", "    ivr: Support IVR\n    colour: blue")
    [problem] = problems_of(text)
    assert problem.startswith(f"line {line_of(text, 'colour: blue')}, column 5: routes.1.colour:")
    assert problem.endswith("unknown key 'colour'")


def test_every_problem_is_reported_at_once() -> None:
    text = EXAMPLE_TEXT.replace('prefixes: ["+1312555"]', 'prefixes: ["1312555"]').replace(
        "failures_to_down: 3", "failures_to_down: 0"
    )
    found = problems_of(text)
    prefix_line = line_of(text, '["1312555"]')
    assert len(found) == 2
    assert any("trunk_groups.0.thresholds.failures_to_down" in p for p in found)
    assert any(f"line {prefix_line}," in p and "E.164 prefix" in p for p in found)


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("priority: 2", "priority: 1", "members repeat priority: 1"),
        (
            "trunk_group: TG-BYOC-Primary-Failover\n  - name: support",
            "trunk_group: TG-Nope\n  - name: support",
            "names trunk group 'TG-Nope', which is not defined",
        ),
        ("  - name: support", "  - name: main", "route names must be unique; repeated: main"),
        (
            'numbers: ["+18005550100"]',
            'numbers: ["18005550100"]',
            "'18005550100' has no country code: write it in E.164 as +18005550100",
        ),
        ('numbers: ["+18005550100"]', 'numbers: ["+1800555"]', "too short for a +1 number"),
        (
            'numbers: ["+18005550100"]',
            'numbers: ["+1 800 555 0100"]',
            "not in E.164 form; write it as +18005550100",
        ),
        ("recovery: on_success", "recovery: sometimes", "recovery"),
        ("mode: sync ", "mode: mirror ", "mode"),
        (
            "probe: sips:sbc-failover.example.com:5061",
            "probe: https://sbc.example.com",
            "must start with sip: or sips:",
        ),
        (
            "probe: sips:sbc-failover.example.com:5061",
            "probe: sip:sbc.example.com;transport=sctp",
            "transport must be udp, tcp or tls",
        ),
    ],
)
def test_invalid_policies_are_rejected_with_the_reason(old: str, new: str, expected: str) -> None:
    assert old in EXAMPLE_TEXT, f"fixture text drifted: {old!r}"
    found = problems_of(EXAMPLE_TEXT.replace(old, new, 1))
    assert any(expected in problem for problem in found), found


def test_a_number_listed_by_two_routes_is_rejected() -> None:
    text = EXAMPLE_TEXT.replace(
        'prefixes: ["+1202555"]', 'prefixes: ["+1202555"]\n      numbers: ["+18005550100"]'
    )
    assert any("listed by routes 'main' and 'support'" in p for p in problems_of(text))


def load_problems(tmp_path: Path, text: str) -> list[str]:
    """Problems as `load_policy` reports them for `text` saved as a policy file."""
    path = tmp_path / "policy.yaml"
    path.write_text(text)
    with pytest.raises(SourceError) as caught:
        load_policy(path)
    return [str(problem) for problem in caught.value.problems]


def test_a_typo_and_a_repeated_number_are_reported_together_each_at_its_line(
    tmp_path: Path,
) -> None:
    text = EXAMPLE_TEXT.replace("failover: on_failure", "failovr: on_failure").replace(
        'prefixes: ["+1202555"]', 'prefixes: ["+1202555"]\n      numbers: ["+18005550100"]'
    )
    first_line, repeated_line = lines_of(text, 'numbers: ["+18005550100"]')
    assert first_line < line_of(text, "name: support") < repeated_line  # the second route's
    assert load_problems(tmp_path, text) == [
        f"line {line_of(text, 'failovr:')}, column 5: trunk_groups.0.failovr: "
        "unknown key 'failovr' (did you mean 'failover'?)",
        f"line {repeated_line}, column 17: routes.1.select.numbers.0: number +18005550100 "
        "is listed by routes 'main' and 'support'; a number can land on one IVR only",
    ]


def test_a_reference_typo_in_two_routes_is_reported_twice(tmp_path: Path) -> None:
    text = EXAMPLE_TEXT.replace(
        "trunk_group: TG-BYOC-Primary-Failover", "trunk_group: TG-BYOC-Primary-Failovr"
    )
    found = load_problems(tmp_path, text)
    assert [p.split(":")[0] for p in found] == [
        f"line {n}, column 5" for n in lines_of(text, "Failovr")
    ]
    assert (
        "route 'support' names trunk group 'TG-BYOC-Primary-Failovr', which is not defined"
        in (found[1])
    )


def test_a_misspelt_required_key_is_one_problem_with_a_suggestion(tmp_path: Path) -> None:
    text = EXAMPLE_TEXT.replace("    ivr: Support IVR", "    iv: Support IVR")
    assert load_problems(tmp_path, text) == [
        f"line {line_of(text, 'iv: Support IVR')}, column 5: routes.1.iv: unknown key 'iv' "
        "(did you mean 'ivr'?); required key 'ivr' is missing"
    ]


def test_an_unknown_key_with_nothing_close_gets_no_suggestion(tmp_path: Path) -> None:
    text = EXAMPLE_TEXT.replace("mode: sync ", "colour: blue\nmode: sync ")
    assert load_problems(tmp_path, text) == [
        f"line {line_of(text, 'colour: blue')}, column 1: colour: unknown key 'colour'"
    ]


def test_cross_field_checks_point_at_the_offending_item_and_keep_field_errors(
    tmp_path: Path,
) -> None:
    text = (
        EXAMPLE_TEXT.replace("priority: 2", "priority: 1")
        .replace("  - name: support", "  - name: main")
        .replace("flap_damping_cap_s: 3600", "flap_damping_cap_s: 30")
        .replace("probe_timeout_s: 2", "probe_timeout_s: 0")
    )
    found = load_problems(tmp_path, text)
    second_priority = lines_of(text, "priority: 1")[1]
    assert found == [
        f"line {line_of(text, 'probe_timeout_s')}, column 7: "
        "trunk_groups.0.thresholds.probe_timeout_s: Input should be greater than 0",
        f"line {line_of(text, 'flap_damping_cap_s')}, column 7: "
        "trunk_groups.0.thresholds.flap_damping_cap_s: "
        "flap_damping_cap_s (30) must be at least min_dwell_s (300)",
        f"line {second_priority}, column 9: trunk_groups.0.members.1.priority: "
        "members repeat priority: 1 (first at members.0)",
        f"line {lines_of(text, '- name: main')[1]}, column 5: routes.1.name: "
        "route names must be unique; repeated: main (first at routes.0)",
    ]


def test_messages_are_plain_not_pydantics(tmp_path: Path) -> None:
    text = EXAMPLE_TEXT.replace("failover: on_failure", "failovr: on_failure").replace(
        "probe: sips:sbc-failover.example.com:5061", "probe: https://sbc.example.com"
    )
    found = load_problems(tmp_path, text)
    assert len(found) == 2
    for problem in found:
        assert "Value error" not in problem and "Extra inputs" not in problem, problem


def test_a_selector_must_select_something() -> None:
    text = EXAMPLE_TEXT.replace(
        '      tags: ["route:main"]       # Twilio friendly name contains this token\n'
        '      prefixes: ["+1202555"]\n',
        "      {}\n",
    )
    assert any("at least one of tags, prefixes or numbers" in p for p in problems_of(text))


def test_yaml_syntax_errors_point_at_the_line() -> None:
    [problem] = problems_of("routes:\n  - name: [unclosed\n")
    assert problem.startswith("line 3") and "not valid YAML" in problem


def test_committed_json_schema_matches_the_code() -> None:
    committed = json.loads((REPO_ROOT / "schemas" / "policy.schema.json").read_text())
    assert committed == policy_json_schema(), (
        "run: byoc-sync policy schema > schemas/policy.schema.json"
    )


runner = CliRunner()


def test_cli_policy_check_accepts_the_example() -> None:
    result = runner.invoke(app, ["policy", "check", str(EXAMPLE_POLICY)])
    assert result.exit_code == 0
    assert "valid — mode sync, 1 trunk group(s), 2 route(s)" in result.output


def test_cli_policy_check_exits_1_with_line_numbered_problems(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(EXAMPLE_TEXT.replace("priority: 2", "priority: 0"))
    result = runner.invoke(app, ["policy", "check", str(bad), "--json"])
    assert result.exit_code == 1
    report = json.loads(result.output)
    assert report["valid"] is False
    [problem] = report["problems"]
    assert problem["location"] == "trunk_groups.0.members.1.priority"
    assert problem["line"] == line_of(EXAMPLE_TEXT, "priority: 2")


def test_cli_policy_check_reports_a_missing_file(tmp_path: Path) -> None:
    result = runner.invoke(app, ["policy", "check", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 1
    assert "No such file" in result.output


def test_cli_policy_schema_prints_the_json_schema() -> None:
    result = runner.invoke(app, ["policy", "schema"])
    assert result.exit_code == 0
    schema = json.loads(result.output)
    assert schema["title"] == "byoc-sync routing policy"
    assert {"trunk_groups", "routes", "mode", "max_deletions"} <= set(schema["properties"])


def test_cli_policy_check_lists_every_problem_with_its_line(tmp_path: Path) -> None:
    text = EXAMPLE_TEXT.replace("failover: on_failure", "failovr: on_failure").replace(
        'prefixes: ["+1202555"]', 'prefixes: ["+1202555"]\n      numbers: ["+18005550100"]'
    )
    bad = tmp_path / "bad.yaml"
    bad.write_text(text)
    result = runner.invoke(app, ["policy", "check", str(bad)])
    assert result.exit_code == 1
    assert f"{bad}: 2 problem(s)" in result.output
    assert (
        f"line {line_of(text, 'failovr')}, column 5: trunk_groups.0.failovr: "
        "unknown key 'failovr' (did you mean 'failover'?)"
    ) in result.output
    assert (
        f"line {lines_of(text, '+18005550100')[1]}, column 17: routes.1.select.numbers.0: "
        "number +18005550100 is listed by routes 'main' and 'support'"
    ) in result.output
