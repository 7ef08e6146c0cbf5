"""Who hears about what, over which channel, with nothing lost."""
