"""Events the issues service consumes."""

SUBSCRIPTIONS = (
    ("directory.node_upserted", "issues", "on_node_upserted"),
    ("directory.role_assigned", "issues", "on_role_assigned"),
)
