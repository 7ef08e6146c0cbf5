"""SMS providers' signed delivery reports (回执): who may push them, and what a batch is."""

from __future__ import annotations

import json

import pytest

from services.gateway.routes.notifications import _read_reports
from shared.errors import ValidationFailed
from shared.sms_callbacks import (
    callback_max_skew,
    callback_secret,
    report_refusal,
    report_signature,
)

NOW = 1_800_000_000.0
SECRET = "provider-shared-secret"
BODY = json.dumps([{"biz_id": "900619746936498440^0", "out_id": "dlv-1", "success": True}]).encode()


def signed(body: bytes = BODY, at: float = NOW, secret: str = SECRET) -> tuple[str, str]:
    timestamp = str(int(at))
    return timestamp, report_signature(secret, timestamp, body)


def refusal(timestamp, body, header, secret=SECRET, max_skew=300.0):
    return report_refusal(secret, timestamp, body, header, now=NOW, max_skew=max_skew)


def test_a_report_signed_with_the_secret_just_now_is_accepted():
    timestamp, header = signed()
    assert header.startswith("sha256=") and len(header) == 7 + 64
    assert refusal(timestamp, BODY, header) is None


def test_the_signature_may_come_without_its_prefix_and_in_upper_case():
    timestamp, header = signed()
    assert refusal(timestamp, BODY, header.removeprefix("sha256=").upper()) is None


def test_a_changed_body_or_another_secret_does_not_match():
    timestamp, header = signed()
    assert refusal(timestamp, BODY.replace(b"true", b"false"), header) == "signature-mismatch"
    assert refusal(timestamp, BODY, signed(secret="guessed")[1]) == "signature-mismatch"
    assert refusal(timestamp, BODY, "sha256=" + "0" * 64) == "signature-mismatch"


def test_the_timestamp_is_signed_so_an_old_report_cannot_be_redated():
    old_timestamp, old_header = signed(at=NOW - 3600)
    assert refusal(old_timestamp, BODY, old_header) == "timestamp-out-of-range"
    assert refusal(str(int(NOW)), BODY, old_header) == "signature-mismatch"


@pytest.mark.parametrize("offset", [-301, 301, -86400, 86400])
def test_reports_outside_the_clock_skew_are_replays_or_bad_clocks(offset):
    timestamp, header = signed(at=NOW + offset)
    assert refusal(timestamp, BODY, header) == "timestamp-out-of-range"


@pytest.mark.parametrize("offset", [-299, 0, 299])
def test_reports_within_the_clock_skew_either_way_pass(offset):
    timestamp, header = signed(at=NOW + offset)
    assert refusal(timestamp, BODY, header) is None


@pytest.mark.parametrize("timestamp", ["yesterday", "", "nan", "inf", "1e400"])
def test_a_timestamp_that_is_not_a_sane_number_is_refused(timestamp):
    header = report_signature(SECRET, timestamp, BODY)
    assert refusal(timestamp, BODY, header) in {
        "timestamp-invalid",
        "timestamp-out-of-range",
        "signature-missing",
    }


def test_an_unsigned_report_is_refused():
    timestamp, header = signed()
    assert refusal(None, BODY, header) == "signature-missing"
    assert refusal(timestamp, BODY, None) == "signature-missing"


def test_without_a_configured_secret_everything_is_refused():
    timestamp, header = signed(secret="")
    assert refusal(timestamp, BODY, header, secret=None) == "callback-not-configured"
    assert refusal(timestamp, BODY, header, secret="") == "callback-not-configured"
    assert callback_secret("sms-primary", {}) is None
    assert callback_secret("sms-primary", {"NOTIFICATIONS_SMS_CALLBACK_SECRET": ""}) is None


def test_each_provider_may_have_its_own_secret_and_falls_back_to_the_shared_one():
    env = {
        "NOTIFICATIONS_SMS_CALLBACK_SECRET": "shared",
        "NOTIFICATIONS_SMS_CALLBACK_SECRET_SMS_PRIMARY": "primary-only",
    }
    assert callback_secret("sms-primary", env) == "primary-only"
    assert callback_secret("sms-backup", env) == "shared"
    assert (
        callback_secret("sms-backup", {"NOTIFICATIONS_SMS_CALLBACK_SECRET_SMS_PRIMARY": "x"})
        is None
    )


def test_the_clock_skew_is_configurable():
    assert callback_max_skew({}) == 300
    assert callback_max_skew({"NOTIFICATIONS_SMS_CALLBACK_MAX_SKEW": "60"}) == 60
    assert callback_max_skew({"NOTIFICATIONS_SMS_CALLBACK_MAX_SKEW": "soon"}) == 300


def test_a_provider_batch_in_the_aliyun_shape_is_read_and_extra_fields_ignored():
    body = [
        {
            "phone_number": "13800000000",
            "send_time": "2026-11-27 10:00:00",
            "report_time": "2026-11-27 10:00:05",
            "success": True,
            "err_code": "DELIVERED",
            "err_msg": "用户接收成功",
            "sms_size": "1",
            "biz_id": "900619746936498440^0",
            "out_id": "dlv-1",
        },
        {"biz_id": "900619746936498441^0", "success": False, "err_code": "MK:0000"},
    ]
    reports = _read_reports(json.dumps(body, ensure_ascii=False).encode())
    assert [r["biz_id"] for r in reports] == ["900619746936498440^0", "900619746936498441^0"]
    assert reports[0]["success"] is True and reports[1]["out_id"] is None
    assert "phone_number" not in reports[0] and "sms_size" not in reports[0]
    single = _read_reports(b'{"biz_id": "b-1", "success": false}')
    assert single == [{**single[0], "biz_id": "b-1", "success": False}]


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"not json",
        b"[]",
        b"42",
        b'"text"',
        b"[1, 2]",
        b'[{"success": true}]',  # no provider message id
        b'[{"biz_id": "b-1"}]',  # no status
        b'[{"biz_id": "b-1", "success": "perhaps"}]',
        b'[{"biz_id": "b-1", "success": true, "report_time": "yesterday"}]',
        b"\xff\xfe",
    ],
)
def test_a_malformed_batch_is_a_422(raw):
    with pytest.raises(ValidationFailed) as refused:
        _read_reports(raw)
    assert refused.value.status == 422 and refused.value.code == "malformed-report"


def test_a_batch_too_large_is_a_422():
    with pytest.raises(ValidationFailed):
        _read_reports(
            json.dumps([{"biz_id": str(n), "success": True} for n in range(1001)]).encode()
        )
