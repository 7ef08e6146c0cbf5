"""HTTP schemas of the Open311 GeoReport v2 compatible surface (field names as the spec has
them, so existing 311 clients read and report unchanged)."""

from marshmallow import EXCLUDE, Schema, fields, validate


class JurisdictionQuery(Schema):
    class Meta:
        unknown = EXCLUDE  # 311 clients send extra parameters (api_key, locale)

    jurisdiction_id = fields.String(
        load_default=None, metadata={"description": "A community code; default: district"}
    )


class RequestsQuery(JurisdictionQuery):
    service_request_id = fields.String(load_default=None, metadata={"description": "Comma list"})
    service_code = fields.String(load_default=None)
    start_date = fields.AwareDateTime(load_default=None)
    end_date = fields.AwareDateTime(load_default=None)
    status = fields.String(load_default=None, validate=validate.OneOf(("open", "closed")))


class PostRequestBody(Schema):
    """`attribute[<code>]` answers are read from the form besides these fields."""

    class Meta:
        unknown = EXCLUDE

    jurisdiction_id = fields.String(required=True, metadata={"description": "Community code"})
    service_code = fields.String(required=True, validate=validate.Length(min=1, max=60))
    lat = fields.Float(load_default=None, allow_none=True, validate=validate.Range(-90, 90))
    long = fields.Float(load_default=None, allow_none=True, validate=validate.Range(-180, 180))
    address_string = fields.String(load_default="", validate=validate.Length(max=500))
    address_id = fields.String(load_default=None, metadata={"description": "Building code"})
    description = fields.String(load_default="", validate=validate.Length(max=4000))
    media_url = fields.Url(load_default=None, schemes={"http", "https"})
    first_name = fields.String(load_default=None, validate=validate.Length(max=60))
    last_name = fields.String(load_default=None, validate=validate.Length(max=60))
    phone = fields.String(load_default=None, validate=validate.Regexp(r"^\+?[0-9-]{5,20}$"))
    email = fields.Email(load_default=None)
    device_id = fields.String(load_default=None)
    account_id = fields.String(load_default=None)


class ServiceView(Schema):
    service_code = fields.String()
    service_name = fields.String()
    description = fields.String()
    metadata = fields.Boolean()
    type = fields.String()
    keywords = fields.String()
    group = fields.String()


class AttributeView(Schema):
    variable = fields.Boolean()
    code = fields.String()
    datatype = fields.String()
    required = fields.Boolean()
    datatype_description = fields.String()
    order = fields.Integer()
    description = fields.String()
    values = fields.List(fields.Dict())


class ServiceDefinitionView(Schema):
    service_code = fields.String()
    attributes = fields.List(fields.Nested(AttributeView))


class ServiceList(Schema):
    items = fields.List(fields.Nested(ServiceView), metadata={"description": "a JSON array"})


class RequestCreatedView(Schema):
    service_request_id = fields.String()
    service_notice = fields.String()
    account_id = fields.String(allow_none=True)


class RequestView(Schema):
    service_request_id = fields.String()
    status = fields.String()
    status_notes = fields.String(allow_none=True)
    service_name = fields.String()
    service_code = fields.String()
    description = fields.String()
    agency_responsible = fields.String(allow_none=True)
    service_notice = fields.String(allow_none=True)
    requested_datetime = fields.String()
    updated_datetime = fields.String()
    expected_datetime = fields.String(allow_none=True)
    address = fields.String(allow_none=True)
    address_id = fields.String(allow_none=True)
    zipcode = fields.String(allow_none=True)
    lat = fields.Float(allow_none=True)
    long = fields.Float(allow_none=True)
    media_url = fields.String(allow_none=True)
