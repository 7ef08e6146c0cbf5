"""Attendance and the service-hour ledger.

Check-in and check-out use a short one-time code the shift lead shows on site, so hours are
recorded only by people who were there. The ledger is append-only: a correction is a new entry
(negative or positive minutes) that names the entry it corrects; nothing is ever edited.
A statement lists entries with the fields China's volunteer service record rules
(志愿服务记录与证明出具办法, 2021) ask for: who, which organisation, what service, where,
when, how long, who verified it and when.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

CODE_LIFETIME = timedelta(minutes=20)
CHECK_IN_EARLY = timedelta(minutes=30)  # the earliest check-in before the shift starts


def new_code() -> str:
    """Six digits, read aloud or shown on the lead's phone."""
    return f"{secrets.randbelow(10**6):06d}"


def code_hash(shift_id: str, code: str) -> str:
    return hashlib.sha256(f"{shift_id}:{code}".encode()).hexdigest()


def code_matches(shift_id: str, code: str, stored_hash: str | None, expires_at, now) -> bool:
    if stored_hash is None or expires_at is None or now > expires_at:
        return False
    return hmac.compare_digest(code_hash(shift_id, code), stored_hash)


def served_minutes(
    shift_starts: datetime, shift_ends: datetime, checked_in: datetime, checked_out: datetime
) -> int:
    """Minutes served: the time between check-in and check-out, within the shift (arriving
    early or staying late does not add hours without a staff correction)."""
    start = max(shift_starts, checked_in)
    end = min(shift_ends, checked_out)
    return max(0, int((end - start).total_seconds() // 60))


@dataclass(frozen=True)
class StatementLine:
    entry_id: str
    volunteer_name: str
    volunteer_id: str
    organisation: str
    service: str
    place: str
    starts_at: datetime | None
    ends_at: datetime | None
    minutes: int
    kind: str  # attendance, correction, manual
    note: str
    verified_by: str | None
    verified_at: datetime | None

    @property
    def hours(self) -> float:
        return round(self.minutes / 60, 2)


STATEMENT_COLUMNS = (
    ("entry_id", "记录编号 Entry"),
    ("volunteer_name", "志愿者姓名 Volunteer"),
    ("volunteer_id", "志愿者编号 Volunteer ID"),
    ("organisation", "志愿服务组织 Organisation"),
    ("service", "服务内容 Service"),
    ("place", "服务地点 Place"),
    ("starts_at", "开始时间 Start"),
    ("ends_at", "结束时间 End"),
    ("hours", "服务时长(小时) Hours"),
    ("kind", "记录类型 Kind"),
    ("note", "备注 Note"),
    ("verified_by", "核实人 Verified by"),
    ("verified_at", "核实时间 Verified at"),
)


def verified_total(lines: Iterable[StatementLine]) -> float:
    """Only verified entries count towards a volunteer's official hours."""
    return round(sum(line.minutes for line in lines if line.verified_at is not None) / 60, 2)


def statement_csv(lines: list[StatementLine]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([title for _, title in STATEMENT_COLUMNS])
    for line in lines:
        row = []
        for name, _ in STATEMENT_COLUMNS:
            value = getattr(line, name)
            row.append(value.isoformat() if isinstance(value, datetime) else value)
        writer.writerow(row)
    writer.writerow(
        ["", "", "", "", "", "", "", "合计(已核实) Verified total", verified_total(lines)]
    )
    return out.getvalue()
