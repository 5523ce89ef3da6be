"""Migration safety: the downgrade checks on small revision sources, Squawk on small SQL, the
exceptions (policy, per-revision allowances, both reported when unused), and the real revisions."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from schema import database
from schema.lint import migration_safety as ms
from schema.lint.findings import Finding
from schema.lint.suppressions import UNUSED_SUPPRESSION

HEADER = """
from alembic import op
from schema.revision_ops import guard_data_loss
TABLES = ("quotes", "quote_lines")
"""


def revision(body: str, rev: str = "999") -> ms.Revision:
    source = HEADER + textwrap.dedent(body)
    return ms.Revision(rev, "998", database.project_root() / "alembic" / "versions" / f"{rev}_synthetic.py", source)


def rules_of(findings: list[Finding]) -> list[str]:
    return [f.rule for f in findings]


@pytest.mark.parametrize(
    "body",
    [
        "def upgrade():\n    op.create_table('quotes')\n",
        "def downgrade():\n    pass\n",
        "def downgrade():\n    '''Nothing to undo.'''\n",
        "def downgrade():\n    raise NotImplementedError('one way')\n",
    ],
)
def test_a_revision_without_a_real_downgrade_is_reported(body: str) -> None:
    findings = ms.check_revision_source(revision(body))
    assert rules_of(findings) == [ms.REVISION_WITHOUT_DOWNGRADE]
    assert findings[0].path == "alembic/versions/999_synthetic.py"


def test_a_downgrade_that_drops_without_the_guard_is_reported() -> None:
    findings = ms.check_revision_source(
        revision("""
        def downgrade():
            op.drop_index("ix_quotes_customer_id", table_name="quotes")
            op.drop_table("quotes")
    """)
    )
    assert rules_of(findings) == [ms.DOWNGRADE_WITHOUT_GUARD]
    assert "without calling guard_data_loss" in findings[0].message
    assert findings[0].line is not None


def test_dropping_in_raw_sql_counts_as_dropping() -> None:
    findings = ms.check_revision_source(
        revision("""
        def downgrade():
            op.execute("DROP TABLE IF EXISTS quotes CASCADE")
    """)
    )
    assert rules_of(findings) == [ms.DOWNGRADE_WITHOUT_GUARD]
    findings = ms.check_revision_source(
        revision("""
        def downgrade():
            guard_data_loss("quotes")
            op.execute('DROP TABLE "public"."quotes", quote_lines CASCADE')
    """)
    )
    assert [f.message for f in findings] == ["the downgrade of revision 999 drops quote_lines but guard_data_loss does not check it"]


def test_a_guard_after_the_first_drop_is_too_late() -> None:
    findings = ms.check_revision_source(
        revision("""
        def downgrade():
            op.drop_table("quote_lines")
            guard_data_loss(*TABLES)
            op.drop_table("quotes")
    """)
    )
    assert [f.message for f in findings] == ["the downgrade of revision 999 drops a table before calling guard_data_loss"]


def test_a_guard_that_forgets_a_dropped_table_names_it() -> None:
    findings = ms.check_revision_source(
        revision("""
        def downgrade():
            guard_data_loss("quotes")
            op.drop_table("quote_lines")
            op.drop_table("quotes")
    """)
    )
    assert [f.message for f in findings] == ["the downgrade of revision 999 drops quote_lines but guard_data_loss does not check it"]


@pytest.mark.parametrize(
    "body",
    [
        # the 001 pattern: a module constant, starred
        "def downgrade():\n    guard_data_loss(*TABLES)\n    op.drop_table('quote_lines')\n    op.drop_table('quotes')\n",
        # tables dropped in a loop: the names are not in the call, presence and order still are
        "def downgrade():\n    guard_data_loss(*TABLES)\n    for t in reversed(TABLES):\n        op.drop_table(t)\n",
        # a downgrade that drops no table needs no guard
        "def downgrade():\n    op.drop_column('quotes', 'notes')\n",
    ],
)
def test_guarded_downgrades_pass(body: str) -> None:
    assert ms.check_revision_source(revision(body)) == []


def test_squawk_reports_lock_unsafe_ddl_per_revision() -> None:
    findings = ms.run_squawk(
        {
            "998": "CREATE INDEX ix_policies_state ON policies (state);\n",
            # the same statement on a table created in the same transaction is safe, and Squawk knows
            "999": "BEGIN;\nCREATE TABLE quotes (id bigint PRIMARY KEY, state text NOT NULL);\n"
            "CREATE INDEX ix_quotes_state ON quotes (state);\nCOMMIT;\n",
        }
    )
    unsafe = [f for f in findings if f.rule == "squawk/require-concurrent-index-creation"]
    assert [f.object for f in unsafe] == ["998"]
    assert "https://squawkhq.com/docs/require-concurrent-index-creation" in unsafe[0].fix
    assert "line 1" in unsafe[0].message


def test_allowances_and_policy_remove_findings_and_report_themselves_when_unused() -> None:
    findings = ms.run_squawk({"998": "CREATE INDEX IF NOT EXISTS ix_policies_state ON policies (state);\n"})
    assert sorted(rules_of(findings)) == [
        "squawk/require-concurrent-index-creation",
        "squawk/require-lock-timeout",
        "squawk/require-statement-timeout",
    ]
    allowance = ms.allow("998", "require-concurrent-index-creation", "policies is empty when 998 runs: it is created in 997")
    stale = ms.allow("997", "adding-foreign-key-constraint", "the table is created in the same revision")
    policy = {
        "require-lock-timeout": "env.py sets it",
        "require-statement-timeout": "env.py sets it",
        "ban-drop-database": "never happens here",
    }

    settled = ms.settle(findings, (allowance, stale), policy)

    assert all(f.rule == UNUSED_SUPPRESSION for f in settled), settled
    assert sorted(f.object for f in settled) == [
        "squawk-policy:ban-drop-database",
        "squawk/adding-foreign-key-constraint:997",
    ]


def test_an_allowance_must_name_a_squawk_rule() -> None:
    bad = ms.Suppression(ms.REVISION_WITHOUT_DOWNGRADE, "002", "a downgrade is not optional, ever")
    with pytest.raises(ValueError, match="must name a Squawk rule"):
        ms.settle([], (bad,), {})


def test_a_revision_renders_as_the_offline_sql_operators_review() -> None:
    first = ms.revisions()[0]
    sql = ms.render_sql(first)
    assert first.render_range == first.id
    assert "CREATE TABLE users" in sql and sql.rstrip().endswith("COMMIT;")


def test_squawk_is_the_dev_dependency() -> None:
    assert Path(ms.squawk_binary()).name == "squawk"


def test_revisions_are_migration_safe() -> None:
    """CI fails when a revision lacks a downgrade, skips the data-loss guard or trips Squawk."""
    findings = ms.lint_migrations()
    assert findings == [], "\n".join(f"{f.object} [{f.rule}] {f.message}" for f in findings)
