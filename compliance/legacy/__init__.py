"""Taking over databases of the legacy SQLAlchemy/Alembic system (manage.py adopt_legacy_schema)."""
