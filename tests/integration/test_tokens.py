"""`pavilion token` mints tokens only for a real person's account: a blank or overlong name
is refused with a clear error and creates no account."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from services.gateway.handlers import import_directory_file, issue_token
from services.gateway.identity import verify_token
from services.gateway.repository import Account
from shared.db import UnitOfWork, create_db_engine
from shared.db.migrations import upgrade
from shared.errors import ValidationFailed

DEMO = Path(__file__).resolve().parents[2] / "data" / "demo-district.yaml"
SECRET = "token-test-secret"


@pytest.fixture
def engine(tmp_path):
    url = f"sqlite:///{tmp_path / 'gateway.db'}"
    upgrade("gateway", url)
    engine = create_db_engine(url)
    import_directory_file(engine, DEMO.read_text(encoding="utf-8"))
    yield engine
    engine.dispose()


def accounts(engine) -> int:
    with UnitOfWork(engine) as uow:
        return uow.session.scalar(select(func.count()).select_from(Account))


@pytest.mark.parametrize("name", ["", "   ", "供" * 121])
def test_a_blank_or_overlong_name_is_refused_and_creates_nothing(engine, name):
    before = accounts(engine)
    with pytest.raises(ValidationFailed) as refused:
        issue_token(engine, SECRET, "partner", "150105001001", name)
    assert refused.value.code == "invalid-name" and refused.value.status == 422
    assert accounts(engine) == before


def test_a_name_is_kept_without_its_surrounding_spaces(engine):
    token = issue_token(engine, SECRET, "partner", "150105001001", "  供热公司  ")
    assert verify_token(SECRET, f"Bearer {token}").name == "供热公司"
