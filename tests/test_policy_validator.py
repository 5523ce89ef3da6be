"""validate_policy_data (COR-013): what it accepts, and proof that revision 001 refuses to install a
validator that misjudges its self-test documents.

The seed's meta-gap was "a migration that adds validation but doesn't validate the validator".
The proof here installs the seed's own naive validator body in revision 001 and shows that the
migration fails with the self-test's message and leaves nothing of 001 behind.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import alembic.util
import psycopg.errors
import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import URL

from schema import database, migrations
from schema.samples import Ctx
from schema.samples.core import POLICY_COVERAGE_DATA

# The seed's validator: accepts anything with a state.
SEED_VALIDATOR = """
CREATE FUNCTION validate_policy_data(data JSONB) RETURNS BOOLEAN AS $$
BEGIN
    RETURN (data->>'state' IS NOT NULL);
END;
$$ LANGUAGE plpgsql IMMUTABLE STRICT;
"""


def _revision_001() -> ModuleType:
    return migrations.script_directory().get_revision("001").module


def _judge(conn: sa.Connection, document: Any) -> bool | None:
    judge = sa.text("SELECT validate_policy_data(:doc)").bindparams(sa.bindparam("doc", type_=postgresql.JSONB))
    return conn.execute(judge, {"doc": document}).scalar_one()


def _with(**changes: Any) -> dict[str, Any]:
    document = copy.deepcopy(POLICY_COVERAGE_DATA)
    document.update(changes)
    return document


def _coverage(**changes: Any) -> dict[str, Any]:
    return _with(coverages=[{"type": "collision", "limit": 25000, "deductible": 500, **changes}])


# --- what the validator judges ---------------------------------------------------------------


@pytest.mark.parametrize(
    "document",
    [
        POLICY_COVERAGE_DATA,
        _with(state="DC"),
        _with(effective_date="2028-02-29", expiration_date="2029-02-28"),
        _with(vehicle={"vin": "1HGCM82633A004352"}),
        _coverage(limit=0, deductible=0),
        _coverage(limit=100000.5),
    ],
    ids=["sample", "dc", "leap-day", "extra-keys", "zero-amounts", "fractional-limit"],
)
def test_accepts(head_conn: sa.Connection, document: Any) -> None:
    assert _judge(head_conn, document) is True


@pytest.mark.parametrize(
    "document",
    [
        [POLICY_COVERAGE_DATA],
        {"state": "CA"},
        _with(state="PR"),
        _with(state="tx"),
        _with(effective_date="2026-1-1"),
        _with(effective_date="2026-02-29"),
        _with(expiration_date="2026-01-01"),
        _with(expiration_date=None),
        _with(coverages=[]),
        _with(coverages="collision"),
        _coverage(type=""),
        _coverage(limit="25000"),
        _coverage(deductible=-1),
        {k: v for k, v in POLICY_COVERAGE_DATA.items() if k != "coverages"},
    ],
    ids=[
        "array",
        "seed-document",
        "not-a-state",
        "lower-case-state",
        "short-date",
        "no-such-day",
        "expires-on-effective-day",
        "null-expiration",
        "no-coverages",
        "coverages-a-string",
        "blank-type",
        "limit-a-string",
        "negative-deductible",
        "coverages-missing",
    ],
)
def test_refuses(head_conn: sa.Connection, document: Any) -> None:
    assert _judge(head_conn, document) is False


def test_null_gives_null(head_conn: sa.Connection) -> None:
    assert head_conn.execute(sa.text("SELECT validate_policy_data(NULL)")).scalar_one() is None


def test_check_refuses_a_bad_payload_naming_the_constraint(head_conn: sa.Connection) -> None:
    """The validator wired to policies: a payload without coverages is refused by name."""
    ctx = Ctx(head_conn)
    savepoint = head_conn.begin_nested()
    try:
        with pytest.raises(sa.exc.IntegrityError) as caught:
            ctx.insert("policies", coverage_data=_with(coverages=[]))
    finally:
        savepoint.rollback()
    assert isinstance(caught.value.orig, psycopg.errors.CheckViolation)
    assert caught.value.orig.diag.constraint_name == "ck_policies_coverage_data_valid"


# --- the self-test guards the migration --------------------------------------------------------


def test_self_test_rejects_the_seed_validator(head_conn: sa.Connection) -> None:
    """The revision's self-test block, run against the seed's body, raises (rolled back after)."""
    head_conn.execute(sa.text(SEED_VALIDATOR.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION")))
    savepoint = head_conn.begin_nested()
    try:
        with pytest.raises(sa.exc.DBAPIError) as caught:
            head_conn.execute(sa.text(_revision_001().VALIDATE_POLICY_DATA_SELF_TEST))
    finally:
        savepoint.rollback()
    assert "validate_policy_data self-test failed (COR-013)" in str(caught.value.orig)


@pytest.fixture
def broken_revision_001(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Alembic loads each revision file afresh per command; hand it 001 with the seed's validator."""
    load = alembic.util.load_python_file

    def load_with_seed_validator(dir_, filename):
        module = load(dir_, filename)
        if getattr(module, "revision", None) == "001":
            module.VALIDATE_POLICY_DATA_FUNCTION = SEED_VALIDATOR
        return module

    monkeypatch.setattr(alembic.util, "load_python_file", load_with_seed_validator)
    yield


def test_migration_with_a_wrong_validator_fails_and_leaves_nothing(broken_revision_001: None, scratch_database: URL) -> None:
    with pytest.raises(sa.exc.DBAPIError) as caught:
        migrations.upgrade("001", url=scratch_database)
    message = str(caught.value.orig)
    assert "validate_policy_data self-test failed (COR-013)" in message
    assert "the seed's own test document" in message

    eng = database.engine(scratch_database)
    try:
        with eng.connect() as conn:
            objects = (
                conn.execute(
                    sa.text(
                        "SELECT c.relname FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace "
                        "AND c.relname <> 'alembic_version' "
                        "UNION ALL SELECT p.proname FROM pg_proc p WHERE p.pronamespace = 'public'::regnamespace"
                    )
                )
                .scalars()
                .all()
            )
            assert objects == []
            assert migrations.current_revision(conn) is None
    finally:
        eng.dispose()
