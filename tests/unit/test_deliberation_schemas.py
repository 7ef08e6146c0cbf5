"""Numbers the council's API accepts stay within what the database stores: a value too large
is a 422 with its field, never a database error."""

import pytest
from marshmallow import ValidationError

from services.gateway.schemas.deliberation import CouncilSettingsBody, MeetingBody, ProjectBody

MEETING = {
    "meeting_type": "pavilion_council",
    "title": "凉亭议事会",
    "starts_at": "2026-12-03T15:00:00+08:00",
    "ends_at": "2026-12-03T16:00:00+08:00",
    "place": "凉亭",
}


@pytest.mark.parametrize(
    ("schema", "body", "field"),
    [
        (MeetingBody(), {**MEETING, "capacity": 10**12}, "capacity"),
        (MeetingBody(), {**MEETING, "quorum": 10**12}, "quorum"),
        (CouncilSettingsBody(), {"quorum": 10**12}, "quorum"),
        (
            ProjectBody(),
            {
                "resolution_id": "res-1",
                "title": "管网改造",
                "funding_source": "专项资金",
                "responsible_unit": "居委会",
                "budget": "30000000.00",
            },
            "budget",
        ),
    ],
)
def test_a_number_too_large_for_its_column_is_refused_by_its_field(schema, body, field):
    with pytest.raises(ValidationError) as refused:
        schema.load(body)
    assert field in refused.value.messages
