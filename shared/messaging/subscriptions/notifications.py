"""Events the notifications service consumes."""

SUBSCRIPTIONS = (
    ("issues.issue_reported", "notifications", "on_issue_reported"),
    ("volunteers.shift_signed_up", "notifications", "on_shift_signed_up"),
)
