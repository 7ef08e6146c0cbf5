"""The directory look-ups every part of the API makes: a node by code, a node or community
the caller's scope covers (404 when unknown, 403 outside the scope)."""

from __future__ import annotations

from shared.errors import NotFound

from .. import access
from ..identity import Principal
from ..repository import DirectoryRepository


class DirectoryLookups:
    def _node(self, code: str):
        with self.kit.unit_of_work() as uow:
            return DirectoryRepository(uow.session).node(code)

    def _node_in_scope(self, principal: Principal, code: str):
        node = self._node(code)
        if node is None:
            raise NotFound("node-not-found", f"No node {code} in the directory.")
        access.require_in_scope(principal, node)
        return node

    def _community_in_scope(self, principal: Principal, code: str):
        community = access.require_community(self._node(code), code)
        access.require_in_scope(principal, community)
        return community
