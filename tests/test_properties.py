"""Bad input, property-based: random values into constrained columns and into the validator.

A small Python model of the rules (functions mirroring the CHECKs, the column types and
validate_policy_data) predicts, for each generated row, the set of refusals it deserves. The
database is then the judge of the model and the model of the database:

- a row the model accepts is accepted, and what is stored is what the model predicted (rounded
  to the column's scale) and passes the model again (every stored row re-validates);
- a row the model refuses is refused with one of the constraint names (or type errors) the model
  predicted, never with another one.

Each example runs in a savepoint of the head database's rolled-back transaction.
"""

from __future__ import annotations

import calendar
import datetime as dt
import json
import re
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import psycopg
import sqlalchemy as sa
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from schema.models import metadata
from schema.models.base import US_STATE_CODES, ZIP_CODE_PATTERN
from schema.samples import Ctx, NotRefused, refused

PROPERTY_SETTINGS = settings(
    max_examples=60,
    deadline=None,
    # One rolled-back transaction per test; every example works in its own savepoint of it.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Refusals that come from the column type, before any CHECK: the model predicts them too.
OVERFLOW = "numeric field overflow"
TOO_LONG = "value too long"
TYPE_ERRORS = {"22003": OVERFLOW, "22001": TOO_LONG}

Refusals = set[str]


# --- the model: column types ------------------------------------------------------------------------


def numeric(value: Decimal | None, precision: int, scale: int) -> Decimal | str | None:
    """What NUMERIC(precision, scale) stores: rounded half away from zero, or an overflow."""
    if value is None:
        return None
    rounded = value.quantize(Decimal(1).scaleb(-scale), rounding=ROUND_HALF_UP)
    return OVERFLOW if abs(rounded) >= Decimal(10) ** (precision - scale) else rounded


def varchar(value: str | None, length: int) -> str | None:
    """What VARCHAR(length) stores: too long is refused, unless only spaces are cut off."""
    if value is None or len(value) <= length:
        return value
    return value[:length] if value[length:].strip(" ") == "" else TOO_LONG


def _stored(row: dict[str, Any], types: dict[str, Callable[[Any], Any]]) -> tuple[dict[str, Any], Refusals]:
    """The row as the column types would store it, and the type errors it raises."""
    stored, refusals = dict(row), set()
    for column, coerce in types.items():
        stored[column] = coerce(row[column])
        if stored[column] in (OVERFLOW, TOO_LONG):
            refusals.add(stored[column])
    return stored, refusals


# --- the model: validate_policy_data (COR-013) ------------------------------------------------------

ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _iso_day(value: object) -> dt.date | None:
    if not isinstance(value, str) or not ISO_DATE.fullmatch(value):
        return None
    y, m, d = int(value[:4]), int(value[5:7]), int(value[8:])
    if y < 1 or not 1 <= m <= 12 or not 1 <= d <= calendar.monthrange(y, m)[1]:
        return None
    return dt.date(y, m, d)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def policy_data_valid(doc: object) -> bool:
    """The Python reading of validate_policy_data's comment."""
    if not isinstance(doc, dict) or doc.get("state") not in US_STATE_CODES:
        return False
    effective, expiration = _iso_day(doc.get("effective_date")), _iso_day(doc.get("expiration_date"))
    if effective is None or expiration is None or expiration <= effective:
        return False
    coverages = doc.get("coverages")
    if not isinstance(coverages, list) or not coverages:
        return False
    for coverage in coverages:
        if not isinstance(coverage, dict):
            return False
        kind = coverage.get("type")
        if not isinstance(kind, str) or kind.strip(" ") == "":  # btrim() trims spaces only
            return False
        if not all(_is_number(coverage.get(k)) and coverage[k] >= 0 for k in ("limit", "deductible")):
            return False
    return True


# --- the model: policies and quotes -----------------------------------------------------------------

POLICY_STATUSES = ("pending", "active", "cancelled", "expired")
POLICY_TYPES = {
    "premium_amount": lambda v: numeric(v, 12, 2),
    "state": lambda v: varchar(v, 2),
    "status": lambda v: varchar(v, 20),
}


def policy_refusals(row: dict[str, Any]) -> tuple[dict[str, Any], Refusals]:
    stored, refusals = _stored(row, POLICY_TYPES)
    checks = {
        "ck_policies_state_is_us_state": stored["state"] in US_STATE_CODES,
        "ck_policies_status_allowed": stored["status"] in POLICY_STATUSES,
        "ck_policies_expiration_after_effective": stored["expiration_date"] > stored["effective_date"],
        "ck_policies_premium_amount_non_negative": not isinstance(stored["premium_amount"], Decimal) or stored["premium_amount"] >= 0,
        "ck_policies_cancelled_at_iff_cancelled": (stored["status"] == "cancelled") == (stored["cancelled_at"] is not None),
        "ck_policies_coverage_data_is_object": isinstance(stored["coverage_data"], dict),
        "ck_policies_coverage_data_valid": policy_data_valid(stored["coverage_data"]),
        "ck_policies_state_matches_coverage": _sql_true(_sql_eq(_json_text(stored["coverage_data"], "state"), stored["state"])),
        "ck_policies_term_dates_match_coverage": _sql_true(
            _sql_and(
                _sql_eq(_json_text(stored["coverage_data"], "effective_date"), stored["effective_date"].isoformat()),
                _sql_eq(_json_text(stored["coverage_data"], "expiration_date"), stored["expiration_date"].isoformat()),
            )
        ),
        "ck_policies_term_length_per_product": _term_allowed(stored["product_type"], stored["effective_date"], stored["expiration_date"]),
        # COR-018: a new policy starts pending or active (the trigger leaves unknown statuses to the CHECK).
        "trg_policies_status_transition": stored["status"] not in ("cancelled", "expired"),
    }
    return stored, refusals | {name for name, ok in checks.items() if not ok}


def _json_text(doc: object, key: str) -> str | None:
    """``doc ->> key`` as PostgreSQL computes it: NULL for a non-object, a missing key or JSON null."""
    if not isinstance(doc, dict) or doc.get(key) is None:
        return None
    value = doc[key]
    return value if isinstance(value, str) else json.dumps(value)


def _sql_eq(a: str | None, b: str | None) -> bool | None:
    return None if a is None or b is None else a == b


def _sql_and(a: bool | None, b: bool | None) -> bool | None:
    if a is False or b is False:
        return False
    return None if a is None or b is None else True


def _sql_true(verdict: bool | None) -> bool:
    """A CHECK passes unless its condition is false (NULL passes)."""
    return verdict is not False


def _add_months(day: dt.date, months: int) -> dt.date:
    """date + interval 'n months' as PostgreSQL computes it: the same day, or the month's last."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _term_allowed(product: str, effective: dt.date, expiration: dt.date) -> bool:
    """COR-020: auto 6 or 12 months, home and renters 12."""
    terms = (6, 12) if product == "auto" else (12,)
    return expiration in {_add_months(effective, m) for m in terms}


QUOTE_TYPES = {
    "ai_risk_score": lambda v: numeric(v, 3, 2),
    "conversion_probability": lambda v: numeric(v, 3, 2),
    "state": lambda v: varchar(v, 2),
    "zip_code": lambda v: varchar(v, 10),
}


def _in_unit_interval(value: object) -> bool:
    return not isinstance(value, Decimal) or Decimal(0) <= value <= Decimal(1)


def quote_refusals(row: dict[str, Any]) -> tuple[dict[str, Any], Refusals]:
    stored, refusals = _stored(row, QUOTE_TYPES)
    checks = {
        "ck_quotes_state_is_us_state": stored["state"] in US_STATE_CODES,
        "ck_quotes_zip_code_format": isinstance(stored["zip_code"], str)
        and re.fullmatch(ZIP_CODE_PATTERN[1:-1], stored["zip_code"]) is not None,
        "ck_quotes_ai_risk_score_range": _in_unit_interval(stored["ai_risk_score"]),
        "ck_quotes_conversion_probability_range": _in_unit_interval(stored["conversion_probability"]),
        "ck_quotes_ai_risk_factors_need_score": stored["ai_risk_factors"] is None or stored["ai_risk_score"] is not None,
    }
    return stored, refusals | {name for name, ok in checks.items() if not ok}


def json_value(value: object) -> object:
    """``value`` with every JSON number as the Decimal jsonb keeps (the float's shortest decimal
    text): 3.602879272399667e+16 is stored as the numeric 36028792723996670 and read back as an int."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    if isinstance(value, list):
        return [json_value(v) for v in value]
    if isinstance(value, dict):
        return {k: json_value(v) for k, v in value.items()}
    return value


RATE_TYPES = {
    "base_rate": lambda v: numeric(v, 8, 6),
    "min_premium": lambda v: numeric(v, 10, 2),
    "max_premium": lambda v: numeric(v, 10, 2),
}


def rate_table_refusals(row: dict[str, Any]) -> tuple[dict[str, Any], Refusals]:
    stored, refusals = _stored(row, RATE_TYPES)
    low, high = stored["min_premium"], stored["max_premium"]
    checks = {
        "ck_rate_tables_base_rate_positive": not isinstance(stored["base_rate"], Decimal) or stored["base_rate"] > 0,
        "ck_rate_tables_min_premium_non_negative": not isinstance(low, Decimal) or low >= 0,
        # NULL max_premium: no cap, the CHECK is not false.
        "ck_rate_tables_min_premium_at_most_max": not (isinstance(low, Decimal) and isinstance(high, Decimal)) or low <= high,
    }
    return stored, refusals | {name for name, ok in checks.items() if not ok}


# --- the judge ------------------------------------------------------------------------------------


def _refused_by(err: psycopg.Error) -> str:
    """The constraint (or type error) the database named; anything else is a failure of the test."""
    state = err.sqlstate or ""
    if state == "23514":
        return err.diag.constraint_name or f"unnamed CHECK: {err}"
    if state in TYPE_ERRORS:
        return TYPE_ERRORS[state]
    raise AssertionError(f"refused for a reason the rules do not model ({state}): {err}")


def judge(
    conn: sa.Connection, table: str, overrides: dict[str, Any], model: Callable[[dict[str, Any]], tuple[dict[str, Any], Refusals]]
) -> None:
    """Insert a valid row of ``table`` with ``overrides`` and hold database and model to each other.

    The insert runs through ``samples.refused``: refused, it returns the error; accepted, its
    ``NotRefused`` carries the stored row (RETURNING), read before the savepoint was undone."""
    savepoint = conn.begin_nested()
    try:
        row = Ctx(conn).row(table, **overrides)
        predicted_row, predicted = model(row)
        t = metadata.tables[table]
        try:
            err = refused(conn, t.insert().values(**row).returning(*t.c))
        except NotRefused as accepted:
            stored = accepted.rows[0]._asdict()
        else:
            refused_by = _refused_by(err)
            event(f"refused: {refused_by}")
            assert predicted, f"the database refused ({refused_by}) a row the rules accept: {overrides}"
            assert refused_by in predicted, f"refused by {refused_by}, the rules predicted {sorted(predicted)}: {overrides}"
            return
        assert not predicted, f"the database accepted a row the rules refuse ({sorted(predicted)}): {overrides}"
        event("accepted")
        for column in overrides:
            assert json_value(stored[column]) == json_value(predicted_row[column]), (
                f"{column}: stored {stored[column]!r}, predicted {predicted_row[column]!r}"
            )
        _, refusals = model(stored)
        assert not refusals, f"a stored row does not re-validate: {sorted(refusals)} in {stored}"
    finally:
        if savepoint.is_active:
            savepoint.rollback()


# --- strategies -----------------------------------------------------------------------------------

TEXT = st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00")


def decimals(limit: int) -> st.SearchStrategy[Decimal]:
    """Decimals of 0..4 places up to about ``limit``, plus the rounding and overflow edges."""
    edges = [Decimal(s) for s in ("0", "-0.004", "-0.005", "0.995", "1.004", "1.005", "9.994", "9.995")]
    edges += [Decimal(limit) - Decimal("0.01"), Decimal(limit) - Decimal("0.005"), -Decimal(limit)]
    ranged = st.integers(0, 4).flatmap(
        lambda places: st.decimals(min_value=-limit * 2, max_value=limit * 2, places=places, allow_nan=False, allow_infinity=False)
    )
    return st.one_of(st.sampled_from(edges), ranged)


def mostly(valid: st.SearchStrategy[Any], *invalid: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """``valid`` four times in five: a row has several such columns, and the property is only
    worth something if a good share of rows is accepted."""
    n = len(invalid)
    # Index 0 (what Hypothesis draws and shrinks towards most) picks ``valid``.
    return st.integers(0, 5 * n - 1).flatmap(lambda i: valid if i < 4 * n else invalid[i - 4 * n])


def codes(allowed: tuple[str, ...], length: int) -> st.SearchStrategy[str]:
    """Mostly allowed codes, then near misses (case, padding, length) and random text."""
    return mostly(
        st.sampled_from(allowed),
        st.sampled_from(allowed).map(str.lower),
        st.sampled_from(allowed).map(lambda v: v + "  "),
        st.sampled_from(allowed).map(lambda v: " " + v),
        st.text(TEXT, max_size=length + 2),
    )


JSON_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**6), 10**12),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.text(TEXT, max_size=8),
)
ANY_JSON = st.recursive(
    JSON_SCALARS, lambda kids: st.lists(kids, max_size=3) | st.dictionaries(st.text(TEXT, max_size=5), kids, max_size=3), max_leaves=6
)
DAYS = st.dates(dt.date(2000, 1, 1), dt.date(2100, 12, 31))
BAD_ISO_DATES = st.one_of(
    st.tuples(st.integers(0, 9999), st.integers(0, 13), st.integers(0, 32)).map(lambda t: f"{t[0]:04d}-{t[1]:02d}-{t[2]:02d}"),
    DAYS.map(lambda d: d.strftime("%m/%d/%Y")),
    JSON_SCALARS,
)
COVERAGE = st.fixed_dictionaries(
    {
        "type": st.sampled_from(["bodily_injury", "collision", "comprehensive", " rental "]),
        "limit": st.integers(0, 10**7) | st.floats(0, 1e7),
        "deductible": st.integers(0, 5000) | st.decimals(0, 5000, places=2).map(float),
    }
)
BAD_COVERAGE_VALUES = {
    "type": st.sampled_from(["", "  ", "\t"]) | JSON_SCALARS,
    "limit": st.integers(-5, -1) | st.floats(-1e6, -1e-9) | JSON_SCALARS,
    "deductible": st.just(-0.01) | JSON_SCALARS,
}


@st.composite
def _corrupt(draw: st.DrawFn, doc: dict[str, object]) -> object:
    """One typical corruption of a valid payload."""
    kinds = ["state", "effective_date", "expiration_date", "coverages", "whole", *(["drop"] if doc else [])]
    if "effective_date" in doc:
        kinds.append("order")
    coverages = doc.get("coverages")
    if isinstance(coverages, list) and coverages and all(isinstance(c, dict) for c in coverages):
        kinds.append("coverage")
    kind = draw(st.sampled_from(kinds))
    if kind == "state":
        doc["state"] = draw(st.sampled_from(US_STATE_CODES).map(str.lower) | st.sampled_from(["XX", "PR", "", "CA "]) | JSON_SCALARS)
    elif kind in {"effective_date", "expiration_date"}:
        doc[kind] = draw(BAD_ISO_DATES)
    elif kind == "order":
        doc["expiration_date"] = draw(st.sampled_from([doc["effective_date"], "1999-12-31"]))
    elif kind == "coverages":
        doc["coverages"] = draw(st.just([]) | ANY_JSON)
    elif kind == "coverage":
        assert isinstance(coverages, list)
        target = coverages[draw(st.integers(0, len(coverages) - 1))]
        key = draw(st.sampled_from(sorted(BAD_COVERAGE_VALUES)))
        if draw(st.booleans()):
            target[key] = draw(BAD_COVERAGE_VALUES[key])
        else:
            target.pop(key, None)
    elif kind == "drop":
        del doc[draw(st.sampled_from(sorted(doc)))]
    else:
        return draw(ANY_JSON)
    return doc


@st.composite
def policy_documents(draw: st.DrawFn) -> object:
    """Valid payloads (extra keys allowed), half of them then corrupted once or twice in a typical
    way: a wrong state, a date that is not ISO or not a day, expiration not after effective, an
    empty or non-array coverages, a blank type, a negative or non-numeric limit, a missing key."""
    effective = draw(DAYS)
    doc: dict[str, object] = {
        "state": draw(st.sampled_from(US_STATE_CODES)),
        "effective_date": effective.isoformat(),
        "expiration_date": (effective + dt.timedelta(days=draw(st.integers(1, 800)))).isoformat(),
        "coverages": draw(st.lists(COVERAGE, min_size=1, max_size=3)),
        **draw(st.dictionaries(st.sampled_from(["vehicle", "notes"]), ANY_JSON, max_size=1)),
    }
    for _ in range(draw(st.sampled_from([0, 0, 1, 2]))):
        corrupted = draw(_corrupt(doc))
        if not isinstance(corrupted, dict):
            return corrupted
        doc = corrupted
    return doc


# --- properties -----------------------------------------------------------------------------------


@PROPERTY_SETTINGS
@given(doc=policy_documents())
def test_validate_policy_data_agrees_with_the_model(head_conn: sa.Connection, doc: object) -> None:
    verdict = head_conn.execute(
        sa.text("SELECT validate_policy_data(CAST(:doc AS jsonb))"), {"doc": psycopg.types.json.Jsonb(doc)}
    ).scalar_one()
    assert verdict is policy_data_valid(doc), doc


@PROPERTY_SETTINGS
@given(
    premium=mostly(st.decimals(0, 10**6, places=2), decimals(10**10)),
    state=codes(US_STATE_CODES, 2),
    status=codes(POLICY_STATUSES, 20),
    effective=st.dates(dt.date(1990, 1, 1), dt.date(2100, 1, 1)),
    term_days=mostly(st.sampled_from([6, 12]).map(lambda m: -m), st.integers(1, 800), st.integers(-400, 0)),
    flip_cancelled=mostly(st.just(False), st.just(True)),
    doc=policy_documents(),
    agree=mostly(st.just(True), st.just(False)),
)
def test_policies_accept_exactly_what_the_rules_accept(
    head_conn: sa.Connection,
    premium: Decimal,
    state: str,
    status: str,
    effective: dt.date,
    term_days: int,
    flip_cancelled: bool,
    doc: object,
    agree: bool,
) -> None:
    """term_days <= 0 in [-12, -6] means a term of that many months (COR-020); ``agree`` copies the
    columns into the document (COR-019) so that accepted rows stay common."""
    expiration = _add_months(effective, -term_days) if term_days in (-6, -12) else effective + dt.timedelta(days=term_days)
    if agree and isinstance(doc, dict):
        doc = {**doc, "state": state, "effective_date": effective.isoformat(), "expiration_date": expiration.isoformat()}
    overrides = {
        "premium_amount": premium,
        "state": state,
        "status": status,
        "effective_date": effective,
        "expiration_date": expiration,
        "cancelled_at": dt.datetime(2026, 3, 1, tzinfo=dt.UTC) if (status == "cancelled") != flip_cancelled else None,
        "coverage_data": doc,
    }
    judge(head_conn, "policies", overrides, policy_refusals)


@PROPERTY_SETTINGS
@given(
    score=mostly(st.decimals(0, 1, places=2), st.none(), decimals(10)),
    probability=mostly(st.decimals(0, 1, places=2), st.none(), decimals(10)),
    state=codes(US_STATE_CODES, 2),
    zip_code=mostly(st.from_regex(r"\A[0-9]{5}(-[0-9]{4})?\Z"), st.from_regex(r"\A[0-9 -]{4,11}\Z"), st.text(TEXT, max_size=12)),
)
def test_quotes_accept_exactly_what_the_rules_accept(
    head_conn: sa.Connection, score: Decimal | None, probability: Decimal | None, state: str, zip_code: str
) -> None:
    # A draft: a bound quote's state must also agree with its policy's (QUO-016), which this model of
    # single-row rules does not judge (tests/test_quote_invariants.py does).
    overrides = {
        "ai_risk_score": score,
        "conversion_probability": probability,
        "state": state,
        "zip_code": zip_code,
        "status": "draft",
        "converted_to_policy_id": None,
    }
    judge(head_conn, "quotes", overrides, quote_refusals)


@PROPERTY_SETTINGS
@given(
    base_rate=mostly(st.decimals(Decimal("0.000001"), 99, places=6), decimals(100), st.decimals(0, 1, places=8)),
    min_premium=mostly(st.decimals(0, 5000, places=2), decimals(10**8)),
    max_premium=mostly(st.decimals(0, 10**5, places=2), st.none(), decimals(10**8)),
)
def test_rate_tables_accept_exactly_what_the_rules_accept(
    head_conn: sa.Connection, base_rate: Decimal, min_premium: Decimal, max_premium: Decimal | None
) -> None:
    overrides = {"base_rate": base_rate, "min_premium": min_premium, "max_premium": max_premium}
    judge(head_conn, "rate_tables", overrides, rate_table_refusals)
