"""Site number plans through the SDK: how Genesys classifies a dialed number (seed §4)."""

from __future__ import annotations

from typing import Any

import PureCloudPlatformClientV2 as genesys
import pytest
from PureCloudPlatformClientV2.rest import ApiException

from sandbox.emulators.genesys import GenesysScenario

from .conftest import byoc_scenario, model

pytestmark = pytest.mark.contract


def _site_id(edge: Any) -> str:
    return str(edge.get_telephony_providers_edges_sites(name="HQ").entities[0].id)


def _toll_free_plan(priority: int = 1) -> Any:
    return model(
        genesys.NumberPlan,
        name="Toll Free",
        classification="Toll Free",
        match_type="e164NumberList",
        numbers=[model(genesys.Number, start="+18000000000", end="+18009999999")],
        priority=priority,
    )


def test_a_new_site_has_the_default_plans_in_priority_order(edge: Any) -> None:
    plans = edge.get_telephony_providers_edges_site_numberplans(_site_id(edge))
    assert [(p.name, p.match_type, p.priority) for p in plans] == [
        ("Emergency", "numberList", 1),
        ("Extension", "digitLength", 2),
        ("Network", "regex", 3),
        ("National", "intraCountryCode", 4),
        ("International", "interCountryCode", 5),
        ("Suicide Prevention", "regex", 6),
    ]
    assert (plans[5].match, plans[5].normalized_format) == ("^988$", "+18002738255")
    emergency, extension = plans[0], plans[1]
    assert [(n.start, n.end) for n in emergency.numbers] == [("911", None), ("933", None)]
    assert (extension.digit_length.start, extension.digit_length.end) == ("4", "6")
    one = edge.get_telephony_providers_edges_site_numberplan(_site_id(edge), emergency.id)
    assert one.classification == "Emergency" and one.state == "active"


def test_the_site_location_carries_its_country(edge: Any) -> None:
    site = edge.get_telephony_providers_edges_site(_site_id(edge))
    assert site.location.address.country == "US"


def test_put_replaces_the_list_keeping_ids_and_ordering_by_priority(edge: Any) -> None:
    site_id = _site_id(edge)
    before = edge.get_telephony_providers_edges_site_numberplans(site_id)
    national = next(p for p in before if p.name == "National")
    written = edge.put_telephony_providers_edges_site_numberplans(
        site_id, [national, _toll_free_plan(priority=0)]
    )
    assert [p.name for p in written] == ["Toll Free", "National"]
    assert written[1].id == national.id  # same plan, same id
    again = edge.get_telephony_providers_edges_site_numberplans(site_id)
    assert [(p.name, p.numbers and p.numbers[0].start) for p in again] == [
        ("Toll Free", "+18000000000"),
        ("National", None),
    ]


@pytest.mark.parametrize(
    "plan, reason",
    [
        ({"match_type": "regex", "match": "(unclosed"}, "regular expression"),
        ({"match_type": "regex"}, "needs match"),
        ({"match_type": "numberList", "numbers": []}, "needs numbers"),
        ({"match_type": "numberList", "numbers": [{"start": "1"}]}, "2-9 digits"),
        ({"match_type": "e164NumberList", "numbers": [{"start": "8005550100"}]}, "E.164"),
        ({"match_type": "digitLength"}, "digitLength"),
        ({"match_type": "everything"}, "matchType"),
    ],
)
def test_a_plan_genesys_would_refuse_is_a_400(edge: Any, plan: dict[str, Any], reason: str) -> None:
    body = model(genesys.NumberPlan, name="Bad", classification="National", **plan)
    with pytest.raises(ApiException) as err:
        edge.put_telephony_providers_edges_site_numberplans(_site_id(edge), [body])
    assert err.value.status == 400
    assert reason.lower() in str(err.value.body).lower()


def test_two_plans_with_one_name_are_a_400(edge: Any) -> None:
    with pytest.raises(ApiException) as err:
        edge.put_telephony_providers_edges_site_numberplans(
            _site_id(edge), [_toll_free_plan(), _toll_free_plan(priority=2)]
        )
    assert err.value.status == 400 and "unique" in str(err.value.body)


def test_a_site_holds_at_most_200_plans(edge: Any) -> None:
    plans = [
        model(
            genesys.NumberPlan,
            name=f"Plan {n}",
            classification="Toll Free",
            match_type="e164NumberList",
            numbers=[model(genesys.Number, start=f"+1800555{n:04d}")],
        )
        for n in range(201)
    ]
    with pytest.raises(ApiException) as err:
        edge.put_telephony_providers_edges_site_numberplans(_site_id(edge), plans)
    assert err.value.status == 400 and "at most 200" in str(err.value.body)
    kept = edge.put_telephony_providers_edges_site_numberplans(_site_id(edge), plans[:200])
    assert len(kept) == 200


def test_unknown_site_or_plan_is_404(edge: Any) -> None:
    with pytest.raises(ApiException) as no_site:
        edge.get_telephony_providers_edges_site_numberplans("missing")
    with pytest.raises(ApiException) as no_plan:
        edge.get_telephony_providers_edges_site_numberplan(_site_id(edge), "missing")
    assert no_site.value.status == no_plan.value.status == 404


@pytest.mark.parametrize(
    "scenario",
    [
        byoc_scenario(
            sites=[
                {
                    "name": "HQ",
                    "country": "GB",
                    "number_plans": [
                        {
                            "name": "UK",
                            "classification": "National",
                            "match_type": "regex",
                            "match": r"^\+44\d{10}$",
                        },
                    ],
                }
            ]
        )
    ],
)
def test_a_scenario_seeds_its_own_plans_and_country(scenario: GenesysScenario, edge: Any) -> None:
    site_id = _site_id(edge)
    (plan,) = edge.get_telephony_providers_edges_site_numberplans(site_id)
    assert (plan.name, plan.match, plan.priority) == ("UK", r"^\+44\d{10}$", 1)
    assert edge.get_telephony_providers_edges_site(site_id).location.address.country == "GB"
