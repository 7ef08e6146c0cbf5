"""Events the volunteers service consumes."""

SUBSCRIPTIONS = (("directory.node_upserted", "volunteers", "on_node_upserted"),)
