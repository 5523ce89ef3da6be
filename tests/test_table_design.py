"""Each model declares its table's design (schema.models.design); what cannot be derived from it is held to it here.

No database: the declarations, the metadata and the seed's steps are all Python. The registries
derived from the declarations (grant profiles, Citus placement, the seed's lists and order) are
held to the live database by tests/test_privileges.py, tests/test_perf.py and tests/test_seed_volume.py.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from schema import sql_files
from schema.models import metadata
from schema.models.design import Distributed, Generated, UndeclaredDesign, design, designs
from schema.seed import volume

DESIGNS = designs(metadata)


def test_every_model_declares_a_design() -> None:
    assert set(DESIGNS) == set(metadata.tables)


def test_a_table_without_a_design_is_refused_by_name() -> None:
    scratch = sa.MetaData()
    sa.Table(
        "declared", scratch, sa.Column("id", sa.Integer, primary_key=True), info=design("reference", Distributed("id", "why"), Generated())
    )
    sa.Table("forgotten", scratch, sa.Column("id", sa.Integer, primary_key=True))
    with pytest.raises(UndeclaredDesign, match=r"tables without a design: forgotten\. Declare one"):
        designs(scratch)


def test_the_generated_tables_are_those_with_a_step_and_a_file() -> None:
    """A model that declares Generated needs a Step in schema.seed.volume and sql/seed/<table>.sql;
    a Step for a table whose model says otherwise is a contradiction."""
    declared = {name for name, d in DESIGNS.items() if isinstance(d.seed, Generated)}
    assert set(volume.generated_tables()) == declared
    for step in volume.STEPS:
        assert sql_files.read("seed", step.file), step.name


def test_the_seed_loads_a_parent_before_its_children() -> None:
    """The order is derived from the foreign keys: every generated parent's steps come before its child's."""
    first = {}
    last = {}
    for n, step in enumerate(volume.STEPS):
        first.setdefault(step.table, n)
        last[step.table] = n
    for table in first:
        for fk in metadata.tables[table].foreign_keys:
            parent = fk.column.table.name
            if parent != table and parent in last:
                assert last[parent] < first[table], f"{table} loads before its parent {parent}"
    quote_steps = [s.name for s in volume.STEPS if s.table == "quotes"]
    assert quote_steps == ["quotes v1", "quotes v2", "quotes v3"]
