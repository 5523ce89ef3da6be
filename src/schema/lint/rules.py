"""The catalog rules: the NO SILENT FALLBACKS conventions (CONTRIBUTING.md), one function each.

Read like pytest-alembic's ``default.py``: one rule, one function, one name that says what it
forbids. Every function is pure over the Catalog (read once), so the whole lint costs one catalog
read however many rules there are, and a rule can be tested on a catalog of a ten-line schema.
The decorator holds the rule's handbook page; the examples are executed by the tests.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from schema.catalog import Catalog, Column, Constraint, Index, Table
from schema.lint.findings import Problem, rule
from schema.privileges import SECRET_SUFFIXES
from schema.rules import RULES, cited_rule_ids
from schema.secret_formats import ENCRYPTED_SUFFIX, ENVELOPE_PATTERN, HASH_SUFFIX, PASSWORD_HASH_PATTERN

# COR-002: the trigger function revision 001 created to keep updated_at true.
UPDATED_AT_FUNCTION = "set_updated_at"

# --- shared facts about names and types ----------------------------------------------------------

# Clock defaults are technical only on columns that mean "when this row was written".
ROW_TIME_COLUMNS = frozenset({"created_at", "updated_at", "inserted_at", "recorded_at"})
CLOCK_DEFAULT = re.compile(r"^(CURRENT_TIMESTAMP|now\(\)|clock_timestamp\(\)|statement_timestamp\(\)|transaction_timestamp\(\))$")
IDENTIFIER_DEFAULT = re.compile(r"^(gen_random_uuid\(\)|nextval\('.*'::regclass\))$")

# Last word of a column name that makes it money, or a rate/factor (both need an explicit scale).
MONEY_WORDS = frozenset(
    {
        "amount",
        "premium",
        "price",
        "cost",
        "fee",
        "fees",
        "charge",
        "balance",
        "payment",
        "deductible",
        "surcharge",
        "tax",
        "payout",
        "reserve",
        "total",
    }
)
RATE_WORDS = frozenset({"rate", "factor", "ratio", "percent", "percentage", "multiplier", "relativity"})

# Last word of a column name that makes it enum-like (a closed list of values).
ENUM_WORDS = frozenset(
    {"status", "type", "kind", "category", "role", "tier", "level", "mode", "stage", "priority", "severity", "frequency", "state", "method"}
)

# Name endings (as words) of columns that hold a secret; *_hash / *_encrypted never match them.
SECRET_ENDINGS: tuple[tuple[str, ...], ...] = (
    ("password",),
    ("passwd",),
    ("passphrase",),
    ("secret",),
    ("token",),
    ("apikey",),
    ("api", "key"),
    ("private", "key"),
    ("secret", "key"),
    ("access", "key"),
    ("ssn",),
    ("social", "security", "number"),
    ("card", "number"),
    ("cvv",),
    ("cvc",),
    ("pin",),
)

BEFORE_UPDATE = re.compile(r"\bBEFORE (?:\w+ OR )*UPDATE\b")
TYPE_CHECK_CALL = re.compile(r"\bjsonb?_typeof\(")
NOT_NULL_TERM = re.compile(r'"?(\w+)"? IS NOT NULL')


def words(name: str) -> tuple[str, ...]:
    return tuple(name.lower().split("_"))


def ends_with(name: str, ending: tuple[str, ...]) -> bool:
    return words(name)[-len(ending) :] == ending


def is_text(col: Column) -> bool:
    return col.data_type == "text" or col.data_type.startswith(("character varying", "character("))


def columns(catalog: Catalog) -> Iterator[tuple[Table, Column]]:
    for table in catalog.tables.values():
        for col in table.columns:
            yield table, col


def checks_on(table: Table, column: str) -> list[Constraint]:
    return [c for c in table.constraints if c.kind == "c" and column in c.columns]


def blank(text: str | None) -> bool:
    return text is None or not text.strip()


def unquote(key: str) -> str:
    return key[1:-1].replace('""', '"') if key.startswith('"') and key.endswith('"') else key


# --- rules ----------------------------------------------------------------------------------------


@rule(
    "nullable-without-reason",
    title="A nullable column says what NULL means",
    what="A column that allows NULL whose comment does not contain the word NULL.",
    why="NULL is a value the application must interpret. Unless the schema says what it means "
    "(not yet known? not applicable? withheld?), every reader guesses, and a forgotten value "
    "passes silently as 'unknown'.",
    fix="Make the column NOT NULL, or write in its comment what NULL means, e.g. 'NULL until the quote is bound'.",
    bad="""
CREATE TABLE quotes (id uuid PRIMARY KEY, bound_at timestamptz);
COMMENT ON COLUMN quotes.bound_at IS 'When the quote was bound.';
""",
    good="""
CREATE TABLE quotes (id uuid PRIMARY KEY, bound_at timestamptz);
COMMENT ON COLUMN quotes.bound_at IS 'When the quote was bound; NULL until it is bound.';
""",
)
def nullable_without_reason(catalog: Catalog) -> Iterator[Problem]:
    for table, col in columns(catalog):
        if not col.not_null and not re.search(r"\bNULL\b", col.comment or "", re.IGNORECASE):
            yield Problem(
                f"{table.name}.{col.name}",
                f"column {table.name}.{col.name} allows NULL but its comment does not say what NULL means",
                f"make {table.name}.{col.name} NOT NULL, or say in its comment what NULL means (e.g. 'NULL until ...', 'NULL when ...')",
            )


@rule(
    "default-without-rule",
    title="A business default cites the rule that justifies it",
    what="A server default other than a technical one (gen_random_uuid(), nextval(), the clock on "
    "created_at/updated_at-like columns) on a column whose comment cites no business rule id.",
    why="A default decides a business fact when nobody did: a quote that silently starts at premium 0 "
    "or an account that is silently active. The seed allows it only with an explicit business "
    "justification, and the id leads the reader to it.",
    fix="Cite the rule in the column comment (e.g. 'COR-006: accounts are active from creation ...') "
    "and register the rule in schema.rules, or drop the default and make callers supply the value.",
    bad="""
CREATE TABLE users (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), is_active boolean NOT NULL DEFAULT true);
COMMENT ON COLUMN users.is_active IS 'Whether the account may log in.';
""",
    good="""
CREATE TABLE users (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), is_active boolean NOT NULL DEFAULT true);
COMMENT ON COLUMN users.is_active IS 'COR-006: accounts are active from creation until an administrator deactivates them.';
""",
)
def default_without_rule(catalog: Catalog) -> Iterator[Problem]:
    for table, col in columns(catalog):
        if col.default is None or col.is_generated or cited_rule_ids(col.comment):
            continue
        if IDENTIFIER_DEFAULT.match(col.default):
            continue
        if col.name in ROW_TIME_COLUMNS and CLOCK_DEFAULT.match(col.default):
            continue
        yield Problem(
            f"{table.name}.{col.name}",
            f"column {table.name}.{col.name} has the business default {col.default} but its comment cites no rule id",
            f"cite the business rule behind DEFAULT {col.default} in the comment of {table.name}.{col.name} "
            "(and register it in schema.rules), or drop the default",
        )


@rule(
    "fk-without-on-delete",
    title="A foreign key declares what happens on delete",
    what="A foreign key whose ON DELETE action is NO ACTION, PostgreSQL's default when none is written.",
    why="Whether deleting a parent is refused, cascades to its children or orphans them is a business "
    "decision. Left undeclared, it is decided by default and nobody can tell whether anyone thought about it.",
    fix="Declare ON DELETE RESTRICT (the usual choice), CASCADE only for rows owned by their parent, "
    "SET NULL only where the column comment says why.",
    bad="""
CREATE TABLE customers (id uuid PRIMARY KEY);
CREATE TABLE policies (id uuid PRIMARY KEY, customer_id uuid NOT NULL REFERENCES customers (id));
CREATE INDEX ix_policies_customer_id ON policies (customer_id);
""",
    good="""
CREATE TABLE customers (id uuid PRIMARY KEY);
CREATE TABLE policies (id uuid PRIMARY KEY, customer_id uuid NOT NULL REFERENCES customers (id) ON DELETE RESTRICT);
CREATE INDEX ix_policies_customer_id ON policies (customer_id);
""",
)
def fk_without_on_delete(catalog: Catalog) -> Iterator[Problem]:
    for fk in catalog.constraints:
        if fk.kind == "f" and fk.on_delete_code == "a":
            yield Problem(
                fk.name,
                f"foreign key {fk.name} on {fk.table} ({', '.join(fk.columns)}) does not declare ON DELETE",
                f"declare ON DELETE on {fk.name}: RESTRICT, CASCADE for rows owned by {fk.referred_table}, "
                "or SET NULL with the column comment saying why",
            )


def serves_foreign_key(index: Index, fk_columns: tuple[str, ...]) -> bool:
    """An index serves a FK when its leading keys are the FK's columns (in any order) and it covers
    every row that can reference the parent: no predicate, or only ``IS NOT NULL`` of FK columns.
    A UNIQUE btree index without predicate on some of the FK's columns serves too: it finds the
    at most one row that can match (the composite QUO-016 FK of quotes over
    uq_quotes_converted_to_policy_id)."""
    n = len(fk_columns)
    if (
        index.method == "btree"
        and index.is_unique
        and index.predicate is None
        and {unquote(k) for k in index.key_columns} <= set(fk_columns)
    ):
        return True
    if index.method != "btree" and not (index.method == "hash" and n == 1):
        return False
    if len(index.key_columns) < n or {unquote(k) for k in index.key_columns[:n]} != set(fk_columns):
        return False
    if index.predicate is None:
        return True
    rest = re.sub(r"\bAND\b|[()\s]", "", NOT_NULL_TERM.sub("", index.predicate))
    return not rest and set(NOT_NULL_TERM.findall(index.predicate)) <= set(fk_columns)


@rule(
    "fk-without-index",
    title="Every foreign key is backed by an index",
    what="A foreign key with no btree index whose leading columns are the key's columns.",
    why="Deleting or re-keying a parent row makes PostgreSQL look up the children by the FK columns. "
    "Without an index it scans the whole child table, holding locks for the duration. The same index "
    "serves the everyday 'children of this parent' query.",
    fix="CREATE INDEX ix_<table>_<columns> ON <table> (<fk columns>); an existing index whose leading "
    "columns are the FK's also serves, and so does a UNIQUE index on some of the FK's columns.",
    bad="""
CREATE TABLE customers (id uuid PRIMARY KEY);
CREATE TABLE policies (id uuid PRIMARY KEY, customer_id uuid NOT NULL REFERENCES customers (id) ON DELETE RESTRICT);
""",
    good="""
CREATE TABLE customers (id uuid PRIMARY KEY);
CREATE TABLE policies (id uuid PRIMARY KEY, customer_id uuid NOT NULL REFERENCES customers (id) ON DELETE RESTRICT);
CREATE INDEX ix_policies_customer_id ON policies (customer_id);
""",
)
def fk_without_index(catalog: Catalog) -> Iterator[Problem]:
    for table in catalog.tables.values():
        for fk in table.foreign_keys:
            if not any(serves_foreign_key(ix, fk.columns) for ix in table.indexes):
                cols = ", ".join(fk.columns)
                yield Problem(
                    fk.name,
                    f"foreign key {fk.name}: {table.name} ({cols}) has no index whose leading columns are the key's",
                    f"CREATE INDEX ix_{table.name}_{'_'.join(fk.columns)} ON {table.name} ({cols})",
                )


@rule(
    "float-money",
    title="Money and rates are exact numbers",
    what="A real or double precision column anywhere; a money column; a numeric without a scale (or with "
    "scale 0) whose name says money (amount, premium, price, fee...) or rate (rate, factor, ratio...).",
    why="Binary floating point cannot represent 0.10 exactly: premiums computed in float drift by cents, "
    "and cents are what regulators and reconciliations count. An unscaled numeric accepts any number "
    "of decimals, so nothing says at which precision money is kept. The money type depends on lc_monetary.",
    fix="Use NUMERIC(p,2) for money and NUMERIC(p,s) with an explicit scale for rates and factors.",
    bad="CREATE TABLE premiums (id uuid PRIMARY KEY, amount double precision NOT NULL);",
    good="CREATE TABLE premiums (id uuid PRIMARY KEY, amount numeric(12,2) NOT NULL);",
)
def float_money(catalog: Catalog) -> Iterator[Problem]:
    for table, col in columns(catalog):
        base = col.data_type.removesuffix("[]")
        name = f"{table.name}.{col.name}"
        last = words(col.name)[-1]
        if base in {"real", "double precision", "money"}:
            yield Problem(
                name,
                f"column {name} is {col.data_type}: inexact or locale-dependent for numbers that count",
                f"ALTER TABLE {table.name} ALTER COLUMN {col.name} TYPE numeric(12,2) (money) "
                "or numeric(p,s) with the scale the rate needs",
            )
        elif (base == "numeric" or re.fullmatch(r"numeric\(\d+,0\)", base)) and last in MONEY_WORDS | RATE_WORDS:
            kind = "money" if last in MONEY_WORDS else "a rate or factor"
            yield Problem(
                name,
                f"column {name} looks like {kind} but is {col.data_type}, without a scale for its decimals",
                f"ALTER TABLE {table.name} ALTER COLUMN {col.name} TYPE "
                + ("numeric(12,2)" if last in MONEY_WORDS else "numeric(p,s) with an explicit scale"),
            )


@rule(
    "timestamp-without-time-zone",
    title="Points in time are timestamptz",
    what="A column of type timestamp without time zone.",
    why="A timestamp without a zone is a wall-clock reading whose meaning depends on the server's and "
    "client's settings: a policy bound at 23:30 in California is a different day in New York. "
    "timestamptz stores an instant; calendar dates are date.",
    fix="ALTER COLUMN ... TYPE timestamptz (or date when only the calendar day matters).",
    bad="CREATE TABLE quotes (id uuid PRIMARY KEY, bound_at timestamp NOT NULL);",
    good="CREATE TABLE quotes (id uuid PRIMARY KEY, bound_at timestamptz NOT NULL);",
)
def timestamp_without_time_zone(catalog: Catalog) -> Iterator[Problem]:
    for table, col in columns(catalog):
        if col.data_type.startswith("timestamp") and "without time zone" in col.data_type:
            yield Problem(
                f"{table.name}.{col.name}",
                f"column {table.name}.{col.name} is {col.data_type}",
                f"ALTER TABLE {table.name} ALTER COLUMN {col.name} TYPE timestamptz (or date for a calendar day)",
            )


@rule(
    "enum-without-check",
    title="An enum-like column lists its allowed values",
    what="A text column named like an enum (status, type, kind, category, role, tier, level, mode, stage, "
    "priority, severity, frequency, state, method, or ending in _status, _type, ...) that no CHECK "
    "constraint and no foreign key constrains.",
    why="Without a CHECK, 'Active', 'actve' and 'active ' are three statuses, and every query that filters "
    "on 'active' silently misses the other two.",
    fix="Add a named CHECK listing the values (base.in_values): "
    "CONSTRAINT ck_<table>_<column>_allowed CHECK (<column> IN (...)), or reference a lookup table.",
    bad="CREATE TABLE quotes (id uuid PRIMARY KEY, status varchar(20) NOT NULL);",
    good="""
CREATE TABLE quotes (
    id uuid PRIMARY KEY,
    status varchar(20) NOT NULL CONSTRAINT ck_quotes_status_allowed CHECK (status IN ('draft', 'quoted', 'bound'))
);
""",
)
def enum_without_check(catalog: Catalog) -> Iterator[Problem]:
    for table, col in columns(catalog):
        if not is_text(col) or words(col.name)[-1] not in ENUM_WORDS:
            continue
        constrained = checks_on(table, col.name) or any(col.name in fk.columns for fk in table.foreign_keys)
        if not constrained:
            yield Problem(
                f"{table.name}.{col.name}",
                f"enum-like column {table.name}.{col.name} ({col.data_type}) has no CHECK listing its values",
                f"ALTER TABLE {table.name} ADD CONSTRAINT ck_{table.name}_{col.name}_allowed CHECK ({col.name} IN (...))",
            )


@rule(
    "jsonb-without-type-check",
    title="A JSON column checks at least its top-level type",
    what="A jsonb or json column without a CHECK that calls jsonb_typeof (json_typeof) on it or a validator function of the schema.",
    why="Code that reads coverage_data['limits'] breaks on a JSON array or a bare string, and a JSON "
    "column accepts both. A type CHECK is the minimum contract; a validator function is better.",
    fix="ADD CONSTRAINT ck_<table>_<column>_is_object CHECK (jsonb_typeof(<column>) = 'object'), or a CHECK calling a validator function.",
    bad="CREATE TABLE policies (id uuid PRIMARY KEY, coverage_data jsonb NOT NULL);",
    good="""
CREATE TABLE policies (
    id uuid PRIMARY KEY,
    coverage_data jsonb NOT NULL CONSTRAINT ck_policies_coverage_data_is_object CHECK (jsonb_typeof(coverage_data) = 'object')
);
""",
)
def jsonb_without_type_check(catalog: Catalog) -> Iterator[Problem]:
    validators = {f.name for f in catalog.functions}
    for table, col in columns(catalog):
        if col.data_type.removesuffix("[]") not in {"jsonb", "json"}:
            continue
        typed = any(
            TYPE_CHECK_CALL.search(c.definition) or any(re.search(rf"\b{re.escape(v)}\(", c.definition) for v in validators)
            for c in checks_on(table, col.name)
        )
        if not typed:
            yield Problem(
                f"{table.name}.{col.name}",
                f"{col.data_type} column {table.name}.{col.name} has no CHECK on its JSON type",
                f"ALTER TABLE {table.name} ADD CONSTRAINT ck_{table.name}_{col.name}_is_object "
                f"CHECK (jsonb_typeof({col.name}) = 'object') (or 'array', or a validator function)",
            )


@rule(
    "plain-text-secret",
    title="Secrets are stored hashed or encrypted",
    what="A text or bytea column named like a secret (password, secret, token, api_key, private_key, ssn, "
    "card_number, cvv, pin...) that does not end in _hash or _encrypted.",
    why="A database dump, a replica or a support query must never reveal a credential. The suffix is the "
    "promise that the value is not the secret itself, and the grant profiles withhold those columns.",
    fix="Store a hash (passwords, tokens) or a ciphertext (values that must be read back) in a column named "
    "<name>_hash or <name>_encrypted.",
    bad="CREATE TABLE users (id uuid PRIMARY KEY, password text NOT NULL);",
    good="CREATE TABLE users (id uuid PRIMARY KEY, password_hash text NOT NULL);",
)
def plain_text_secret(catalog: Catalog) -> Iterator[Problem]:
    for table, col in columns(catalog):
        if not (is_text(col) or col.data_type == "bytea") or col.name.endswith(SECRET_SUFFIXES):
            continue
        if any(ends_with(col.name, ending) for ending in SECRET_ENDINGS):
            yield Problem(
                f"{table.name}.{col.name}",
                f"column {table.name}.{col.name} is named like a secret and stored as {col.data_type}",
                f"store a hash or ciphertext in {table.name}.{col.name}_hash or {table.name}.{col.name}_encrypted and drop {col.name}",
            )


@rule(
    "secret-without-format-check",
    title="Secret columns check their declared format",
    what="A *_hash column without a CHECK that it matches the recognised password-hash formats (SEC-025: argon2id, "
    "bcrypt, scrypt, PBKDF2 in their standard encodings), or a *_encrypted column without a CHECK that it holds "
    "the v1 envelope v1:<key id>:<base64> (SEC-026); the patterns are those of schema.secret_formats.",
    why="The suffix promises that the value is not the secret itself, but only a CHECK keeps the promise: issue 18 "
    "found plaintext in oauth2_clients.client_secret_hash and admin_users.password_hash.",
    fix="ADD CONSTRAINT ck_<table>_<column>_format CHECK (<column> ~ PASSWORD_HASH_PATTERN) NOT VALID, or "
    "ck_<table>_<column>_envelope CHECK (<column> ~ ENVELOPE_PATTERN) for ciphertext, then VALIDATE CONSTRAINT.",
    bad="CREATE TABLE api_keys (id uuid PRIMARY KEY, key_hash text NOT NULL);",
    good=f"""
CREATE TABLE api_keys (
    id uuid PRIMARY KEY,
    key_hash text NOT NULL CONSTRAINT ck_api_keys_key_hash_format CHECK (key_hash ~ '{PASSWORD_HASH_PATTERN}')
);
""",
)
def secret_without_format_check(catalog: Catalog) -> Iterator[Problem]:
    for table, col in columns(catalog):
        if col.name.endswith(HASH_SUFFIX):
            pattern, kind, suffix = PASSWORD_HASH_PATTERN, "a recognised password-hash format (SEC-025)", "format"
        elif col.name.endswith(ENCRYPTED_SUFFIX):
            pattern, kind, suffix = ENVELOPE_PATTERN, "the v1 envelope v1:<key id>:<base64> (SEC-026)", "envelope"
        else:
            continue
        if not any(pattern in c.definition for c in checks_on(table, col.name)):
            yield Problem(
                f"{table.name}.{col.name}",
                f"secret column {table.name}.{col.name} has no CHECK that it holds {kind}",
                f"ALTER TABLE {table.name} ADD CONSTRAINT ck_{table.name}_{col.name}_{suffix} CHECK "
                f"({col.name} ~ <schema.secret_formats pattern>) NOT VALID; then VALIDATE CONSTRAINT",
            )


def _index_strength(index: Index) -> tuple[bool, bool, bool]:
    return (index.is_primary, index.constraint_name is not None, index.is_unique)


def _special(index: Index) -> bool:
    """Operator classes, ordering, collation and INCLUDE make an index serve something its key
    columns do not show; the lint cannot judge those, so it never calls such an index redundant."""
    return bool(re.search(r"_ops\b|\bDESC\b|\bCOLLATE\b|\bINCLUDE\b", index.definition))


def redundant_to(index: Index, other: Index) -> bool:
    if index is other or index.method != other.method or index.predicate != other.predicate:
        return False
    if _special(index) or _special(other):
        return False
    if index.key_columns == other.key_columns:
        mine, theirs = _index_strength(index), _index_strength(other)
        return mine < theirs or (mine == theirs and index.name > other.name)
    n = len(index.key_columns)
    return index.method == "btree" and not index.is_unique and n < len(other.key_columns) and other.key_columns[:n] == index.key_columns


@rule(
    "redundant-index",
    title="No index duplicates another",
    what="An index whose key columns equal another index's (a UNIQUE or PRIMARY KEY one included), or a "
    "non-unique btree index whose keys are a prefix of another btree index's, with the same predicate.",
    why="Every index is written on every insert and update, takes memory and vacuum time, and the planner "
    "uses only one of the duplicates. A UNIQUE constraint already has its index.",
    fix="DROP INDEX the redundant one (and remove it from the model and revision); the other serves its queries.",
    bad="""
CREATE TABLE users (id uuid PRIMARY KEY, email varchar(255) NOT NULL CONSTRAINT uq_users_email UNIQUE);
CREATE INDEX ix_users_email ON users (email);
""",
    good="CREATE TABLE users (id uuid PRIMARY KEY, email varchar(255) NOT NULL CONSTRAINT uq_users_email UNIQUE);",
)
def redundant_index(catalog: Catalog) -> Iterator[Problem]:
    for table in catalog.tables.values():
        for index in table.indexes:
            other = next((o for o in table.indexes if redundant_to(index, o)), None)
            if other is not None:
                yield Problem(
                    index.name,
                    f"index {index.name} on {table.name} ({', '.join(index.key_columns)}) is covered by "
                    f"{other.name} ({', '.join(other.key_columns)})",
                    f"DROP INDEX {index.name}; {other.name} serves the same lookups",
                )


@rule(
    "table-without-comment",
    title="Every table says what it holds",
    what="A table without a comment.",
    why="The handbook, the ERD and the next engineer read the catalog. A table nobody described gets "
    "misused, and its business rules live only in someone's memory.",
    fix="COMMENT ON TABLE <table> IS '<what a row is, and the rule ids that govern it>'; in the model, "
    "__table_args__ comment / op.create_table(comment=...).",
    bad="CREATE TABLE quotes (id uuid PRIMARY KEY);",
    good="""
CREATE TABLE quotes (id uuid PRIMARY KEY);
COMMENT ON TABLE quotes IS 'Price offers for a policy, from draft to bound or expired.';
""",
)
def table_without_comment(catalog: Catalog) -> Iterator[Problem]:
    for table in catalog.tables.values():
        if blank(table.comment):
            yield Problem(
                table.name,
                f"table {table.name} has no comment",
                f"COMMENT ON TABLE {table.name} IS '<what a row is>' (and the same comment in the model)",
            )


@rule(
    "column-without-comment",
    title="Every column says what it holds",
    what="A column without a comment.",
    why="Column comments carry the schema's meaning: units, what NULL means, which rule a default follows. "
    "An uncommented column is one whose meaning is guessed.",
    fix="COMMENT ON COLUMN <table>.<column> IS '...'; in the model, mapped_column(comment=...).",
    bad="CREATE TABLE quotes (id uuid PRIMARY KEY);",
    good="""
CREATE TABLE quotes (id uuid PRIMARY KEY);
COMMENT ON COLUMN quotes.id IS 'Technical surrogate key, generated by the database.';
""",
)
def column_without_comment(catalog: Catalog) -> Iterator[Problem]:
    for table, col in columns(catalog):
        if blank(col.comment):
            yield Problem(
                f"{table.name}.{col.name}",
                f"column {table.name}.{col.name} has no comment",
                f"COMMENT ON COLUMN {table.name}.{col.name} IS '<what it holds>' (and mapped_column(comment=...) in the model)",
            )


@rule(
    "partitioned-without-default",
    title="A partitioned table has a DEFAULT partition",
    what="A range- or list-partitioned table none of whose partitions is the DEFAULT partition "
    "(hash partitioning has no DEFAULT: its partitions cover every key).",
    why="Without a DEFAULT partition, a row whose key falls outside every partition (a late event, a "
    "maintenance job that did not run) is refused and an audit record is lost. The DEFAULT partition "
    "keeps it, and the maintenance function moves it when its partition is created.",
    fix="CREATE TABLE <table>_default PARTITION OF <table> DEFAULT;",
    bad="""
CREATE TABLE audit_logs (id uuid NOT NULL, occurred_at timestamptz NOT NULL, PRIMARY KEY (id, occurred_at))
    PARTITION BY RANGE (occurred_at);
CREATE TABLE audit_logs_2026_01 PARTITION OF audit_logs FOR VALUES FROM ('2026-01-01') TO ('2026-02-01');
""",
    good="""
CREATE TABLE audit_logs (id uuid NOT NULL, occurred_at timestamptz NOT NULL, PRIMARY KEY (id, occurred_at))
    PARTITION BY RANGE (occurred_at);
CREATE TABLE audit_logs_2026_01 PARTITION OF audit_logs FOR VALUES FROM ('2026-01-01') TO ('2026-02-01');
CREATE TABLE audit_logs_default PARTITION OF audit_logs DEFAULT;
""",
)
def partitioned_without_default(catalog: Catalog) -> Iterator[Problem]:
    for table in catalog.tables.values():
        hashed = (table.partition_key or "").startswith("HASH")  # hash partitions cover every key; no DEFAULT exists
        if table.is_partitioned and not hashed and not any(p.is_default for p in table.partitions):
            yield Problem(
                table.name,
                f"partitioned table {table.name} ({table.partition_key}) has no DEFAULT partition",
                f"CREATE TABLE {table.name}_default PARTITION OF {table.name} DEFAULT",
            )


@rule(
    "rls-enabled-without-policy",
    title="Row-level security comes with a policy",
    what="A table with row-level security enabled and no policy.",
    why="With RLS on and no policy, every role but the owner sees no rows and can write none: queries "
    "return empty results instead of failing, the quietest possible fallback.",
    fix="CREATE POLICY <table>_<who> ON <table> ... for each role that must see rows, or disable RLS.",
    bad="""
CREATE TABLE customers (id uuid PRIMARY KEY, agent_name text NOT NULL);
ALTER TABLE customers ENABLE ROW LEVEL SECURITY;
""",
    good="""
CREATE TABLE customers (id uuid PRIMARY KEY, agent_name text NOT NULL);
ALTER TABLE customers ENABLE ROW LEVEL SECURITY;
CREATE POLICY customers_own_agent ON customers USING (agent_name = current_user);
""",
)
def rls_enabled_without_policy(catalog: Catalog) -> Iterator[Problem]:
    for table in catalog.tables.values():
        if table.rls_enabled and not table.policies:
            yield Problem(
                table.name,
                f"table {table.name} has row-level security enabled but no policy",
                f"CREATE POLICY ... ON {table.name} for the roles that must see rows, "
                f"or ALTER TABLE {table.name} DISABLE ROW LEVEL SECURITY",
            )


@rule(
    "updated-at-without-trigger",
    title="updated_at is maintained by the database",
    what=f"A table with an updated_at column and no BEFORE UPDATE row trigger calling {UPDATED_AT_FUNCTION}().",
    why="A DEFAULT fills updated_at once, at insert; after that it tells the truth only if every caller "
    "remembers to set it. The trigger makes it true (COR-002).",
    fix="UPDATED_AT_TRIGGER.format(table='<table>') in the revision (CREATE TRIGGER ... EXECUTE FUNCTION set_updated_at()).",
    bad="CREATE TABLE quotes (id uuid PRIMARY KEY, updated_at timestamptz NOT NULL DEFAULT CURRENT_TIMESTAMP);",
    good="""
CREATE FUNCTION set_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN NEW.updated_at := clock_timestamp(); RETURN NEW; END $$;
CREATE TABLE quotes (id uuid PRIMARY KEY, updated_at timestamptz NOT NULL DEFAULT CURRENT_TIMESTAMP);
CREATE TRIGGER trg_quotes_set_updated_at BEFORE UPDATE ON quotes FOR EACH ROW EXECUTE FUNCTION set_updated_at();
""",
)
def updated_at_without_trigger(catalog: Catalog) -> Iterator[Problem]:
    for table in catalog.tables.values():
        if not any(c.name == "updated_at" for c in table.columns):
            continue
        if not any(
            tr.function_name == UPDATED_AT_FUNCTION and BEFORE_UPDATE.search(tr.definition) and "FOR EACH ROW" in tr.definition
            for tr in table.triggers
        ):
            yield Problem(
                table.name,
                f"table {table.name} has updated_at but no BEFORE UPDATE trigger calling {UPDATED_AT_FUNCTION}()",
                f"create_updated_at_trigger('{table.name}') in the revision that creates {table.name}",
            )


def _comments(catalog: Catalog) -> Iterator[tuple[str, str | None]]:
    for table in catalog.tables.values():
        yield table.name, table.comment
        yield from ((f"{table.name}.{c.name}", c.comment) for c in table.columns)
        yield from ((c.name, c.comment) for c in table.constraints)
        yield from ((i.name, i.comment) for i in table.indexes)
        yield from ((t.name, t.comment) for t in table.triggers)
    yield from ((f"{f.name}()", f.comment) for f in catalog.functions)


@rule(
    "unknown-rule-id",
    title="A cited rule id exists in the registry",
    what="A comment (of a table, column, constraint, index, trigger or function) that cites a rule id schema.rules does not register.",
    why="A rule id is a promise that the reader can look the rule up. An id nobody registered is a broken "
    "link: a typo, or a rule that was renamed or never written down.",
    fix="Register the rule in src/schema/rules/<domain>.py (RULES) or correct the id in the comment.",
    bad="""
CREATE TABLE policies (id uuid PRIMARY KEY);
COMMENT ON TABLE policies IS 'Bound contracts (COR-999).';
""",
    good="""
CREATE TABLE policies (id uuid PRIMARY KEY);
COMMENT ON TABLE policies IS 'Bound contracts; each belongs to one customer (COR-001).';
""",
)
def unknown_rule_id(catalog: Catalog, known: frozenset[str] = frozenset(RULES)) -> Iterator[Problem]:
    for name, comment in _comments(catalog):
        for rule_id in sorted(cited_rule_ids(comment) - known):
            yield Problem(
                name,
                f"the comment of {name} cites {rule_id}, which schema.rules does not register",
                f"register {rule_id} in src/schema/rules/<domain>.py or correct the id in the comment of {name}",
            )


@rule(
    "table-without-primary-key",
    title="Every table has a primary key",
    what="A table without a PRIMARY KEY constraint.",
    why="Without a key, duplicate rows cannot be told apart, foreign keys cannot point at the table, and "
    "logical replication cannot apply updates or deletes.",
    fix="Add a PRIMARY KEY (a uuid id with gen_random_uuid(), or the natural key).",
    bad="CREATE TABLE state_factors (state char(2) NOT NULL, factor numeric(6,4) NOT NULL);",
    good="CREATE TABLE state_factors (state char(2) PRIMARY KEY, factor numeric(6,4) NOT NULL);",
)
def table_without_primary_key(catalog: Catalog) -> Iterator[Problem]:
    for table in catalog.tables.values():
        if table.primary_key is None:
            yield Problem(
                table.name,
                f"table {table.name} has no primary key",
                f"ALTER TABLE {table.name} ADD CONSTRAINT pk_{table.name} PRIMARY KEY (...)",
            )
