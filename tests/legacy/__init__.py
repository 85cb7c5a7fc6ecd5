"""The legacy SQLAlchemy/Alembic system, rebuilt for the adoption tests.

`models` declares the schema reference's SQLAlchemy models as the legacy system had them at
Alembic revision 002; `build` creates a database the way its migrations did and fills it with
rows in every status and flag. `python -m tests.legacy URL` builds one by hand (README,
"Adopting a legacy database").
"""
