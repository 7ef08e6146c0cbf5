"""The directory file and the scope rule."""

from pathlib import Path

import pytest

from services.gateway.directory import DirectoryError, covers, parse_directory
from services.gateway.identity import ROLES

DEMO = Path(__file__).resolve().parents[2] / "data" / "demo-district.yaml"


def test_the_demo_district_has_the_places_of_the_article():
    directory = parse_directory(DEMO.read_text(encoding="utf-8"), ROLES)
    names = {node.name for node in directory.nodes}
    for place in (
        "展览馆社区",
        "博尔顿小区",
        "正泰小区",
        "长湾湾小区",
        "锡林社区",
        "落雁社区",
        "棚城社区",
        "梁山街社区",
        "道则石盘村",
        "巴北社区",
        "奔腾社区",
        "窑沟乡",
    ):
        assert place in names
    boerdun = next(n for n in directory.nodes if n.name == "博尔顿小区")
    assert boerdun.ancestors == (
        "150100",
        "150105",
        "150105001",
        "150105001001",
        "150105001001-G01",
    )


def test_a_scope_covers_its_subtree_only():
    ancestors = ("150100", "150105", "150105001", "150105001001")
    assert covers("150105", "150105001001-G01", ancestors)
    assert covers("150105001001-G01", "150105001001-G01", ancestors)
    assert not covers("150102001001", "150105001001-G01", ancestors)


@pytest.mark.parametrize(
    "text, message",
    [
        ("root: [", "not valid YAML"),
        ("nodes: []", "needs a 'root'"),
        ("root: {code: A, name: a, kind: planet}", "unknown kind"),
        (
            "root: {code: A, name: a, kind: community, children: [{code: B, name: b, "
            "kind: street}]}",
            "cannot sit under",
        ),
        (
            "root: {code: A, name: a, kind: city, children: [{code: A, name: b, kind: district}]}",
            "appears twice",
        ),
        (
            "root: {code: A, name: a, kind: city}\npeople: [{name: x, role: king, node: A}]",
            "unknown role",
        ),
        (
            "root: {code: A, name: a, kind: city}\npeople: [{name: x, role: ops, node: Z}]",
            "unknown node",
        ),
        (
            "root: {code: A, name: a, kind: city}\npeople: [{name: "
            + "x" * 121
            + ", role: ops, node: A}]",
            "over 120 characters",
        ),
    ],
)
def test_a_broken_directory_file_is_refused_with_the_reason(text, message):
    with pytest.raises(DirectoryError, match=message):
        parse_directory(text, ROLES)
