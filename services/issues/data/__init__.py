"""Data the issues service ships with (the district default catalogue)."""
