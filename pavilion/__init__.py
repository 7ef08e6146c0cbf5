"""Pavilion: community governance for a whole district. `pavilion --help` lists the commands."""

__version__ = "0.1.0"
