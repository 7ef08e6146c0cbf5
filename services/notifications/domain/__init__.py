"""Plain domain code of the notifications service: no nameko, no SQL."""
