"""Handbook pages of the security invariants (revision 010): the acting-identity contract for
application developers, and how the audit trail is kept whole.

The contract is prose (it is addressed to people writing the application), but every trigger,
function and table it names is looked up in the live catalog, so a page that promises a guard
the database no longer has fails to generate instead of lying.
"""

from __future__ import annotations

from schema import pii, privileges
from schema.catalog import Catalog
from schema.docs import markdown as md
from schema.docs.site import PII_PAGE, Handbook

ACTING_IDENTITY_PAGE = "reference/acting_identity.md"

# What each audit trail requires, in the order the page lists them: (table, actor column, setting).
ACTING_IDENTITY: tuple[tuple[str, str, str], ...] = (
    ("audit_logs", "user_id", "app.user_id"),
    ("admin_activity_logs", "admin_user_id", "app.admin_user_id"),
)
# Catalog objects the page's promises rest on; missing at head = the page refuses to render.
RELIED_ON: tuple[str, ...] = (
    "require_acting_identity()",
    "trg_audit_logs_acting_identity",
    "trg_admin_activity_logs_acting_identity",
    "trg_audit_logs_no_truncate",
    "partition_archive_ledger",
    "maintain_partitions()",
    "audit_trail_protection_problems()",
    "guard_audit_trail_ddl()",
    "guard_audit_trail_drop()",
)

CONTRACT = """\
## The contract

Every transaction that writes an audit or activity row first says who acts, with a
transaction-local setting, and then writes rows in that name only:

```sql
BEGIN;
SET LOCAL app.user_id = '6f1c…';          -- the signed-in platform user (audit_logs.user_id)
INSERT INTO audit_logs (user_id, action, resource_type, …) VALUES ('6f1c…', 'quote.create', 'quotes', …);
COMMIT;

BEGIN;
SET LOCAL app.admin_user_id = '0b7e…';    -- the signed-in admin (admin_activity_logs.admin_user_id)
INSERT INTO admin_activity_logs (admin_user_id, action, …) VALUES ('0b7e…', 'setting.update', …);
COMMIT;
```

- **Set it per transaction, with `SET LOCAL`** (or `set_config(name, value, true)`), right after
  `BEGIN`, from the authenticated session, never from request input. `SET LOCAL` ends with the
  transaction, so a pooled connection (PgBouncer in transaction mode included) never carries one
  request's identity into the next.
- **`anonymous`** declares that no platform user acts (a request before sign-in, a failed login of an
  unknown e-mail, a scheduled job): then `audit_logs.user_id` must be NULL. Admin activity is never
  anonymous: unauthenticated console attempts go to `audit_logs`.
- **Refusals** are SQLSTATE `23514` (check_violation) with the rule id in the message and the trigger
  in the error's constraint field: SEC-020 for a missing identity, one that is not a uuid, or a row
  attributed to someone else. Treat them as bugs in the caller, not as user errors.
- **Historical rows** (seed, imports of another system's log, rows partition maintenance moves out of
  DEFAULT) are already attributed: the table owner loads them after
  `SET LOCAL app.historical_import = 'on'` (SEC-021). Any other role setting it is refused, so the
  application can never use it.
"""

TRAIL = """\
## An audit trail nobody can cut

- UPDATE and DELETE of audit rows are refused by row triggers that PostgreSQL clones onto every
  partition; TRUNCATE by a statement trigger that sits on the parent **and on every partition,
  DEFAULT included** (PostgreSQL never clones statement triggers, so `maintain_partitions()` puts it
  on each partition it creates: SEC-022). The owner is refused like everyone else (SEC-003).
- A partition leaves `audit_logs` only by retention, through `maintain_partitions()`, which first
  writes table, range, row count and checksum into the append-only `partition_archive_ledger`
  (SEC-023). The checksum `md5sum64:<n>` is order-independent; an auditor recomputes it on an
  archive with
  `SELECT 'md5sum64:' || (coalesce(sum(('x' || left(md5(t::text), 16))::bit(64)::bigint::numeric + 9223372036854775808), 0) % 18446744073709551616)::text FROM partitions.<archive> AS t`.
- Event triggers refuse dropping an audit table, partition, archive or protecting trigger, and any
  DDL after which `audit_trail_protection_problems()` is not empty: a trigger disabled, a partition
  created or detached by hand (SEC-024).
- What this cannot stop: a superuser can disable event triggers and set
  `session_replication_role = replica`. Superuser access is therefore break-glass only, through a
  separately audited procedure; the application, the admin console and the schema owner are bound.
"""


def _relied_on(hb: Handbook, catalog: Catalog) -> str:
    names = catalog.object_names()
    missing = [name for name in RELIED_ON if name not in names]
    if missing:
        raise ValueError(f"{ACTING_IDENTITY_PAGE} promises guards missing at head: {missing}")
    return "Enforced by: " + ", ".join(hb.object_link(ACTING_IDENTITY_PAGE, name, ACTING_IDENTITY_PAGE) for name in RELIED_ON) + "."


def acting_identity_page(hb: Handbook) -> str:
    """SEC-020..024: who acts, and why the evidence holds, for application developers and auditors."""
    rows = [
        (hb.table_link(ACTING_IDENTITY_PAGE, table), md.code(column), md.code(f"SET LOCAL {setting} = '<uuid>'"))
        for table, column, setting in ACTING_IDENTITY
    ]
    return "\n\n".join([
        "# Acting identity and the audit trail",
        md.MD_MARKER_LINE,
        hb.prose(ACTING_IDENTITY_PAGE, "The database holds every audit and activity row to the identity the application declared "
                 "for its transaction (SEC-020), and keeps the trail whole against every role, the owner included (SEC-022..024)."),
        md.table(("Table", "Actor column", "Declare before writing"), rows).rstrip("\n"),
        CONTRACT.rstrip("\n"),
        TRAIL.rstrip("\n"),
        _relied_on(hb, hb.catalog),
    ]) + "\n"


def pii_page(hb: Handbook) -> str:
    """SEC-029: the classification of schema.pii, and who reads each column as granted at head."""
    granted = privileges.actual(hb.catalog)
    roles = list(privileges.GROUP_ROLES)
    sections = []
    for table in sorted(pii.CLASSIFICATION):
        rows = []
        for col in sorted(hb.catalog.table(table).columns, key=lambda c: c.position):
            cls = pii.classification(table, col.name)
            readers = [r for r in roles if privileges.Cell(table, r, "SELECT", col.name) in granted]
            rows.append((
                hb.table_link(PII_PAGE, table, None, f"{table}.{col.name}"),
                md.code(cls) if cls else "not classified",
                ", ".join(readers) or md.NONE,
                md.text(pii.WHY[cls]) if cls else md.NONE,
            ))
        sections.append(f"## {table}\n\n" + md.table(("Column", "Class", "Read by (live grants)", "Why"), rows))
    classes = [(md.code(cls), ", ".join(sorted(pii.READERS[cls])), md.text(pii.WHY[cls])) for cls in pii.CLASSES]
    return "\n\n".join([
        "# PII by need to know",
        md.MD_MARKER_LINE,
        hb.prose(PII_PAGE, "Customer, policy and claim columns by class (SEC-029); the registry is schema.pii, the grants are "
                 "read from the live catalog (tests/test_privileges.py holds them to the registry)."),
        md.table(("Class", "Readers", "Meaning"), classes),
        *sections,
    ]) + "\n"
