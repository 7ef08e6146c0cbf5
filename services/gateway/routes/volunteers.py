"""Shifts and sign-ups."""

from __future__ import annotations

from shared.errors import NotFound

from .. import access
from ..api import idempotency_key, read_json, route
from ..identity import Principal
from ..openapi import Operation
from ..repository import DirectoryRepository
from ..schemas.volunteers import CreateShiftBody, ShiftView, SignupBody, SignupView

OPERATIONS = (
    Operation(
        "post",
        "/v1/communities/{code}/shifts",
        "Create a volunteer shift",
        request=CreateShiftBody,
        status=201,
        response=ShiftView,
        tag="volunteers",
    ),
    Operation("get", "/v1/shifts/{shift_id}", "One shift", response=ShiftView, tag="volunteers"),
    Operation(
        "post",
        "/v1/shifts/{shift_id}/signups",
        "Sign up for a shift (refused when full or overlapping another of yours)",
        request=SignupBody,
        status=201,
        response=SignupView,
        tag="volunteers",
    ),
)


class VolunteerRoutes:
    @route("POST", "/v1/communities/<string:code>/shifts")
    def create_shift(self, request, code):
        principal = self.authenticate(request)
        access.require_role(principal, access.SHIFT_MANAGERS, "create shifts")
        body = read_json(request, CreateShiftBody())
        with self.kit.unit_of_work() as uow:
            community = access.require_community(DirectoryRepository(uow.session).node(code), code)
        access.require_in_scope(principal, community)
        shift = self.volunteers.create_shift(
            {
                **body,
                "starts_at": body["starts_at"].isoformat(),
                "ends_at": body["ends_at"].isoformat(),
                "community": code,
                "created_by": principal.id,
            },
            idempotency_key(request),
        )
        return 201, ShiftView().dump(shift), {"Location": f"/v1/shifts/{shift['id']}"}

    @route("GET", "/v1/shifts/<string:shift_id>")
    def get_shift(self, request, shift_id):
        principal = self.authenticate(request)
        return 200, ShiftView().dump(self._shift_in_scope(principal, shift_id))

    @route("POST", "/v1/shifts/<string:shift_id>/signups")
    def sign_up(self, request, shift_id):
        principal = self.authenticate(request)
        access.require_role(principal, access.SIGNUP_ROLES, "sign up for shifts")
        if request.get_data():
            read_json(request, SignupBody())
        self._shift_in_scope(principal, shift_id)
        signup = self.volunteers.sign_up(shift_id, principal.id, idempotency_key(request))
        return 201, SignupView().dump(signup)

    def _shift_in_scope(self, principal: Principal, shift_id: str) -> dict:
        shift = self.volunteers.get_shift(shift_id)
        with self.kit.unit_of_work() as uow:
            node = DirectoryRepository(uow.session).node(shift["community"])
        if node is None or not access.covers(principal.scope, node.code, node.ancestors):
            raise NotFound("shift-not-found", f"No shift {shift_id}.")
        return shift
