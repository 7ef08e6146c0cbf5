"""The public HTTP API, identity and the district directory."""
