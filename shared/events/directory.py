"""Events published by the gateway about the district directory."""

from marshmallow import fields, validate

from .catalogue import Catalogue, EventData

NODE_KINDS = ("city", "district", "street", "community", "grid", "compound", "building")


class NodeUpsertedV1(EventData):
    code = fields.String(required=True)
    name = fields.String(required=True)
    name_en = fields.String(allow_none=True, load_default=None)
    kind = fields.String(required=True, validate=validate.OneOf(NODE_KINDS))
    parent = fields.String(allow_none=True, load_default=None)
    ancestors = fields.List(fields.String(), required=True)
    timezone = fields.String(load_default="Asia/Shanghai")


class RoleAssignedV1(EventData):
    account_id = fields.String(required=True)
    name = fields.String(required=True)
    role = fields.String(required=True)
    node = fields.String(required=True)


def register(catalogue: Catalogue) -> None:
    catalogue.register(
        "directory.node_upserted",
        1,
        NodeUpsertedV1,
        description="A node of the administrative tree was created or renamed.",
        example={
            "code": "150105001001",
            "name": "展览馆社区",
            "name_en": "Zhanlanguan Community",
            "kind": "community",
            "parent": "150105001",
            "ancestors": ["150100", "150105", "150105001"],
            "timezone": "Asia/Shanghai",
        },
    )
    catalogue.register(
        "directory.role_assigned",
        1,
        RoleAssignedV1,
        description="A person holds a role at a node (grid worker of a grid, community staff).",
        example={
            "account_id": "acc-3f2a",
            "name": "王芳",
            "role": "grid_worker",
            "node": "150105001001-G01",
        },
    )
