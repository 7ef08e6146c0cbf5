"""Plain domain code of the volunteers service: no nameko, no SQL."""
