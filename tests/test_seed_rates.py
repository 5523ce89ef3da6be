"""The CA/TX/NY rate seed behaves like a tool an operator trusts (issue 6 acceptance)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import URL

from schema import database, migrations
from schema.seed import rates

ROW_STATE = "SELECT id, xmin::text AS xmin, updated_at FROM {table} ORDER BY id"


@pytest.fixture
def head_url(scratch_database: URL) -> URL:
    migrations.upgrade("head", url=scratch_database)
    return scratch_database


def snapshot(url: URL) -> dict[str, list[tuple]]:
    eng = database.engine(url)
    try:
        with eng.connect() as conn:
            return {t: [tuple(r) for r in conn.exec_driver_sql(ROW_STATE.format(table=t))] for t in ("rate_tables", "discount_rules")}
    finally:
        eng.dispose()


def load(url: URL, dry_run: bool = False) -> rates.LoadReport:
    eng = database.engine(url)
    try:
        with eng.connect() as conn, conn.begin() as trans:
            report = rates.load(conn, dry_run=dry_run)
            if dry_run:
                trans.rollback()
            return report
    finally:
        eng.dispose()


def test_loads_ca_tx_ny_then_a_second_run_changes_no_row(head_url: URL) -> None:
    first = load(head_url)
    assert first.changed and len(first.inserted["rate_tables"]) == len(rates.rate_rows())
    before = snapshot(head_url)
    assert {r[0] for r in before["rate_tables"]} and len(before["discount_rules"]) == len(rates.discount_rows())
    second = load(head_url)
    assert not second.changed
    assert second.summary().startswith("no change")
    assert snapshot(head_url) == before  # same xmin and updated_at: not a single row was rewritten


def test_the_seed_covers_the_required_coverages_and_rules() -> None:
    keys = {(r["state"], r["product_type"], r["coverage_type"]) for r in rates.rate_rows()}
    for state in ("CA", "TX", "NY"):
        for coverage in rates.AUTO:
            assert (state, "auto", coverage) in keys
        assert (state, "home", "dwelling") in keys
    assert ("NY", "auto", "personal_injury_protection") in keys and ("TX", "auto", "personal_injury_protection") in keys
    assert all(r["credit_factors"] is None for r in rates.rate_rows() if (r["state"], r["product_type"]) == ("CA", "auto"))
    good_driver = next(d for d in rates.discount_rows() if d["code"] == "GOOD_DRIVER")
    assert good_driver["states"] == ["CA"] and str(good_driver["discount_value"]) == "20.00"


def test_dry_run_writes_nothing(head_url: URL) -> None:
    report = load(head_url, dry_run=True)
    assert report.changed and report.dry_run
    assert snapshot(head_url) == {"rate_tables": [], "discount_rules": []}


def test_ca_auto_credit_factors_are_refused_by_name_and_nothing_is_loaded(head_url: URL, monkeypatch) -> None:
    monkeypatch.setitem(rates.CREDIT_ALLOWED, ("CA", "auto"), True)
    with pytest.raises(rates.SeedError) as refused:
        load(head_url)
    message = str(refused.value)
    assert "ck_rate_tables_no_credit_in_california_auto" in message and "RAT-007" in message
    assert "state=CA, product_type=auto" in message
    assert snapshot(head_url) == {"rate_tables": [], "discount_rules": []}  # all or nothing


def test_a_row_changed_in_the_database_is_reported_not_overwritten(head_url: URL) -> None:
    load(head_url)
    eng = database.engine(head_url)
    with eng.begin() as conn:
        conn.exec_driver_sql("UPDATE rate_tables SET base_rate = 9.5 WHERE state = 'TX' AND coverage_type = 'collision'")
    eng.dispose()
    before = snapshot(head_url)
    with pytest.raises(rates.SeedError, match=r"state=TX, product_type=auto, coverage_type=collision.*base_rate"):
        load(head_url)
    assert snapshot(head_url) == before


def test_refuses_a_database_not_at_head(scratch_database: URL) -> None:
    migrations.upgrade("005", url=scratch_database)
    with pytest.raises(migrations.NotAtHead, match=rf"revision 005, this code requires {migrations.head_revision()}"):
        rates.run(url=scratch_database)
    eng = database.engine(scratch_database)
    with eng.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM rate_tables")).scalar_one() == 0
    eng.dispose()
