"""The district directory and who the caller is."""

from __future__ import annotations

from shared.errors import NotFound

from .. import handlers
from ..api import read_query, route, schema_of
from ..openapi import Operation
from ..repository import DirectoryRepository
from ..schemas.common import PrincipalView
from ..schemas.directory import NodePage, NodeSearchQuery, NodeView

OPERATIONS = (
    Operation(
        "get",
        "/v1/directory/nodes",
        "Find nodes of the directory by name or code",
        request=NodeSearchQuery,
        response=NodePage,
        secured=False,
        tag="directory",
    ),
    Operation(
        "get",
        "/v1/directory/nodes/{code}",
        "One node with its path",
        response=NodeView,
        secured=False,
        tag="directory",
    ),
    Operation("get", "/v1/me", "Who the token belongs to", response=PrincipalView, tag="identity"),
)


class DirectoryRoutes:
    @route("GET", "/v1/directory/nodes")
    def search_nodes(self, request):
        query = read_query(request, NodeSearchQuery)
        with self.kit.unit_of_work() as uow:
            page = handlers.search_nodes(
                uow, query["q"], query["kind"], query["limit"], query["cursor"]
            )
        return 200, page

    @route("GET", "/v1/directory/nodes/<string:code>")
    def get_node(self, request, code):
        with self.kit.unit_of_work() as uow:
            repo = DirectoryRepository(uow.session)
            node = repo.node(code)
            if node is None:
                raise NotFound("node-not-found", f"No node {code} in the directory.")
            return 200, handlers.node_view(repo, node)

    @route("GET", "/v1/me")
    def me(self, request):
        return 200, schema_of(PrincipalView).dump(self.authenticate(request))
