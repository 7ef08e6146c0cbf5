"""The catalogue per community: the district default, then each node's additions, overrides
and removals from the top down; answers checked against Open311-style attributes."""

import pytest

from services.issues.domain.catalogue import (
    CatalogueError,
    Override,
    check_answers,
    check_definition,
    district_default,
    find,
    next_level,
    resolve,
)

DEFAULTS = district_default()


def codes(categories):
    return {c["code"] for c in categories}


def test_a_community_without_changes_offers_the_district_default():
    assert codes(resolve(DEFAULTS, [])) == codes(DEFAULTS)
    assert "heating" in codes(DEFAULTS)


def test_a_street_overrides_a_deadline_and_its_community_keeps_the_rest():
    resolved = resolve(DEFAULTS, [Override("street", "heating", "override", {"response_hours": 1})])
    heating = find(resolved, "heating")
    assert heating["response_hours"] == 1.0
    assert heating["name"]["zh-CN"] == "供暖不热"


def test_a_community_removes_what_its_street_added():
    overrides = [
        Override("street", "bike_shed", "add", {"name": {"zh-CN": "车棚", "en": "Bike shed"}}),
        Override("community", "bike_shed", "remove", {}),
    ]
    assert "bike_shed" not in codes(resolve(DEFAULTS, overrides))


def test_a_lower_node_has_the_last_word():
    overrides = [
        Override("street", "heating", "override", {"resolution_hours": 9}),
        Override("community", "heating", "override", {"resolution_hours": 18}),
    ]
    assert find(resolve(DEFAULTS, overrides), "heating")["resolution_hours"] == 18.0


def test_an_unknown_category_names_the_field():
    with pytest.raises(CatalogueError) as raised:
        find(DEFAULTS, "nope")
    assert "category" in raised.value.fields


def test_required_answers_and_list_values_are_checked():
    environment = find(DEFAULTS, "environment")
    assert check_answers(environment, {"spot": "yard"}) == {"spot": "yard"}
    with pytest.raises(CatalogueError) as missing:
        check_answers(environment, {})
    assert missing.value.fields == {"spot": ["required"]}
    with pytest.raises(CatalogueError):
        check_answers(environment, {"spot": "roof"})


def test_a_reporter_cannot_answer_a_hidden_question():
    heating = find(DEFAULTS, "heating")
    with pytest.raises(CatalogueError) as raised:
        check_answers(heating, {"heating_company": "热电公司"})
    assert "heating_company" in raised.value.fields


def test_a_number_answer_must_be_a_number():
    heating = find(DEFAULTS, "heating")
    assert check_answers(heating, {"indoor_temperature": "14.5"})
    with pytest.raises(CatalogueError):
        check_answers(heating, {"indoor_temperature": "cold"})


def test_an_emergency_category_carries_its_stop_message():
    assert "119" in find(DEFAULTS, "gas_leak")["stop_message"]["zh-CN"]


def test_an_override_with_a_bad_deadline_or_level_is_refused():
    problems = check_definition({"response_hours": -1, "escalation_chain": ["moon"]})
    assert set(problems) == {"response_hours", "escalation_chain"}


def test_the_escalation_chain_goes_one_level_up():
    chain = ["community", "street", "district"]
    assert next_level(chain, "grid") == "community"
    assert next_level(chain, "community") == "street"
    assert next_level(chain, "district") is None
