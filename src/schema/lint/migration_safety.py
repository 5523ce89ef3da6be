"""Migration safety: Squawk over each revision's offline SQL, plus the checks Squawk cannot make.

Squawk sees SQL, so each revision is rendered as an operator would review it
(``alembic upgrade <prev>:<rev> --sql``) and linted for lock-unsafe DDL. What Squawk cannot see is
the Python around the SQL: whether a downgrade exists at all, and whether it runs the data-loss
guard before it drops a table. Those are read from the revision module's AST.

Exceptions are explicit, like catalog suppressions: a project-wide policy where our conventions
knowingly differ from Squawk's, and per-revision allowances (typically: an operation that is
unsafe on a live table but harmless on a table the same revision creates), each with a reason.
Unused ones are reported so they cannot outlive their reason.
"""

from __future__ import annotations

import ast
import io
import json
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.script import Script

from schema import database, migrations
from schema.lint.findings import Finding, RuleDoc
from schema.lint.suppressions import UNUSED_SUPPRESSION, Suppression, apply

SQUAWK_PREFIX = "squawk/"
SQUAWK_PG_VERSION = f"{database.MIN_SERVER_VERSION_NUM // 10000}.0"  # lint for the oldest server we support
REVISION_WITHOUT_DOWNGRADE = "revision-without-downgrade"
DOWNGRADE_WITHOUT_GUARD = "downgrade-without-data-loss-guard"
REVISION_NOT_RENDERABLE = "revision-not-renderable"
GUARD_FUNCTION = "guard_data_loss"
DROP_TABLE_SQL = re.compile(r"\bDROP\s+TABLE\s+(?:IF\s+EXISTS\s+)?([\w\s.,\"]+)", re.IGNORECASE)

# Squawk rules our conventions knowingly override, for every revision, and why.
SQUAWK_POLICY: dict[str, str] = {
    "prefer-text-field": (
        "DESIGN.md: enum-like and business-key columns are VARCHAR(n) with named CHECKs, the length being part "
        "of the contract the models state (String(n)); widening a varchar later is a catalog-only change "
        "(a brief ACCESS EXCLUSIVE lock, no table rewrite)"
    ),
    "prefer-bigint-over-int": (
        "the rule guards growing identifiers against the 2^31 limit; our keys are UUIDs (gen_random_uuid()), and "
        "INTEGER columns hold bounded business quantities (versions, years, per-year counters, limits, durations)"
    ),
}


def allow(revision: str, squawk_rule: str, reason: str) -> Suppression:
    """Allow one Squawk rule in one revision, for a written reason."""
    return Suppression(SQUAWK_PREFIX + squawk_rule, revision, reason)


# Per-revision allowances: (revision, Squawk rule, reason).
REVISION_ALLOWANCES: tuple[Suppression, ...] = (
    allow(
        "007",
        "ban-drop-constraint",
        "COR-021: uq_customers_email goes on purpose (household members share an e-mail); customer_number stays "
        "the unique business key and ix_customers_email serves the lookup",
    ),
    allow(
        "007",
        "ban-drop-not-null",
        "COR-021 and COR-016: customers.email and claims.claimed_amount become optional on purpose (agency-written "
        "business without an e-mail; first notice of loss before the amount is known); a catalog-only change",
    ),
    allow(
        "007",
        "constraint-missing-not-valid",
        "the CHECKs on claims and policies are added NOT VALID and validated in the revision's one transaction, so "
        "that its refusal on violating rows (checked first) and the constraints land or roll back together; the "
        "validation scan of policies / claims runs under the lock ADD CONSTRAINT took (no rewrite), a short scan "
        "of two tables of at most a few hundred thousand rows at full scale",
    ),
    allow(
        "007",
        "require-concurrent-index-creation",
        "ix_customers_email replaces uq_customers_email in the same transaction (so sign-up lookups never lose "
        "their index); CONCURRENTLY cannot run inside it. The build holds a SHARE lock on customers (reads go on, "
        "writes wait) for about a second per million customers",
    ),
    allow(
        "008",
        "constraint-missing-not-valid",
        "each revision runs in one transaction (alembic/env.py), and --reset and pytest-alembic run all revisions "
        "in the caller's transaction, where autocommit_block cannot commit between ADD ... NOT VALID and VALIDATE; "
        "the revision's preflight has already shown no violator, so each VALIDATE is one index-less scan of "
        "quotes under the lock (milliseconds at small scale). A table too large for that gets its VALIDATE in a "
        "follow-up revision",
    ),
    allow(
        "008",
        "require-concurrent-index-creation",
        "ix_policies_binding_key is built in the revision's transaction for the same reason (CONCURRENTLY cannot "
        "run inside a transaction); the build takes a SHARE lock on policies: reads continue, binds wait for it",
    ),
    allow(
        "009",
        "ban-drop-constraint",
        "each dropped CHECK of rate_tables/discount_rules is re-added in the same transaction (wider vocabularies "
        "for coverage and filing ids, a stricter discount bound): no moment without the guarantee",
    ),
    allow(
        "009",
        "constraint-missing-not-valid",
        "the constraints are added NOT VALID and validated in the revision's transaction on rate_tables, "
        "discount_rules and admin_rate_approvals, reference and staff tables of tens to hundreds of rows (the lock "
        "lasts milliseconds); the revision's prechecks have already proven no row breaks them",
    ),
    allow(
        "009",
        "require-concurrent-index-creation",
        "uq_admin_rate_approvals_pending_rate_table_id is built on admin_rate_approvals, a staff-sized table "
        "(hundreds of rows): the SHARE lock lasts milliseconds, and CONCURRENTLY would split the revision's transaction",
    ),
    allow(
        "010",
        "constraint-missing-not-valid",
        "the secret-format CHECKs (SEC-025/026) are validated in the revision's transaction: users, admin_users, "
        "oauth2_clients, sso_providers and user_mfa_settings are account registries of thousands of rows at most, so "
        "the scan under the ADD's lock takes milliseconds, and the revision stays all-or-nothing",
    ),
)


@dataclass(frozen=True)
class Revision:
    """A revision as the checks need it: id, range to render, module path and source."""

    id: str
    down: str | None
    path: Path
    source: str

    @property
    def display_path(self) -> str:
        return str(self.path.relative_to(database.project_root()))

    @property
    def render_range(self) -> str:
        return self.id if self.down is None else f"{self.down}:{self.id}"

    @classmethod
    def from_script(cls, script: Script) -> Revision:
        if not isinstance(script.down_revision, str | None):
            raise ValueError(f"revision {script.revision} merges {script.down_revision}: the chain must be linear")
        path = Path(script.path)
        return cls(script.revision, script.down_revision, path, path.read_text())


def revisions() -> list[Revision]:
    """All revisions, base first."""
    return [Revision.from_script(s) for s in reversed(list(migrations.script_directory().walk_revisions()))]


def render_sql(revision: Revision) -> str:
    """The revision's upgrade SQL as ``alembic upgrade <prev>:<rev> --sql`` prints it."""
    cfg = migrations.alembic_config()
    buffer = io.StringIO()
    cfg.output_buffer = buffer
    command.upgrade(cfg, revision.render_range, sql=True)
    return buffer.getvalue()


def squawk_binary() -> str:
    """The squawk of this environment (the squawk-cli dev dependency), next to the interpreter first."""
    beside = Path(sys.executable).parent / "squawk"
    found = str(beside) if beside.is_file() else shutil.which("squawk")
    if found is None:
        raise FileNotFoundError("squawk not found: install the dev dependencies (pip install -e '.[dev]', package squawk-cli)")
    return found


def run_squawk(sql_by_revision: dict[str, str]) -> list[Finding]:
    """Squawk over every rendered revision in one run; each finding's object is its revision id."""
    if not sql_by_revision:
        return []
    with tempfile.TemporaryDirectory(prefix="squawk_") as tmp:
        files = {}
        for rev, sql in sql_by_revision.items():
            path = Path(tmp) / f"{rev}.sql"
            path.write_text(sql)
            files[str(path)] = rev
        proc = subprocess.run(
            [squawk_binary(), "--reporter", "json", f"--pg-version={SQUAWK_PG_VERSION}", *files],
            capture_output=True,
            text=True,
            check=False,
        )
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"squawk failed (exit {proc.returncode}): {proc.stderr.strip() or proc.stdout.strip()}")
    try:
        reports = json.loads(proc.stdout)
    except json.JSONDecodeError as exc:
        raise RuntimeError(f"squawk printed no JSON report: {proc.stdout[:500]!r} {proc.stderr[:500]!r}") from exc
    return [
        Finding(
            SQUAWK_PREFIX + r["rule_name"],
            files[r["file"]],
            f"{r['message']} (rendered SQL of revision {files[r['file']]}, line {r['line'] + 1})",
            f"{r['help'] or 'see the rule'}; https://squawkhq.com/docs/{r['rule_name']}",
        )
        for r in reports
    ]


# --- checks of the revision module's source ------------------------------------------------------


def _function(tree: ast.Module, name: str) -> ast.FunctionDef | None:
    return next((n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == name), None)


def _does_nothing(stmt: ast.stmt) -> bool:
    """``pass``, a docstring or ``...``, or ``raise NotImplementedError``: a body that rolls nothing back."""
    if isinstance(stmt, ast.Pass):
        return True
    if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):
        return True
    return isinstance(stmt, ast.Raise) and "NotImplementedError" in ast.unparse(stmt)


def _called_name(call: ast.Call) -> str | None:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else None


def _module_constants(tree: ast.Module) -> dict[str, object]:
    constants: dict[str, object] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            target, value = node.target, node.value
        else:
            continue
        if isinstance(target, ast.Name):
            try:
                constants[target.id] = ast.literal_eval(value)
            except ValueError:
                continue  # not a literal (a call, an f-string...): the name stays unresolved on purpose
    return constants


def _table_names(node: ast.expr, constants: dict[str, object]) -> set[str] | None:
    """Table names an argument stands for, or None when it cannot be read from the source alone."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    inner = node.value if isinstance(node, ast.Starred) else node
    if isinstance(inner, ast.Name) and inner.id in constants:
        value = constants[inner.id]
        if isinstance(value, str):
            return {value}
        if isinstance(value, tuple | list) and all(isinstance(v, str) for v in value):
            return set(value)
    return None


def _drops(downgrade: ast.FunctionDef, constants: dict[str, object]) -> list[tuple[int, set[str] | None]]:
    """(line, table names or None if not readable) of every table the downgrade drops."""
    drops: list[tuple[int, set[str] | None]] = []
    for call in (n for n in ast.walk(downgrade) if isinstance(n, ast.Call)):
        name = _called_name(call)
        if name == "drop_table" and call.args:
            drops.append((call.lineno, _table_names(call.args[0], constants)))
        elif name == "execute" and call.args and isinstance(call.args[0], ast.Constant) and isinstance(call.args[0].value, str):
            for match in DROP_TABLE_SQL.finditer(call.args[0].value):
                parts = (p.split()[0] for p in match.group(1).split(",") if p.strip())  # drop CASCADE and the like
                drops.append((call.lineno, {p.split(".")[-1].strip('"') for p in parts}))
    return sorted(drops, key=lambda d: d[0])


def check_revision_source(revision: Revision) -> list[Finding]:
    """A real downgrade exists, and it runs guard_data_loss over every table before dropping any."""
    tree = ast.parse(revision.source, filename=str(revision.path))
    downgrade = _function(tree, "downgrade")
    rev, path = revision.id, revision.display_path
    if downgrade is None or all(_does_nothing(s) for s in downgrade.body):
        return [
            Finding(
                REVISION_WITHOUT_DOWNGRADE,
                rev,
                f"revision {rev} has no downgrade that undoes its upgrade",
                "write downgrade(): guard_data_loss(*tables), then drop what upgrade created, in reverse order",
                path,
                downgrade.lineno if downgrade else None,
            )
        ]
    constants = _module_constants(tree)
    drops = _drops(downgrade, constants)
    if not drops:
        return []
    guards = [c for c in ast.walk(downgrade) if isinstance(c, ast.Call) and _called_name(c) == GUARD_FUNCTION]
    first_drop = drops[0][0]
    if not guards or min(g.lineno for g in guards) > first_drop:
        return [
            Finding(
                DOWNGRADE_WITHOUT_GUARD,
                rev,
                f"the downgrade of revision {rev} drops a table "
                + ("without calling guard_data_loss" if not guards else "before calling guard_data_loss"),
                f"call {GUARD_FUNCTION}(*tables) first in downgrade(), naming every table it drops",
                path,
                first_drop,
            )
        ]
    guarded: set[str] = set()
    for guard in guards:
        for arg in guard.args:
            names = _table_names(arg, constants)
            if names is None:  # coverage is checked only when the source states the names (presence and order were)
                return []
            guarded |= names
    return [
        Finding(
            DOWNGRADE_WITHOUT_GUARD,
            rev,
            f"the downgrade of revision {rev} drops {table} but guard_data_loss does not check it",
            f"add '{table}' to the tables passed to {GUARD_FUNCTION}",
            path,
            line,
        )
        for line, names in drops
        if names is not None
        for table in sorted(names - guarded)
    ]


# --- the whole check -----------------------------------------------------------------------------


def _apply_policy(findings: list[Finding], policy: dict[str, str]) -> list[Finding]:
    fired = {f.rule.removeprefix(SQUAWK_PREFIX) for f in findings if f.rule.startswith(SQUAWK_PREFIX)}
    kept = [f for f in findings if not (f.rule.startswith(SQUAWK_PREFIX) and f.rule.removeprefix(SQUAWK_PREFIX) in policy)]
    kept.extend(
        Finding(
            UNUSED_SUPPRESSION,
            f"squawk-policy:{rule}",
            f"the project-wide Squawk policy for {rule} matched no finding in any revision ({reason})",
            "delete it from SQUAWK_POLICY in schema.lint.migration_safety",
        )
        for rule, reason in policy.items()
        if rule not in fired
    )
    return kept


def settle(
    findings: list[Finding], allowances: tuple[Suppression, ...] = REVISION_ALLOWANCES, policy: dict[str, str] = SQUAWK_POLICY
) -> list[Finding]:
    """Raw findings minus the Squawk policy and the per-revision allowances, plus any left unused."""
    for a in allowances:
        if not a.rule.startswith(SQUAWK_PREFIX):
            raise ValueError(f"allowance ({a.object}, {a.rule}) must name a Squawk rule ({SQUAWK_PREFIX}<rule>)")
    return apply(_apply_policy(findings, policy), allowances, {a.rule for a in allowances})


def raw_findings(revs: list[Revision]) -> list[Finding]:
    """Source checks, offline render and Squawk over ``revs``, before any exception is applied."""
    findings: list[Finding] = []
    rendered: dict[str, str] = {}
    for rev in revs:
        findings.extend(check_revision_source(rev))
        try:
            rendered[rev.id] = render_sql(rev)
        except Exception as exc:  # noqa: BLE001 - any failure to render is reported, naming the revision
            findings.append(
                Finding(
                    REVISION_NOT_RENDERABLE,
                    rev.id,
                    f"revision {rev.id} cannot be rendered offline: {type(exc).__name__}: {exc}",
                    "make upgrade() work in offline mode (no op.get_bind() reads, no inspection)",
                    rev.display_path,
                )
            )
    return findings + run_squawk(rendered)


def lint_migrations() -> list[Finding]:
    """Every migration finding over all revisions, after the policy and the allowances."""
    return settle(raw_findings(revisions()))


MIGRATION_RULE_DOCS: tuple[RuleDoc, ...] = (
    RuleDoc(
        REVISION_WITHOUT_DOWNGRADE,
        title="Every revision can be rolled back",
        what="A revision module without downgrade(), or whose downgrade() only passes, holds a docstring or raises NotImplementedError.",
        why="The seed: 'NEVER create migrations without rollback procedures'. A release that cannot be rolled "
        "back turns a bad deploy into an outage; discovering it during the incident is too late.",
        fix="Write downgrade(): guard_data_loss(*tables) first, then undo upgrade() in reverse order.",
        bad_example="def downgrade() -> None:\n    pass",
        good_example='def downgrade() -> None:\n    guard_data_loss("quotes")\n    op.drop_index("ix_quotes_customer_id", table_name="quotes")\n    op.drop_table("quotes")',
        scope="migration",
        example_language="python",
    ),
    RuleDoc(
        DOWNGRADE_WITHOUT_GUARD,
        title="A downgrade checks for data before dropping a table",
        what="A downgrade() that drops a table (op.drop_table or DROP TABLE in op.execute) without first calling "
        "revision_ops.guard_data_loss, or whose guard does not name a table it drops.",
        why="Rolling back schema must not silently roll back business data. The guard refuses to drop a table "
        "that holds rows unless the operator passed -x allow-data-loss=true, and checks every table "
        "before anything is dropped.",
        fix="Begin downgrade() with guard_data_loss(*TABLES), TABLES naming every table the downgrade drops.",
        bad_example='def downgrade() -> None:\n    op.drop_table("quotes")',
        good_example='TABLES = ("quotes",)\n\ndef downgrade() -> None:\n    guard_data_loss(*TABLES)\n    op.drop_table("quotes")',
        scope="migration",
        example_language="python",
    ),
    RuleDoc(
        REVISION_NOT_RENDERABLE,
        title="Every revision renders as offline SQL",
        what="A revision whose upgrade fails under `alembic upgrade <prev>:<rev> --sql`.",
        why="Operators review (and some run) the offline SQL; Squawk can only check what renders. A revision "
        "that reads the live database while upgrading cannot be reviewed before it runs.",
        fix="Keep upgrade() declarative: no op.get_bind() queries or inspection; put data-dependent logic in SQL.",
        bad_example='def upgrade() -> None:\n    if op.get_bind().execute(sa.text("SELECT 1")).scalar():\n        op.add_column(...)',
        good_example="def upgrade() -> None:\n    op.add_column(...)",
        scope="migration",
        example_language="python",
    ),
    RuleDoc(
        "squawk",
        title="Squawk: lock-safe DDL (findings squawk/<rule>)",
        what="Any Squawk rule (https://squawkhq.com/docs/rules) reported on a revision's offline SQL, other than "
        "the project-wide policy exceptions listed with the suppressions.",
        why="DDL that takes an ACCESS EXCLUSIVE lock or rewrites a table blocks production traffic for as long as "
        "it runs. On a table created in the same revision it is harmless, which is what per-revision "
        "allowances record.",
        fix="Follow the linked Squawk rule (CREATE INDEX CONCURRENTLY, ADD CONSTRAINT ... NOT VALID then VALIDATE), "
        "or add an allowance (revision, rule, reason) in schema.lint.migration_safety.REVISION_ALLOWANCES.",
        bad_example="ALTER TABLE policies ADD CONSTRAINT fk_policies_agent_id_users\n"
        "    FOREIGN KEY (agent_id) REFERENCES users (id) ON DELETE RESTRICT;",
        good_example="ALTER TABLE policies ADD CONSTRAINT fk_policies_agent_id_users\n"
        "    FOREIGN KEY (agent_id) REFERENCES users (id) ON DELETE RESTRICT NOT VALID;\n"
        "ALTER TABLE policies VALIDATE CONSTRAINT fk_policies_agent_id_users;",
        scope="migration",
    ),
)
