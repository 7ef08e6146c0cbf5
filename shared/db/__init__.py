"""Database kit: engines, the unit of work, the kit's own tables, migrations."""

from .engine import create_db_engine, make_green
from .kit_tables import kit_metadata
from .unit_of_work import UnitOfWork, aware, utcnow

__all__ = [
    "UnitOfWork",
    "aware",
    "create_db_engine",
    "kit_metadata",
    "make_green",
    "utcnow",
]
