"""Create the PostgreSQL database named by DATABASE_URL when it does not exist (``make prod``)."""

from __future__ import annotations

import os
import sys

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


def main() -> int:
    url = make_url(os.environ["DATABASE_URL"])
    if not url.drivername.startswith("postgresql"):
        return 0
    name = url.database
    admin = create_engine(url.set(drivername="postgresql+psycopg", database="postgres"),
                          isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}) is None:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
            print(f"created database {name}")
    admin.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
