"""Initial rate tables and discount rules for California, Texas and New York, and their loader.

ILLUSTRATIVE DATA, NOT REAL FILINGS. The numbers are plausible orders of magnitude for US
personal lines (base rates per 1,000 USD of limit, minimum and maximum premiums, territory
multipliers keyed by each state's real 3-digit ZIP prefixes), chosen so the workbench has something
realistic to rate and profile. Filing ids follow the one format rate_tables enforces
(ck_rate_tables_filing_id_format, RAT-009): <state>-<AUTO|HOME|RENT>-<year>-<nnn>; no filing of that
id exists.

What the data says on purpose:
- auto in all three states: bodily injury, property damage, collision, comprehensive, uninsured
  motorist; personal injury protection in New York (no-fault, Ins. Law art. 51 requires it) and
  Texas (Ins. Code 1952.152: insurers must offer it); homeowners (dwelling, personal property,
  liability) in all three;
- credit factors only where the state allows them: none for California auto (Cal. Code Regs. tit.
  10, 2632.5 leaves credit out of the permitted rating factors; ck_rate_tables_no_credit_in_california_auto
  refuses them, RAT-007), and none for California homeowners either (a conservative choice for
  this illustration); Texas and New York use credit tiers;
- California's mandated good-driver discount (20%, Cal. Ins. Code 1861.02(b)(2), 1861.025) is a
  discount rule, beside multi-policy, New York's defensive-driving course and others.

The loader is what an operator runs against production: one transaction, natural keys
((state, product_type, coverage_type, effective_date) and code), insert what is missing, leave
identical rows alone (not even updated_at moves), and refuse, naming each row, when a row of the
same key holds different values: changing a filed rate is the approval workflow's job, not a seed's.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from rich.console import Console
from sqlalchemy.dialects.postgresql import insert

from schema import database, migrations
from schema.rules import RULES

EFFECTIVE = dt.date(2026, 1, 1)
FILING_YEAR = 2025

# --- factors ---------------------------------------------------------------------------------

# Territory multipliers by 3-digit ZIP prefix (real prefixes of each state; values illustrative).
TERRITORIES: dict[str, dict[str, float]] = {
    "CA": {
        "900": 1.38,
        "902": 1.30,
        "906": 1.22,
        "910": 1.18,
        "913": 1.20,
        "917": 1.15,
        "920": 1.02,
        "921": 1.05,
        "926": 1.08,
        "930": 0.94,
        "936": 0.92,
        "940": 1.10,
        "941": 1.25,
        "945": 1.19,
        "950": 1.06,
        "953": 0.96,
        "956": 0.98,
        "958": 1.01,
        "960": 0.88,
        "961": 0.86,
    },
    "TX": {
        "750": 1.12,
        "752": 1.20,
        "760": 1.04,
        "761": 1.10,
        "770": 1.28,
        "772": 1.22,
        "773": 1.08,
        "775": 1.12,
        "778": 0.92,
        "780": 1.02,
        "782": 1.09,
        "786": 0.98,
        "787": 1.05,
        "790": 0.90,
        "794": 0.88,
        "799": 0.97,
    },
    "NY": {
        "100": 1.45,
        "101": 1.42,
        "102": 1.40,
        "103": 1.52,
        "104": 1.60,
        "105": 1.18,
        "107": 1.24,
        "110": 1.30,
        "112": 1.62,
        "113": 1.50,
        "114": 1.48,
        "117": 1.16,
        "120": 0.92,
        "122": 0.90,
        "130": 0.86,
        "132": 0.88,
        "140": 0.95,
        "142": 0.97,
        "146": 0.89,
        "149": 0.84,
    },
}
VEHICLE_FACTORS = {
    "model_year_0_3": 1.15,
    "model_year_4_7": 1.0,
    "model_year_8_plus": 0.88,
    "sedan": 1.0,
    "suv": 1.05,
    "pickup": 1.08,
    "sports": 1.35,
    "anti_theft_device": 0.95,
}
DRIVER_FACTORS = {
    "age_16_20": 2.1,
    "age_21_24": 1.45,
    "age_25_64": 1.0,
    "age_65_plus": 1.12,
    "licensed_under_3_years": 1.3,
    "at_fault_accident_3y": 1.35,
}
CREDIT_FACTORS = {"tier_1": 0.82, "tier_2": 0.93, "tier_3": 1.0, "tier_4": 1.14, "tier_5": 1.32}

# Credit-based insurance scores: where each state lets this carrier use them (see module doc).
CREDIT_ALLOWED: dict[tuple[str, str], bool] = {
    ("CA", "auto"): False,
    ("CA", "home"): False,
    ("TX", "auto"): True,
    ("TX", "home"): True,
    ("NY", "auto"): True,
    ("NY", "home"): True,
}
STATE_LEVEL = {"CA": Decimal("1.10"), "TX": Decimal("1.04"), "NY": Decimal("1.22")}
APPROVED_BY = {"CA": "CDI Rate Regulation Branch (illustrative)", "TX": None, "NY": "NY DFS Property Bureau (illustrative)"}

# (product, coverage) -> (base rate per 1,000 USD of limit, min premium, max premium); countrywide
# illustrative levels, scaled by STATE_LEVEL.
BASE: dict[tuple[str, str], tuple[str, str, str | None]] = {
    ("auto", "bodily_injury"): ("3.850000", "95.00", "3500.00"),
    ("auto", "property_damage"): ("4.600000", "70.00", "1800.00"),
    ("auto", "collision"): ("24.500000", "120.00", "4200.00"),
    ("auto", "comprehensive"): ("9.750000", "45.00", "2200.00"),
    ("auto", "uninsured_motorist"): ("1.950000", "25.00", "900.00"),
    ("auto", "personal_injury_protection"): ("14.200000", "60.00", "2400.00"),
    ("home", "dwelling"): ("3.150000", "350.00", None),
    ("home", "personal_property"): ("1.100000", "60.00", "3000.00"),
    ("home", "liability"): ("0.420000", "40.00", "900.00"),
}
AUTO = ("bodily_injury", "property_damage", "collision", "comprehensive", "uninsured_motorist")
PIP_STATES = ("NY", "TX")  # NY: no-fault requires it; TX: must be offered
HOME = ("dwelling", "personal_property", "liability")


def _rate_row(state: str, product: str, coverage: str, seq: int) -> dict[str, Any]:
    rate, low, high = BASE[(product, coverage)]
    level = STATE_LEVEL[state]
    return {
        "state": state,
        "product_type": product,
        "coverage_type": coverage,
        "base_rate": (Decimal(rate) * level).quantize(Decimal("0.000001")),
        "min_premium": Decimal(low),
        "max_premium": None if high is None else (Decimal(high) * level).quantize(Decimal("0.01")),
        "territory_factors": TERRITORIES[state],
        "vehicle_factors": VEHICLE_FACTORS if product == "auto" else None,
        "driver_factors": DRIVER_FACTORS if product == "auto" else None,
        "credit_factors": CREDIT_FACTORS if CREDIT_ALLOWED[(state, product)] else None,
        "effective_date": EFFECTIVE,
        "expiration_date": None,
        "filing_id": f"{state}-{'AUTO' if product == 'auto' else 'HOME'}-{FILING_YEAR}-{seq:03d}",
        "approved_by": APPROVED_BY[state],
    }


def rate_rows() -> list[dict[str, Any]]:
    """Every rate row of the seed: one filing per state and line (sequence 001 auto, 002 home)."""
    rows = []
    for state in ("CA", "TX", "NY"):
        auto = AUTO + (("personal_injury_protection",) if state in PIP_STATES else ())
        rows += [_rate_row(state, "auto", c, 1) for c in auto]
        rows += [_rate_row(state, "home", c, 2) for c in HOME]
    return rows


def _discount(
    code: str,
    name: str,
    description: str,
    products: list[str],
    states: list[str],
    kind: str,
    value: str,
    cap: str | None,
    rules: dict[str, Any],
    stackable: bool,
    priority: int,
) -> dict[str, Any]:
    return {
        "code": code,
        "name": name,
        "description": description,
        "product_types": products,
        "states": states,
        "discount_type": kind,
        "discount_value": Decimal(value),
        "max_discount_amount": None if cap is None else Decimal(cap),
        "eligibility_rules": rules,
        "stackable": stackable,
        "priority": priority,
        "effective_date": EFFECTIVE,
        "expiration_date": None,
    }


def discount_rows() -> list[dict[str, Any]]:
    return [
        _discount(
            "GOOD_DRIVER",
            "California Good Driver Discount",
            "Mandated by Cal. Ins. Code 1861.02(b)(2) and 1861.025: at least 20% off for a driver licensed 3+ years "
            "with at most one violation point and no at-fault injury accident in 3 years.",
            ["auto"],
            ["CA"],
            "percentage",
            "20.00",
            None,
            {"years_licensed_min": 3, "violation_points_max": 1, "at_fault_injury_accidents_3y": 0},
            True,
            10,
        ),
        _discount(
            "MULTI_POLICY",
            "Multi-policy",
            "Auto and homeowners insured together.",
            ["auto", "home"],
            ["CA", "TX", "NY"],
            "percentage",
            "10.00",
            "300.00",
            {"requires_products": ["auto", "home"]},
            True,
            50,
        ),
        _discount(
            "DEFENSIVE_DRIVING",
            "Accident Prevention Course",
            "New York's point and insurance reduction program: 10% off liability and collision for 3 years after an "
            "approved course (NY Ins. Law 2336).",
            ["auto"],
            ["NY"],
            "percentage",
            "10.00",
            None,
            {"course_completed_within_years": 3},
            True,
            40,
        ),
        _discount(
            "GOOD_STUDENT",
            "Good Student",
            "Full-time student under 25 with a B average or better.",
            ["auto"],
            ["CA", "TX", "NY"],
            "percentage",
            "8.00",
            "250.00",
            {"driver_age_max": 24, "gpa_min": 3.0},
            True,
            60,
        ),
        _discount(
            "HOME_SECURITY",
            "Protective Devices",
            "Central-station burglar and fire alarm.",
            ["home"],
            ["CA", "TX", "NY"],
            "percentage",
            "5.00",
            "150.00",
            {"central_station_alarm": True},
            True,
            70,
        ),
        _discount(
            "PAPERLESS",
            "Paperless Billing",
            "Documents and bills by e-mail.",
            ["auto", "home"],
            ["TX", "NY"],
            "fixed",
            "15.00",
            None,
            {"e_delivery": True},
            True,
            90,
        ),
        _discount(
            "NEW_ROOF",
            "New Roof",
            "Roof replaced within 10 years (hail-prone Texas).",
            ["home"],
            ["TX"],
            "percentage",
            "7.00",
            None,
            {"roof_age_years_max": 10},
            False,
            30,
        ),
    ]


# --- loader ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """A table the seed writes, its natural key and the columns compared for 'unchanged'."""

    table: str
    key: tuple[str, ...]
    rows: list[dict[str, Any]]


def targets() -> list[Target]:
    return [
        Target("rate_tables", ("state", "product_type", "coverage_type", "effective_date"), rate_rows()),
        Target("discount_rules", ("code",), discount_rows()),
    ]


class SeedError(RuntimeError):
    """The seed refused to load; nothing was written. The message names the rule/constraint and row."""


@dataclass
class LoadReport:
    inserted: dict[str, list[str]] = field(default_factory=dict)
    unchanged: dict[str, list[str]] = field(default_factory=dict)
    dry_run: bool = False

    @property
    def changed(self) -> bool:
        return any(self.inserted.values())

    def summary(self) -> str:
        verb = "would insert" if self.dry_run else "inserted"
        parts = [f"{t}: {verb} {len(self.inserted.get(t, []))}, unchanged {len(self.unchanged.get(t, []))}" for t in self.inserted]
        head = "no change: every row is already loaded" if not self.changed else ("dry run, nothing written" if self.dry_run else "loaded")
        return head + " (" + "; ".join(parts) + ")"


def natural_key(target: Target, row: dict[str, Any]) -> str:
    return ", ".join(f"{k}={row[k]}" for k in target.key)


def _normalize(value: Any) -> Any:
    """Compare as the database stores: numbers as Decimal, JSON by its canonical text."""
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True, default=str)
    if isinstance(value, float):
        return Decimal(str(value))
    return value


def differences(row: dict[str, Any], existing: sa.Row[Any]) -> list[str]:
    mapping = existing._mapping
    return [c for c in row if _normalize(row[c]) != _normalize(mapping[c])]


def _table(conn: sa.Connection, name: str) -> sa.Table:
    return sa.Table(name, sa.MetaData(), autoload_with=conn)


def load(conn: sa.Connection, dry_run: bool = False, at_revision: str | None = None) -> LoadReport:
    """Load every seed row in the caller's transaction; raise SeedError (caller rolls back) on any problem.

    ``at_revision``: load into a database deliberately at that older revision (the rate tables
    exist since 003 and their columns have not changed since; a changed column fails the insert).
    """
    migrations.require_head(conn, at_revision)
    report = LoadReport(dry_run=dry_run)
    conflicts: list[str] = []
    for target in targets():
        table = _table(conn, target.table)
        report.inserted[target.table], report.unchanged[target.table] = [], []
        for row in target.rows:
            key = natural_key(target, row)
            where = sa.and_(*(table.c[k] == row[k] for k in target.key))
            existing = conn.execute(sa.select(table).where(where)).first()
            if existing is not None:
                diff = differences(row, existing)
                if diff:
                    conflicts.append(f"{target.table} ({key}): the database holds different {', '.join(diff)}")
                else:
                    report.unchanged[target.table].append(key)
                continue
            if not dry_run:
                _insert(conn, table, target, row, key)
            report.inserted[target.table].append(key)
    if conflicts:
        raise SeedError(
            "refused: rows of the same natural key exist with other values (a seed never overwrites a filed rate; "
            "change rates through the approval workflow):\n  " + "\n  ".join(conflicts)
        )
    return report


def _insert(conn: sa.Connection, table: sa.Table, target: Target, row: dict[str, Any], key: str) -> None:
    # None means SQL NULL; SQLAlchemy would store a JSON column's None as the JSON value null.
    values = {k: sa.null() if v is None else v for k, v in row.items()}
    statement = insert(table).values(**values).on_conflict_do_nothing(index_elements=list(target.key))
    try:
        with conn.begin_nested():
            conn.execute(statement)
    except sa.exc.IntegrityError as exc:
        diag = getattr(exc.orig, "diag", None)
        constraint = getattr(diag, "constraint_name", None) or "unknown constraint"
        message = getattr(diag, "message_primary", None) or str(exc.orig).splitlines()[0]
        raise SeedError(f"{target.table} ({key}) refused by {constraint}{rule_ids(constraint)}: {message}") from None


def rule_ids(constraint: str) -> str:
    """' (RAT-007)': the registered rules a constraint implements, for the refusal message."""
    ids = sorted(r.id for r in RULES.values() if constraint in r.implemented_by)
    return f" ({', '.join(ids)})" if ids else ""


def render(report_rows: bool = True) -> str:
    """The seed data as an operator reads it in --dry-run: one line per row, factors as JSON."""
    lines = []
    for target in targets():
        lines.append(f"{target.table}: {len(target.rows)} rows")
        if report_rows:
            for row in target.rows:
                fields = {k: v for k, v in row.items() if k not in target.key}
                lines.append(f"  [{natural_key(target, row)}] " + json.dumps(fields, default=str, sort_keys=True))
    return "\n".join(lines)


def run(dry_run: bool = False, out: Any = None, url: Any = None) -> int:
    """Load into the resolved database (or ``url``) in one transaction; print what happened.

    Returns the exit code: 0 loaded or nothing to do. Raises SeedError/DatabaseError (nothing
    written) otherwise.
    """
    out = out or Console()
    target_url = url if url is not None else database.resolve().url
    eng = database.engine(target_url)
    try:
        database.check_server(eng)
        out.print(f"database: {database.mask(target_url)}")
        if dry_run:
            out.print(render(), markup=False, soft_wrap=True, highlight=False)
        with eng.connect() as conn, conn.begin() as trans:
            report = load(conn, dry_run=dry_run)
            if dry_run:
                trans.rollback()
        out.print(report.summary())
        return 0
    finally:
        eng.dispose()
