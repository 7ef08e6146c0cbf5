"""The one catalogue of Pavilion's events. See `catalogue.py` for the rules."""

from . import deliberation, directory, issues, volunteers
from .catalogue import Catalogue, Envelope, EventData, EventType, UnknownEventType

CATALOGUE = Catalogue()
for _module in (directory, issues, deliberation, volunteers):
    _module.register(CATALOGUE)

__all__ = ["CATALOGUE", "Catalogue", "Envelope", "EventData", "EventType", "UnknownEventType"]
