"""The insurance schema workbench.

Data flows one way: ``schema.models`` (canonical) -> ``alembic/versions`` -> PostgreSQL ->
``schema.catalog`` (introspection) -> lint, docs, profile, notebooks. ``schema.database`` is the
only module that decides which PostgreSQL that is.
"""
