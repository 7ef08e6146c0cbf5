"""Routing: a new issue goes to the grid worker of its grid, else the community's staff."""

import pytest

from services.issues.domain.routing import (
    Assignment,
    Location,
    LocationError,
    Node,
    resolve_grid,
    route,
)

COMMUNITY = "C"
NODES = {
    "C": Node("C", "community", "S", ("D", "S")),
    "G1": Node("G1", "grid", "C", ("D", "S", "C")),
    "G2": Node("G2", "grid", "C", ("D", "S", "C")),
    "P1": Node("P1", "compound", "G1", ("D", "S", "C", "G1")),
    "B1": Node("B1", "building", "P1", ("D", "S", "C", "G1", "P1")),
    "X": Node("X", "compound", "G9", ("D", "S", "OTHER", "G9")),
}
HOLDERS = {("grid_worker", "G1"): ["w1", "w2"], ("social_worker", "C"): ["s1"]}


def find_holders(role, node):
    return HOLDERS.get((role, node), [])


def test_the_grid_of_a_building_is_the_grid_above_it():
    assert resolve_grid(Location(COMMUNITY, building="B1"), NODES.get) == "G1"


def test_a_given_grid_is_kept():
    assert resolve_grid(Location(COMMUNITY, grid="G2"), NODES.get) == "G2"


def test_a_compound_of_another_community_is_refused():
    with pytest.raises(LocationError):
        resolve_grid(Location(COMMUNITY, compound="X"), NODES.get)


def test_a_building_contradicting_the_given_grid_is_refused():
    with pytest.raises(LocationError):
        resolve_grid(Location(COMMUNITY, grid="G2", building="B1"), NODES.get)


def test_places_not_yet_known_locally_are_taken_as_given():
    assert resolve_grid(Location(COMMUNITY, grid="G-new", compound="P-new"), NODES.get) == "G-new"


def test_the_first_grid_worker_of_the_grid_gets_the_issue():
    assert route("G1", COMMUNITY, find_holders) == Assignment("w1", "grid_worker")


def test_without_a_grid_worker_the_communitys_social_worker_gets_it():
    assert route("G2", COMMUNITY, find_holders) == Assignment("s1", "social_worker")
    assert route(None, COMMUNITY, find_holders) == Assignment("s1", "social_worker")


def test_with_nobody_on_duty_the_issue_stays_unassigned():
    assert route(None, "elsewhere", find_holders) is None
