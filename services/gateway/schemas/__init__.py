"""Schemas of the public HTTP API, one module per part: request bodies are loaded through
them, responses dumped through them, and the OpenAPI document is generated from them."""
