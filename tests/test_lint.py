"""schema lint as a whole: head lints clean, the acceptance scenario through the CLI, explicit
suppressions, the output formats, and the rule reference the handbook renders."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import URL
from typer.testing import CliRunner

from schema import catalog, database, migrations
from schema.catalog import Catalog, Table
from schema.cli import app
from schema.lint import (
    CATALOG_RULES,
    Finding,
    Suppression,
    lint_catalog,
    lint_database,
    migration_safety,
    rule_docs,
    suppression_docs,
    suppressions,
)
from schema.lint.reporting import Format, render

# The acceptance scenario: a float premium, a plain-text password, an unindexed FK and an
# uncommented nullable column, added to a database at head.
ACCEPTANCE_TABLE = """
CREATE TABLE lint_acceptance (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    policy_id uuid NOT NULL CONSTRAINT fk_lint_acceptance_policy_id_policies REFERENCES policies (id) ON DELETE RESTRICT,
    premium double precision NOT NULL,
    password text NOT NULL,
    note text
);
COMMENT ON TABLE lint_acceptance IS 'Acceptance scenario of issue 7.';
COMMENT ON COLUMN lint_acceptance.id IS 'Key.';
COMMENT ON COLUMN lint_acceptance.policy_id IS 'Policy.';
COMMENT ON COLUMN lint_acceptance.premium IS 'Premium in USD.';
COMMENT ON COLUMN lint_acceptance.password IS 'Password.';
"""
ACCEPTANCE_FINDINGS = {
    ("float-money", "lint_acceptance.premium"),
    ("plain-text-secret", "lint_acceptance.password"),
    ("fk-without-index", "fk_lint_acceptance_policy_id_policies"),
    ("nullable-without-reason", "lint_acceptance.note"),
    ("column-without-comment", "lint_acceptance.note"),
}


def report(findings: list[Finding]) -> str:
    return "\n" + render(findings, Format.text)


def test_head_lints_clean(head_catalog: Catalog) -> None:
    """CI fails when the schema at head breaks a convention; the message lists each finding and its fix."""
    findings = lint_catalog(head_catalog)
    assert findings == [], report(findings)


def lint_cli(url: URL, *args: str) -> tuple[int, str, str]:
    env = {database.ENV_VAR: url.render_as_string(hide_password=False)}
    result = CliRunner().invoke(app, ["lint", *args], env=env)
    return result.exit_code, result.stdout, result.stderr


def test_cli_exits_0_on_head(head_database: URL) -> None:
    code, out, err = lint_cli(head_database)
    assert code == 0, out + err
    assert "no findings" in err


def test_cli_refuses_a_database_not_at_head_then_names_each_acceptance_finding(scratch_database: URL) -> None:
    code, _, err = lint_cli(scratch_database)
    assert code == 2
    assert "none (empty)" in err and "upgrade head" in err

    migrations.upgrade("head", url=scratch_database)
    eng = database.engine(scratch_database)
    try:
        with eng.begin() as conn:
            conn.exec_driver_sql(ACCEPTANCE_TABLE)
    finally:
        eng.dispose()

    code, out, _ = lint_cli(scratch_database, "--format", "json")
    assert code == 1
    found = {(f["rule"], f["object"]) for f in json.loads(out)["findings"]}
    assert ACCEPTANCE_FINDINGS <= found, ACCEPTANCE_FINDINGS - found
    assert {obj for _, obj in found if obj.startswith(("lint_acceptance", "fk_lint_acceptance"))} == {obj for _, obj in ACCEPTANCE_FINDINGS}

    code, out, _ = lint_cli(scratch_database, "--format", "github")
    assert code == 1
    assert "::error title=float-money on lint_acceptance.premium::" in out


# --- suppressions ------------------------------------------------------------------------------


def bare_table(name: str) -> Catalog:
    """A table with no comment, no key and no columns: exactly two findings."""
    return Catalog(tables={name: Table(name, None, False, False, False, None)}, functions=[])


def test_bare_table_findings() -> None:
    assert [(f.rule, f.object) for f in lint_catalog(bare_table("t"), ())] == [
        ("table-without-comment", "t"),
        ("table-without-primary-key", "t"),
    ]


def test_a_suppression_removes_exactly_its_finding() -> None:
    keep = Suppression("table-without-primary-key", "t", "an append-only log read by scans only")
    assert [(f.rule, f.object) for f in lint_catalog(bare_table("t"), (keep,))] == [("table-without-comment", "t")]


def test_an_unused_suppression_is_a_finding() -> None:
    stale = Suppression("table-without-comment", "gone", "the table was dropped in 004 long ago")
    findings = lint_catalog(bare_table("t"), (stale,))
    unused = [f for f in findings if f.rule == suppressions.UNUSED_SUPPRESSION]
    assert [f.object for f in unused] == ["table-without-comment:gone"]
    assert "the table was dropped" in unused[0].message


@pytest.mark.parametrize(
    ("suppression", "error"),
    [
        (Suppression("no-such-rule", "t", "a reason with enough words"), "names no known lint rule"),
        (Suppression("table-without-comment", "*", "a reason with enough words"), "exactly one object"),
        (Suppression("table-without-comment", "audit_%", "a reason with enough words"), "exactly one object"),
        (Suppression("table-without-comment", "t", "because"), "needs a reason"),
    ],
)
def test_blanket_or_unexplained_suppressions_are_refused(suppression: Suppression, error: str) -> None:
    with pytest.raises(ValueError, match=error):
        lint_catalog(bare_table("t"), (suppression,))


def test_a_suppression_listed_twice_is_refused() -> None:
    s = Suppression("table-without-comment", "t", "a reason with enough words")
    with pytest.raises(ValueError, match="listed twice"):
        lint_catalog(bare_table("t"), (s, s))


def test_the_suppressions_in_force_are_valid() -> None:
    suppressions.validate(suppressions.SUPPRESSIONS, CATALOG_RULES)


# --- output formats ----------------------------------------------------------------------------

FINDING = Finding("fk-without-index", "fk_a_b_c", "foreign key fk_a_b_c: a (b) has no index, 100% sure", "CREATE INDEX ix_a_b ON a (b)")


def test_text_format_names_rule_object_and_fix() -> None:
    assert render([FINDING], Format.text).splitlines() == [
        "fk_a_b_c: [fk-without-index] foreign key fk_a_b_c: a (b) has no index, 100% sure",
        "    fix: CREATE INDEX ix_a_b ON a (b)",
    ]


def test_json_format_is_parseable() -> None:
    data = json.loads(render([FINDING], Format.json))
    assert data["count"] == 1 and data["findings"][0]["fix"] == FINDING.fix


def test_github_format_escapes_annotations() -> None:
    with_file = Finding("revision-without-downgrade", "003", "no downgrade\nat all", "write one", "alembic/versions/003_x.py", 24)
    assert render([FINDING, with_file], Format.github).splitlines() == [
        "::error title=fk-without-index on fk_a_b_c::foreign key fk_a_b_c: a (b) has no index, 100%25 sure. "
        "Fix: CREATE INDEX ix_a_b ON a (b)",
        "::error file=alembic/versions/003_x.py,line=24,title=revision-without-downgrade on 003::no downgrade%0Aat all. Fix: write one",
    ]


# --- the reference the handbook renders --------------------------------------------------------


def test_every_rule_has_a_complete_handbook_page() -> None:
    docs = rule_docs()
    ids = [d.id for d in docs]
    assert len(ids) == len(set(ids))
    assert set(CATALOG_RULES) <= set(ids)
    for doc in docs:
        for field in ("title", "what", "why", "fix", "bad_example", "good_example"):
            assert getattr(doc, field).strip(), f"{doc.id} has no {field}"
        assert doc.bad_example != doc.good_example


def test_every_exception_is_listed_with_its_reason() -> None:
    entries = suppression_docs()
    expected = len(suppressions.SUPPRESSIONS) + len(migration_safety.REVISION_ALLOWANCES) + len(migration_safety.SQUAWK_POLICY)
    assert len(entries) == expected
    assert all(len(e.reason.split()) >= suppressions.MIN_REASON_WORDS for e in entries)


def test_cli_lists_the_rules() -> None:
    result = CliRunner().invoke(app, ["lint", "rules"])
    assert result.exit_code == 0
    assert all(rule_id in result.stdout for rule_id in CATALOG_RULES)


def test_the_lint_reads_the_catalog_once(head_engine: sa.Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """Rules are pure functions of one Catalog: the lint costs one catalog read however many rules."""
    reads = []
    real_read = catalog.read
    monkeypatch.setattr(catalog, "read", lambda conn: reads.append(1) or real_read(conn))
    lint_database(head_engine.url)
    assert reads == [1]
