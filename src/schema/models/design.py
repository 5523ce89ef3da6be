"""What a table is, beyond its DDL: declared next to its model, read by every registry that needs it.

A new table used to need a decision in three hand-written lists far from its model (the grant
profile in ``schema.privileges``, the Citus placement in ``schema.perf.scaling``, the seed's
treatment in ``schema.seed.volume``), each found only when its test failed. Each model now
declares all three in the ``info`` of its ``__table_args__``::

    __table_args__ = (..., {"info": design("operational", Distributed("customer_id", "..."), GENERATED), "comment": "..."})

and the registries are derived from the metadata (``designs``): ``privileges.TABLE_PROFILES``,
``scaling.DISTRIBUTED`` and ``scaling.REFERENCE``, the seed's ``NOT_GENERATED`` and
``RATE_SEEDED`` tables, and the seed's step order (the foreign-key order of the metadata).
``info`` is not DDL: the model-vs-DDL test, ``schema.sql`` and the revisions do not see it.

The records are plain data: the meaning of a profile name lives in ``schema.privileges``
(GRANT_PROFILES), which a test holds to ``Profile``; what a generated table's rows look like
lives in ``schema.seed.volume`` (its Step) and ``sql/seed/<table>.sql``, which a test holds to
``Generated``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import sqlalchemy as sa

# The grant profiles a table may have (SEC-002); schema.privileges.GRANT_PROFILES says what each grants.
Profile = Literal["operational", "append_only", "admin", "admin_link", "reference", "evidence", "ephemeral", "database_trail"]

DESIGN_KEY = "design"


@dataclass(frozen=True)
class Distributed:
    """Sharded by ``column`` on a Citus cluster, for the reason ``why`` (the scaling page prints it)."""

    column: str
    why: str


@dataclass(frozen=True)
class Replicated:
    """A Citus reference table: small, read by every shard's joins and checks, a copy on every node."""


@dataclass(frozen=True)
class Generated:
    """Rows from the volume generator: a Step in ``schema.seed.volume`` and ``sql/seed/<table>.sql``."""


@dataclass(frozen=True)
class RateSeeded:
    """Reference rows loaded by the rate seed (``schema.seed.rates``, idempotent), not generated."""


@dataclass(frozen=True)
class RevisionRows:
    """Reference rows its revisions insert (a lifecycle, a state's rules): the seed leaves them be."""


@dataclass(frozen=True)
class WrittenByDatabase:
    """Rows the database writes itself during a seed (a trigger or event trigger), for the reason ``why``."""

    why: str


@dataclass(frozen=True)
class LeftEmpty:
    """Nothing writes rows during a seed, on purpose: ``why`` says so (the volume test holds every other table to rows)."""

    why: str


Placement = Distributed | Replicated
Seed = Generated | RateSeeded | RevisionRows | WrittenByDatabase | LeftEmpty

REPLICATED = Replicated()
GENERATED = Generated()
RATE_SEEDED = RateSeeded()
REVISION_ROWS = RevisionRows()


@dataclass(frozen=True)
class Design:
    """A table's grant profile (who may touch it), its placement when sharded, and where its seed rows come from."""

    profile: Profile
    placement: Placement
    seed: Seed


class UndeclaredDesign(KeyError):
    """Tables of the metadata whose model declares no Design in its ``__table_args__`` info."""


def design(profile: Profile, placement: Placement, seed: Seed) -> dict[str, Design]:
    """The ``info`` of a model's ``__table_args__``: its Design under ``DESIGN_KEY``."""
    return {DESIGN_KEY: Design(profile, placement, seed)}


def designs(metadata: sa.MetaData) -> dict[str, Design]:
    """Every table's Design, in the metadata's foreign-key order (a parent before its children,
    ties by name): the order the seed loads tables in. A table without one is refused by name."""
    found = {t.name: t.info.get(DESIGN_KEY) for t in metadata.sorted_tables}
    missing = sorted(name for name, d in found.items() if not isinstance(d, Design))
    if missing:
        raise UndeclaredDesign(
            f"tables without a design: {', '.join(missing)}. Declare one in the model's __table_args__: "
            '{"info": design(profile, placement, seed), ...} (schema.models.design)'
        )
    return {name: d for name, d in found.items() if isinstance(d, Design)}
