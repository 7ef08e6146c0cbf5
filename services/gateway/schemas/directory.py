"""HTTP schemas of the directory part of the API."""

from marshmallow import Schema, fields, validate


class PathItem(Schema):
    code = fields.String()
    name = fields.String()


class NodeView(Schema):
    code = fields.String()
    name = fields.String()
    name_en = fields.String(allow_none=True)
    kind = fields.String()
    parent = fields.String(allow_none=True)
    path = fields.List(fields.Nested(PathItem), metadata={"description": "Ancestors, top first"})


class NodeSearchQuery(Schema):
    q = fields.String(required=True, validate=validate.Length(min=1, max=60))
    kind = fields.String(
        load_default=None,
        validate=validate.OneOf(
            ("city", "district", "street", "community", "grid", "compound", "building")
        ),
    )
    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))
    cursor = fields.String(load_default=None)


class NodePage(Schema):
    items = fields.List(fields.Nested(NodeView))
    next_cursor = fields.String(allow_none=True)
