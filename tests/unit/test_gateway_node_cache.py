"""The gateway keeps directory nodes a few seconds; when one expires, one request reads it
again while concurrent requests keep the old value for that moment."""

from services.gateway import repository
from services.gateway.repository import DirectoryRepository, Node


class CountingSession:
    def __init__(self, node: Node, during_get=None) -> None:
        self.node, self.gets, self.during_get = node, 0, during_get

    def get(self, _model, _code):
        self.gets += 1
        if self.during_get is not None:
            self.during_get()
        return self.node


def a_node(name: str) -> Node:
    return Node(
        code="150105001001",
        name=name,
        name_en=None,
        kind="community",
        parent="150105001",
        ancestors=["150105", "150105001"],
        timezone="Asia/Shanghai",
    )


def test_an_expired_node_is_read_again_by_one_request_only(monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(repository.time, "monotonic", lambda: clock[0])
    monkeypatch.setattr(repository, "_node_cache", {})
    session = CountingSession(a_node("展览馆社区"))
    directory = DirectoryRepository(session)
    assert directory.node("150105001001").name == "展览馆社区"
    assert directory.node("150105001001").name == "展览馆社区"
    assert session.gets == 1  # kept

    clock[0] += repository.NODE_CACHE_SECONDS + 1
    seen_meanwhile = []
    renamed = CountingSession(
        a_node("展览馆社区（新）"),
        during_get=lambda: seen_meanwhile.append(DirectoryRepository(other).node("150105001001")),
    )
    other = CountingSession(a_node("never read"))
    assert DirectoryRepository(renamed).node("150105001001").name == "展览馆社区（新）"
    # a request arriving while it was read again got the old value, without reading it
    assert [node.name for node in seen_meanwhile] == ["展览馆社区"]
    assert other.gets == 0 and renamed.gets == 1
    assert DirectoryRepository(other).node("150105001001").name == "展览馆社区（新）"
