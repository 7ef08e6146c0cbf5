"""Volunteers, teams, activities, shifts, rosters, check-ins and the service-hour ledger."""
