"""The state rules section of the rating domain page: the law the triggers read, with its citations.

state_rating_rules is reference data (RAT-017), seeded by revision 009 and extended by compliance
as rows. The handbook renders what the database at head holds, sorted by rule id, so a new state
appears in the handbook the moment its rows exist (and the drift test notices).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import sqlalchemy as sa

from schema.docs import markdown as md

TABLE = "state_rating_rules"
DOMAIN = "rating"
ROWS_SQL = sa.text(
    "SELECT rule_id, state, product_type, kind, parameters, citation, effective_from, effective_to "
    "FROM state_rating_rules ORDER BY rule_id"
)


@dataclass(frozen=True)
class StateRuleRow:
    """One state rule as the handbook shows it."""

    rule_id: str
    state: str
    product_type: str
    kind: str
    parameters: str  # canonical JSON text
    citation: str
    effective_from: str
    effective_to: str | None


def read(conn: sa.Connection, tables: set[str]) -> tuple[StateRuleRow, ...]:
    """The rows of state_rating_rules, or none when the table is not in this schema."""
    if TABLE not in tables:
        return ()
    return tuple(
        StateRuleRow(r.rule_id, r.state, r.product_type, r.kind, json.dumps(r.parameters, sort_keys=True), r.citation,
                     r.effective_from.isoformat(), r.effective_to.isoformat() if r.effective_to else None)
        for r in conn.execute(ROWS_SQL)
    )


def section(rows: tuple[StateRuleRow, ...]) -> str:
    """'## State rules': one line per rule with its parameters and citation; empty without rows."""
    if not rows:
        return ""
    lines = md.table(
        ("Rule", "State", "Product", "Kind", "Parameters", "Citation", "From", "Until"),
        [(md.code(r.rule_id), r.state, r.product_type, r.kind, md.code(r.parameters), md.text(r.citation),
          r.effective_from, r.effective_to or "in force") for r in rows],
    )
    return (
        "## State rules\n\n"
        "The rows of `state_rating_rules` at head (RAT-017). Triggers refuse rates (RAT-018), discount rules "
        "(RAT-019) and priced quotes (RAT-020) that break a rule in force for their dates; a new state is new rows.\n\n"
        + lines
    )
