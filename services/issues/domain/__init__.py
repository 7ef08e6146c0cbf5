"""Plain domain code of the issues service: no nameko, no SQL."""
