"""The column type of values stored as JSON: ``JSON``, and ``JSONB`` on PostgreSQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine


class JsonValue(TypeDecorator[Any]):
    """JSON, stored as ``JSONB`` on PostgreSQL.

    The same as ``JSON().with_variant(JSONB(), "postgresql")``, except that PostgreSQL's type is
    looked up only on PostgreSQL: naming it in the tables would load PostgreSQL's whole dialect
    (2 MB) into every bot, on SQLite too.
    """

    impl = JSON
    cache_ok = True
    # As JSON: a Python None is stored as JSON's null, not left out as SQL NULL.
    should_evaluate_none = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import JSONB

            return dialect.type_descriptor(JSONB())
        return dialect.type_descriptor(JSON())
