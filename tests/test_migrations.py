"""The migrations build exactly the schema the models declare (nothing left for autogenerate)."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from wxbackend.core.db import db
from wxbackend.models import metadata


def test_migrated_schema_matches_the_models(app: Any) -> None:
    with db.engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), metadata)
    assert diff == []
