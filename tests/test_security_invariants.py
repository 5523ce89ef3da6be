"""Security invariants (issue 18, revision 010), tried as a SOC 2 auditor and an attacker inside the
application would: each example of the issue is refused by name, and its valid twin is accepted.

Everything runs in the head database inside a transaction that is rolled back (DDL included), as
the owner (the migration role) unless a test switches to a group role with SET LOCAL ROLE.
"""

from __future__ import annotations

import ast
import datetime as dt
import uuid
from pathlib import Path

import psycopg.errors
import pytest
import sqlalchemy as sa
from alembic import command
from alembic.script import ScriptDirectory

from schema import database, migrations, pii, secret_formats
from schema.models import metadata
from schema.samples import ACTING_IDENTITY, Ctx, refusal, refused

REVISION = "010"
WRITERS = {"audit_logs": ("app_rw", "admin_rw"), "admin_activity_logs": ("app_rw", "admin_rw")}
OLD_MONTH = dt.datetime(2001, 2, 3, tzinfo=dt.UTC)  # older than SEC-014's 84 months: maintenance archives it


def _names(err: psycopg.Error, error: type[psycopg.Error], *fragments: str) -> None:
    """The refusal (from ``samples.refused`` / ``samples.refusal``) is an ``error`` whose message names every fragment."""
    assert isinstance(err, error), f"expected {error.__name__}, got {type(err).__name__}: {err}"
    for fragment in fragments:
        assert fragment in str(err), f"{fragment!r} not in: {err}"


def _declare(conn: sa.Connection, setting: str, value: str) -> None:
    conn.execute(sa.text("SELECT set_config(:s, :v, true)"), {"s": setting, "v": value})


def _insert(conn: sa.Connection, table: str, values: dict) -> None:
    conn.execute(metadata.tables[table].insert().inline().values(**values))  # no RETURNING: writers cannot read back


def _as(conn: sa.Connection, role: str) -> None:
    conn.exec_driver_sql(f"SET LOCAL ROLE {role}")


def test_revision_follows_the_released_chain() -> None:
    """Self-contained revision 010; its parent is whatever the lead chains it after."""
    script = ScriptDirectory.from_config(migrations.alembic_config())
    rev = script.get_revision(REVISION)
    assert rev is not None and rev.down_revision is not None
    tree = ast.parse(Path(rev.path).read_text(encoding="utf-8"))
    imported = {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    imported |= {n.module.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    assert imported <= {"__future__", "collections", "logging", "typing", "sqlalchemy", "alembic"}, imported


# --- SEC-020: acting identity ---------------------------------------------------------------------------


# The actor tables of each trail (SEC-020), and what its refusal names beyond the rule and the trigger.
ACTORS = {"audit_logs": "users", "admin_activity_logs": "admin_users"}


@pytest.mark.parametrize(("table", "role"), [(t, r) for t in ("admin_activity_logs", "audit_logs") for r in WRITERS[t]])
def test_a_trail_row_in_another_actors_name_is_refused(head_conn: sa.Connection, table: str, role: str) -> None:
    """Issue: app_rw wrote an admin_activity_logs entry in the name of any admin (and an audit row in any user's)."""
    column, setting = ACTING_IDENTITY[table]
    ctx = Ctx(head_conn)
    me, other = ctx.insert(ACTORS[table]).id, ctx.insert(ACTORS[table]).id
    row = ctx.row(table, **{column: other})
    _declare(head_conn, setting, str(me))
    _as(head_conn, role)
    # The admin trail's message also names the admin the row claimed to be.
    named = [str(other)] if table == "admin_activity_logs" else []
    err = refusal(head_conn, table, row)
    _names(err, psycopg.errors.CheckViolation, "SEC-020", f"trg_{table}_acting_identity", *named)
    _insert(head_conn, table, {**row, column: me})  # the valid twin: in my own name


@pytest.mark.parametrize(("table", "setting"), [("audit_logs", "app.user_id"), ("admin_activity_logs", "app.admin_user_id")])
@pytest.mark.parametrize("role", ["app_rw", "admin_rw", None])
def test_a_row_without_acting_identity_is_refused(head_conn: sa.Connection, table: str, setting: str, role: str | None) -> None:
    """No declaration, no row: for the writing roles and for the owner (None) alike."""
    row = Ctx(head_conn).row(table)
    _declare(head_conn, setting, "")
    if role:
        _as(head_conn, role)
    err = refusal(head_conn, table, row)
    _names(err, psycopg.errors.CheckViolation, "SEC-020", "no acting identity", setting)


def test_refusal_reports_the_trigger_as_its_constraint(head_conn: sa.Connection) -> None:
    """Applications tell a business refusal from a bug by SQLSTATE class 23 and the object name."""
    row = Ctx(head_conn).row("audit_logs")
    _declare(head_conn, "app.user_id", "not-a-uuid")
    savepoint = head_conn.begin_nested()
    with pytest.raises(sa.exc.IntegrityError) as caught:
        _insert(head_conn, "audit_logs", row)
    savepoint.rollback()
    assert caught.value.orig.sqlstate == "23514"
    assert caught.value.orig.diag.constraint_name == "trg_audit_logs_acting_identity"
    assert "neither a uuid nor 'anonymous'" in str(caught.value.orig)


def test_the_identity_check_reads_only_the_actor_columns_it_knows(head_conn: sa.Connection) -> None:
    """Revision 015: require_acting_identity() reads user_id or admin_user_id directly instead of a
    JSON copy of the whole row (010's to_jsonb(NEW), which read any column); a trigger wired to any
    other column is a schema mistake, refused by name with 0A000, never read as NULL."""
    head_conn.exec_driver_sql("CREATE TEMP TABLE wired_wrong (actor_id uuid)")
    head_conn.exec_driver_sql(
        "CREATE TRIGGER trg_wired_wrong BEFORE INSERT ON wired_wrong FOR EACH ROW "
        "EXECUTE FUNCTION require_acting_identity('actor_id', 'app.user_id', 'anonymous_allowed')"
    )
    me = str(uuid.uuid4())
    _declare(head_conn, "app.user_id", me)
    savepoint = head_conn.begin_nested()
    with pytest.raises(sa.exc.NotSupportedError) as caught:
        head_conn.exec_driver_sql(f"INSERT INTO wired_wrong VALUES ('{me}')")
    savepoint.rollback()
    assert caught.value.orig.sqlstate == "0A000"
    assert "reads the actor column user_id or admin_user_id, not actor_id (trigger trg_wired_wrong" in str(caught.value.orig)


def test_anonymous_is_for_audit_rows_without_a_user_only(head_conn: sa.Connection) -> None:
    ctx = Ctx(head_conn)
    anonymous = ctx.row("audit_logs", user_id=None, action="user.login_failed")
    named = ctx.row("audit_logs")
    _declare(head_conn, "app.user_id", "anonymous")
    _as(head_conn, "app_rw")
    _insert(head_conn, "audit_logs", anonymous)  # a failed login of an unknown e-mail
    err = refusal(head_conn, "audit_logs", named)
    _names(err, psycopg.errors.CheckViolation, "SEC-020", "declared anonymous")
    head_conn.exec_driver_sql("RESET ROLE")
    activity = ctx.row("admin_activity_logs")
    _declare(head_conn, "app.admin_user_id", "anonymous")
    _as(head_conn, "admin_rw")
    err = refusal(head_conn, "admin_activity_logs", activity)
    _names(err, psycopg.errors.CheckViolation, "SEC-020", "may not be anonymous")


@pytest.mark.parametrize("role", ["app_rw", "admin_rw"])
def test_historical_import_is_the_owners_path_only(head_conn: sa.Connection, role: str) -> None:
    """SEC-021: the owner loads attributed history without declaring an actor; no group role may."""
    ctx = Ctx(head_conn)
    row = ctx.row("audit_logs")
    _declare(head_conn, "app.user_id", "")
    head_conn.exec_driver_sql("SET LOCAL app.historical_import = 'on'")
    _insert(head_conn, "audit_logs", row)  # the owner: accepted
    _as(head_conn, role)
    err = refusal(head_conn, "audit_logs", {**row, "id": uuid.uuid4()})
    _names(err, psycopg.errors.CheckViolation, "SEC-021", "honoured only for the owner", role)


# --- SEC-022: nobody truncates, updates or deletes any partition ------------------------------------------


def _trail_relations(conn: sa.Connection) -> list[str]:
    """audit_logs, every partition (DEFAULT included) and every archive, as regclass text."""
    leaves = conn.execute(sa.text("SELECT relid::regclass::text FROM pg_partition_tree('audit_logs') ORDER BY 1")).scalars().all()
    archives = (
        conn.execute(
            sa.text(
                "SELECT c.oid::regclass::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = 'partitions' AND NOT c.relispartition AND c.relkind = 'r' "
                "AND EXISTS (SELECT 1 FROM pg_trigger t WHERE t.tgrelid = c.oid AND t.tgname = 'trg_audit_logs_no_truncate') ORDER BY 1"
            )
        )
        .scalars()
        .all()
    )
    return [*leaves, *archives]


def _archive_an_old_month(conn: sa.Connection) -> str:
    """A row of 2001 loaded as history, then maintenance: its month is created, moved into and
    detached by retention. Returns the archive's name."""
    conn.exec_driver_sql("SET LOCAL app.historical_import = 'on'")
    conn.execute(
        sa.text("INSERT INTO audit_logs (action, resource_type, created_at) VALUES ('system.backfill', 'audit_logs', :at)"),
        {"at": OLD_MONTH},
    )
    conn.exec_driver_sql("SET LOCAL app.historical_import = 'off'")
    actions = conn.execute(sa.text("SELECT action, partition_name FROM maintain_partitions('audit_logs', 3, 84)")).all()
    assert ("detach", "partitions.audit_logs_p200102") in actions, actions
    return "partitions.audit_logs_p200102"


@pytest.mark.parametrize("operation", ["UPDATE", "DELETE", "TRUNCATE"])
def test_no_partition_of_the_audit_trail_can_be_cut_even_by_the_owner(head_conn: sa.Connection, operation: str) -> None:
    """Issue: the owner truncated one monthly partition. Every partition, DEFAULT and archive is tried."""
    archive = _archive_an_old_month(head_conn)
    ctx = Ctx(head_conn)
    # A row in every attached partition (at its lower bound) and in DEFAULT, so that row triggers have rows to refuse.
    lower_bounds = (
        head_conn.execute(
            sa.text(
                "SELECT (regexp_match(pg_get_expr(c.relpartbound, c.oid), 'FROM \\(''([^'']*)''\\)'))[1]::timestamptz "
                "FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'audit_logs'::regclass "
                "AND pg_get_expr(c.relpartbound, c.oid) <> 'DEFAULT'"
            )
        )
        .scalars()
        .all()
    )
    for at in [*lower_bounds, dt.datetime(2095, 6, 1, tzinfo=dt.UTC)]:
        ctx.insert("audit_logs", created_at=at)
    relations = _trail_relations(head_conn)
    empty = [r for r in relations if head_conn.execute(sa.text(f"SELECT NOT EXISTS (SELECT 1 FROM {r})")).scalar_one()]
    assert empty == [], empty
    assert archive in relations and "partitions.audit_logs_default" in relations and len(relations) >= 6
    statements = {
        "UPDATE": "UPDATE {} SET action = 'rewritten'",
        "DELETE": "DELETE FROM {}",
        "TRUNCATE": "TRUNCATE {}",
    }
    for relation in relations:
        err = refused(head_conn, statements[operation].format(relation))
        _names(err, psycopg.errors.InsufficientPrivilege, "SEC-003", operation)
    # The valid twin: appending is still open, in the declared name.
    ctx.insert("audit_logs")


def test_partitions_made_by_maintenance_carry_the_truncate_guard(head_conn: sa.Connection) -> None:
    head_conn.execute(sa.text("SELECT * FROM maintain_partitions('audit_logs', 3, 84)")).all()
    Ctx(head_conn).insert("audit_logs", created_at=dt.datetime(2093, 5, 5, tzinfo=dt.UTC))
    created = head_conn.execute(sa.text("SELECT * FROM maintain_partitions('audit_logs', 3, 84)")).all()
    assert [(r.action, r.partition_name) for r in created][:1] == [("create", "partitions.audit_logs_p209305")]
    err = refused(head_conn, "TRUNCATE partitions.audit_logs_p209305")
    _names(err, psycopg.errors.InsufficientPrivilege, "SEC-003", "TRUNCATE")


def test_a_partition_created_by_hand_is_refused(head_conn: sa.Connection) -> None:
    err = refused(
        head_conn, "CREATE TABLE partitions.audit_logs_p209801 PARTITION OF audit_logs FOR VALUES FROM ('2098-01-01') TO ('2098-02-01')"
    )
    _names(err, psycopg.errors.IntegrityConstraintViolation, "SEC-024", "evt_audit_trail_ddl_guard", "trg_audit_logs_no_truncate")


# --- SEC-023 / SEC-024: detached only through maintenance and its ledger, never dropped -------------------


def test_detaching_goes_through_the_ledger_and_nothing_is_dropped(head_conn: sa.Connection) -> None:
    """Issue: a detached partition could be dropped without trace."""
    archive = _archive_an_old_month(head_conn)
    entry = head_conn.execute(sa.text("SELECT * FROM partition_archive_ledger WHERE partition_name = :p"), {"p": archive}).one()
    assert (entry.parent_table, entry.event, entry.row_count) == ("audit_logs", "detach", 1)
    assert (entry.range_start, entry.range_end) == (dt.datetime(2001, 2, 1, tzinfo=dt.UTC), dt.datetime(2001, 3, 1, tzinfo=dt.UTC))
    recomputed = head_conn.execute(
        sa.text(
            "SELECT 'md5sum64:' || (coalesce(sum(('x' || left(md5(t::text), 16))::bit(64)::bigint::numeric + 9223372036854775808), 0) "
            f"% 18446744073709551616)::text FROM {archive} AS t"
        )
    ).scalar_one()
    assert entry.checksum == recomputed
    err = refused(head_conn, f"DROP TABLE {archive}")
    _names(err, psycopg.errors.IntegrityConstraintViolation, "SEC-024", "evt_audit_trail_drop_guard", archive)
    for statement in (
        "UPDATE partition_archive_ledger SET row_count = 0",
        "DELETE FROM partition_archive_ledger",
        "TRUNCATE partition_archive_ledger",
    ):
        err = refused(head_conn, statement)
        _names(err, psycopg.errors.InsufficientPrivilege, "SEC-003")
    assert head_conn.execute(sa.text("SELECT count(*) FROM audit_trail_protection_problems()")).scalar_one() == 0


def test_late_rows_of_an_archived_month_are_recorded_again(head_conn: sa.Connection) -> None:
    archive = _archive_an_old_month(head_conn)
    head_conn.exec_driver_sql("SET LOCAL app.historical_import = 'on'")
    head_conn.execute(
        sa.text("INSERT INTO audit_logs (action, resource_type, created_at) VALUES ('system.backfill', 'audit_logs', :at)"),
        {"at": OLD_MONTH + dt.timedelta(days=5)},
    )
    head_conn.exec_driver_sql("SET LOCAL app.historical_import = 'off'")
    assert [r.action for r in head_conn.execute(sa.text("SELECT * FROM maintain_partitions('audit_logs', 3, 84)"))] == ["move"]
    events = head_conn.execute(
        sa.text("SELECT event, row_count FROM partition_archive_ledger WHERE partition_name = :p ORDER BY recorded_at, event"),
        {"p": archive},
    ).all()
    assert [tuple(e) for e in events] == [("detach", 1), ("late_rows", 2)]


@pytest.mark.parametrize(
    ("statement", "guard"),
    [
        ("ALTER TABLE audit_logs DETACH PARTITION partitions.audit_logs_default", "evt_audit_trail_ddl_guard"),
        ("ALTER TABLE partitions.audit_logs_default DISABLE TRIGGER trg_audit_logs_no_truncate", "evt_audit_trail_ddl_guard"),
        ("ALTER TABLE audit_logs DISABLE TRIGGER trg_audit_logs_acting_identity", "evt_audit_trail_ddl_guard"),
        ("DROP TRIGGER trg_audit_logs_no_truncate ON partitions.audit_logs_default", "evt_audit_trail_drop_guard"),
        ("DROP TRIGGER trg_admin_activity_logs_acting_identity ON admin_activity_logs", "evt_audit_trail_drop_guard"),
        ("DROP TABLE partition_archive_ledger", "evt_audit_trail_drop_guard"),
        ("DROP FUNCTION forbid_audit_mutation() CASCADE", "evt_audit_trail_drop_guard"),
    ],
    ids=["detach-by-hand", "disable-truncate-guard", "disable-identity", "drop-guard", "drop-identity", "drop-ledger", "drop-function"],
)
def test_ddl_cannot_cut_the_trail(head_conn: sa.Connection, statement: str, guard: str) -> None:
    err = refused(head_conn, statement)
    _names(err, psycopg.errors.IntegrityConstraintViolation, "SEC-024", guard)


def test_unrelated_ddl_in_the_partitions_schema_is_allowed(head_conn: sa.Connection) -> None:
    """The guards judge the trail, not the schema: a table that never was an audit partition comes and goes."""
    head_conn.exec_driver_sql("CREATE TABLE partitions.audit_logs_p209301 (note text)")
    head_conn.exec_driver_sql("DROP TABLE partitions.audit_logs_p209301")


# Relation locks a backend holds on the audit trails' partitions (revision 016's test).
TRAIL_PARTITION_LOCKS = """
SELECT l.relation::regclass::text, l.mode FROM pg_locks l JOIN pg_inherits i ON i.inhrelid = l.relation
WHERE l.locktype = 'relation' AND l.pid = pg_backend_pid()
  AND i.inhparent IN (to_regclass('public.audit_logs'), to_regclass('public.admin_activity_logs'))
"""


def test_ddl_elsewhere_neither_waits_for_nor_locks_the_trails_partitions(head_engine: sa.Engine) -> None:
    """Revision 016: the guard that judges every ALTER TABLE reads the trail's partitions from the
    catalog. With 010's pg_partition_tree() an ALTER TABLE of customers waited for any lock on an
    audit partition (here: ACCESS EXCLUSIVE, as an index build or the seed's load of audit_logs
    takes) and then held ACCESS SHARE on every partition until its commit."""
    with head_engine.connect() as holder, head_engine.connect() as ddl:
        holder.begin()
        ddl.begin()
        try:
            holder.exec_driver_sql("LOCK TABLE partitions.audit_logs_default IN ACCESS EXCLUSIVE MODE")
            ddl.exec_driver_sql("SET LOCAL lock_timeout = '2s'")  # 015: canceling statement due to lock timeout
            ddl.exec_driver_sql("ALTER TABLE customers ADD CONSTRAINT ck_customers_test_016 CHECK (true) NOT VALID")
            assert ddl.execute(sa.text(TRAIL_PARTITION_LOCKS)).all() == []
            # The guard still judges: the trail is whole, and its partitions are among what it reads.
            assert ddl.execute(sa.text("SELECT count(*) FROM audit_trail_protection_problems()")).scalar_one() == 0
        finally:
            ddl.rollback()
            holder.rollback()


def test_the_trail_is_whole_at_head(head_conn: sa.Connection) -> None:
    assert head_conn.execute(sa.text("SELECT * FROM audit_trail_protection_problems()")).all() == []


# --- SEC-025 / SEC-026: secrets in declared formats ------------------------------------------------------

PLAINTEXT_CASES = [
    ("oauth2_clients", "client_secret_hash", "s3cr3t-partner-key", "ck_oauth2_clients_client_secret_hash_format"),
    ("admin_users", "password_hash", "Admin!2026", "ck_admin_users_password_hash_format"),
]


@pytest.mark.parametrize(("table", "column", "plaintext", "constraint"), PLAINTEXT_CASES, ids=[c[0] for c in PLAINTEXT_CASES])
def test_plaintext_in_a_hash_column_is_refused(head_conn: sa.Connection, table: str, column: str, plaintext: str, constraint: str) -> None:
    """Issue: plaintext in oauth2_clients.client_secret_hash and admin_users.password_hash."""
    ctx = Ctx(head_conn)
    savepoint = head_conn.begin_nested()
    with pytest.raises(sa.exc.IntegrityError) as caught:
        ctx.insert(table, **{column: plaintext})
    savepoint.rollback()
    assert caught.value.orig.diag.constraint_name == constraint
    for valid in (
        "$argon2id$v=19$m=65536,t=3,p=4$c29tZXNhbHRzb21lc2FsdA$RdescudvJCsgt3ub+b+dWRWJTmaaJObG",
        "$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW",
        "$scrypt$ln=16,r=8,p=1$aM15713r3Xsvxbi31lqr1Q$nFNh2CVHVjNldFVKDHDlm4CbdRSCdEBsjjJxD+iCs5E",
        "$pbkdf2-sha256$600000$N2GMUeq9N2bsPcfY.3NAMA$hIY/Nb5KgX4IgmVxrfq8zOOg0qcp7Bn5.yOGwRk8dyY",
    ):
        ctx.insert(table, **{column: valid})  # the valid twins: each recognised format


@pytest.mark.parametrize(
    "value", ["kms:v1:c2VjcmV0", "v1:KMS:c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0", "v1:kms-2026:short", "JBSWY3DPEHPK3PXP"]
)
def test_ciphertext_outside_the_envelope_is_refused(head_conn: sa.Connection, value: str) -> None:
    ctx = Ctx(head_conn)
    savepoint = head_conn.begin_nested()
    with pytest.raises(sa.exc.IntegrityError) as caught:
        ctx.insert("sso_providers", client_secret_encrypted=value)
    savepoint.rollback()
    assert caught.value.orig.diag.constraint_name == "ck_sso_providers_client_secret_encrypted_envelope"
    ctx.insert("sso_providers", client_secret_encrypted="v1:kms-2026:" + "A" * 42 + "==")


def test_revision_patterns_are_the_declared_ones() -> None:
    """The revision copies schema.secret_formats (it may import nothing from schema): they must agree."""
    script = ScriptDirectory.from_config(migrations.alembic_config())
    module = script.get_revision(REVISION).module
    assert module.PASSWORD_HASH_PATTERN == secret_formats.PASSWORD_HASH_PATTERN
    assert module.ENVELOPE_PATTERN == secret_formats.ENVELOPE_PATTERN


def test_revision_refuses_existing_plaintext_naming_rule_count_and_ids(scratch_database) -> None:
    """Rows that break a new rule stop the revision, which says which rule, how many and which rows."""
    script = ScriptDirectory.from_config(migrations.alembic_config())
    parent = script.get_revision(REVISION).down_revision
    migrations.upgrade(parent, url=scratch_database)
    eng = database.engine(scratch_database)
    try:
        with eng.begin() as conn:
            role = conn.execute(
                sa.text("INSERT INTO admin_roles (name, description) VALUES ('ops', 'Operations') RETURNING id")
            ).scalar_one()
            bad = conn.execute(
                sa.text(
                    "INSERT INTO admin_users (email, password_hash, role_id, is_super_admin) VALUES ('root@carrier.example', 'hunter2', :r, true) RETURNING id"
                ),
                {"r": role},
            ).scalar_one()
        with pytest.raises(sa.exc.DBAPIError) as caught:
            migrations.upgrade(REVISION, url=scratch_database)
        message = str(caught.value.orig)
        assert "SEC-025" in message and "ck_admin_users_password_hash_format" in message and "1 row(s)" in message and str(bad) in message
        with eng.connect() as conn:  # nothing was applied
            assert conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar_one() == parent
    finally:
        eng.dispose()


# --- SEC-027 / SEC-028: privileged accounts use MFA ------------------------------------------------------


def test_a_super_admin_created_with_mfa_off_is_refused(head_conn: sa.Connection) -> None:
    """Issue: a super admin created with multi-factor authentication off (NYDFS 500.12)."""
    ctx = Ctx(head_conn)
    savepoint = head_conn.begin_nested()
    with pytest.raises(sa.exc.IntegrityError) as caught:
        ctx.insert("admin_users", is_super_admin=True, two_factor_enabled=False, two_factor_secret_encrypted=None)
    savepoint.rollback()
    assert caught.value.orig.diag.constraint_name == "ck_admin_users_super_admin_has_mfa"
    ctx.insert("admin_users", is_super_admin=True)  # the valid twin: MFA on (the sample's)


def _security_role(ctx: Ctx) -> uuid.UUID:
    """A role holding admin_users/write: security-relevant (SEC-028)."""
    role = ctx.insert("admin_roles").id
    permission = ctx.conn.execute(
        sa.text(
            "INSERT INTO admin_permissions (resource, action, description) VALUES ('admin_users', 'write', 'Manage admins') "
            "ON CONFLICT (resource, action) DO UPDATE SET description = EXCLUDED.description RETURNING id"
        )
    ).scalar_one()
    ctx.conn.execute(sa.text("INSERT INTO admin_role_permissions (role_id, permission_id) VALUES (:r, :p)"), {"r": role, "p": permission})
    return role


def test_enrolment_comes_before_promotion_to_a_security_role(head_conn: sa.Connection) -> None:
    ctx = Ctx(head_conn)
    role = _security_role(ctx)
    admin = ctx.insert("admin_users", two_factor_enabled=False, two_factor_secret_encrypted=None).id
    err = refused(head_conn, "UPDATE admin_users SET role_id = :r WHERE id = :a", {"r": role, "a": admin})
    _names(err, psycopg.errors.CheckViolation, "SEC-028", "trg_admin_users_security_role_mfa")
    # The valid twin: enrol first, then promote.
    head_conn.execute(
        sa.text("UPDATE admin_users SET two_factor_enabled = true, two_factor_secret_encrypted = :s WHERE id = :a"),
        {"s": "v1:kms-test:" + "B" * 42 + "==", "a": admin},
    )
    head_conn.execute(sa.text("UPDATE admin_users SET role_id = :r WHERE id = :a"), {"r": role, "a": admin})
    err = refused(
        head_conn, "UPDATE admin_users SET two_factor_enabled = false, two_factor_secret_encrypted = NULL WHERE id = :a", {"a": admin}
    )
    _names(err, psycopg.errors.CheckViolation, "SEC-028")


def test_a_security_permission_is_not_granted_to_a_role_with_admins_without_mfa(head_conn: sa.Connection) -> None:
    ctx = Ctx(head_conn)
    role = ctx.insert("admin_roles").id
    ctx.insert("admin_users", role_id=role, two_factor_enabled=False, two_factor_secret_encrypted=None)
    permissions = dict(
        head_conn.execute(
            sa.text(
                "INSERT INTO admin_permissions (resource, action, description) VALUES ('system_settings', 'write', 'Change settings'), "
                "('system_settings', 'read', 'Read settings') ON CONFLICT (resource, action) DO UPDATE SET description = EXCLUDED.description "
                "RETURNING action, id"
            )
        ).all()
    )
    grant = "INSERT INTO admin_role_permissions (role_id, permission_id) VALUES (:r, :p)"
    err = refused(head_conn, grant, {"r": role, "p": permissions["write"]})
    _names(err, psycopg.errors.CheckViolation, "SEC-028", "trg_admin_role_permissions_security_role_mfa")
    head_conn.execute(sa.text(grant), {"r": role, "p": permissions["read"]})  # the valid twin: reading is not security-relevant


# --- SEC-029: PII by need to know ------------------------------------------------------------------------

GROUP_ROLES = ("app_rw", "app_ro", "auditor", "admin_rw")


def test_every_customer_policy_and_claim_column_is_classified(head_catalog) -> None:
    for table, classes in pii.CLASSIFICATION.items():
        assert sorted(c.name for c in head_catalog.table(table).columns) == sorted(classes), (
            f"classify every column of {table} in schema.pii"
        )


def test_revision_withholds_what_the_registry_says() -> None:
    module = ScriptDirectory.from_config(migrations.alembic_config()).get_revision(REVISION).module
    revoked = {(w.table, w.column, w.role) for w in module.PII_WITHHELD}
    designed = {(t, c, r) for t, cols in pii.CLASSIFICATION.items() for c in cols for r in GROUP_ROLES if pii.withheld(t, c, r)}
    assert revoked == designed


@pytest.mark.parametrize("role", GROUP_ROLES)
def test_each_role_reads_only_the_pii_it_needs(head_conn: sa.Connection, role: str) -> None:
    """Issue: app_ro and auditor read every customer's date of birth and street address."""
    Ctx(head_conn).insert("claims")  # a customer, a policy and a claim to read
    seen, denied = [], []
    for table, classes in pii.CLASSIFICATION.items():
        for column in classes:
            savepoint = head_conn.begin_nested()
            head_conn.exec_driver_sql(f"SET LOCAL ROLE {role}")
            try:
                head_conn.exec_driver_sql(f"SELECT {column} FROM {table} LIMIT 1").all()
                seen.append(f"{table}.{column}")
            except sa.exc.ProgrammingError as exc:
                assert isinstance(exc.orig, psycopg.errors.InsufficientPrivilege), exc
                denied.append(f"{table}.{column}")
            savepoint.rollback()
    expected_denied = sorted(f"{t}.{c}" for t, cols in pii.CLASSIFICATION.items() for c in cols if pii.withheld(t, c, role))
    assert sorted(denied) == expected_denied
    sensitive = {"customers.date_of_birth", "customers.address_line1", "claims.description"}
    if role == "app_rw":
        assert sensitive <= set(seen)  # the valid twin: the application serves and underwrites
    else:
        assert sensitive <= set(denied)
    if role == "auditor":
        assert {"customers.first_name", "customers.last_name"} <= set(seen)


# --- the revision on a database that already has history ---------------------------------------------------


def test_archives_detached_before_the_revision_are_adopted_into_the_ledger(scratch_database) -> None:
    """An archive 004's maintenance made is recorded as found (count, checksum) and fully guarded;
    the downgrade then refuses to drop that record unless data loss is allowed."""
    parent = ScriptDirectory.from_config(migrations.alembic_config()).get_revision(REVISION).down_revision
    migrations.upgrade(parent, url=scratch_database)
    eng = database.engine(scratch_database)
    try:
        with eng.begin() as conn:
            conn.execute(
                sa.text("INSERT INTO audit_logs (action, resource_type, created_at) VALUES ('system.backfill', 'audit_logs', :at)"),
                {"at": OLD_MONTH},
            )
            conn.execute(sa.text("SELECT * FROM maintain_partitions('audit_logs', 3, 84)")).all()  # 004's version: detaches, no ledger
        migrations.upgrade(REVISION, url=scratch_database)
        with eng.connect() as conn:
            entry = conn.execute(sa.text("SELECT event, row_count, partition_name FROM partition_archive_ledger")).one()
            assert tuple(entry) == ("adopted", 1, "partitions.audit_logs_p200102")
            assert conn.execute(sa.text("SELECT count(*) FROM audit_trail_protection_problems()")).scalar_one() == 0
        cfg = migrations.alembic_config()
        with eng.connect() as conn:
            cfg.attributes["connection"] = conn
            with pytest.raises(sa.exc.DBAPIError, match="partition_archive_ledger holds the record"):
                command.downgrade(cfg, parent)
    finally:
        eng.dispose()


def test_a_declared_identity_ends_with_its_transaction(head_engine: sa.Engine) -> None:
    """The contract's SET LOCAL: a pooled connection never carries one request's actor into the next."""
    with head_engine.connect() as conn:
        with conn.begin() as first:
            row = Ctx(conn).row("audit_logs")  # declares app.user_id for this transaction
            _insert(conn, "audit_logs", row)
            first.rollback()
        second = conn.begin()
        try:
            # The next transaction on the same connection finds no actor declared...
            assert conn.execute(sa.text("SELECT current_setting('app.user_id', true)")).scalar_one() in ("", None)
            values = Ctx(conn).row("audit_logs")  # (building a valid row declares one: undo that)
            _declare(conn, "app.user_id", "")
            # ...so its row, written without a declaration, is refused.
            err = refusal(conn, "audit_logs", values)
            _names(err, psycopg.errors.CheckViolation, "SEC-020", "no acting identity")
        finally:
            second.rollback()  # nothing of this test stays in the shared head database
