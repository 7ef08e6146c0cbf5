"""Pavilion's shared kit: event contracts, messaging, database, config, logging, errors.

Imported by every service; owns nothing at run time.
"""
