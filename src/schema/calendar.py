"""The database's US business calendar (COR-010..COR-012) held up against the `holidays` package.

The calendar lives in PostgreSQL (revision 001) so that policies get their effective dates from
the same rules whichever client asks. This module is how the tests and the notebooks check those
rules against an independent reference, in one query per question rather than one per day.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import holidays
import sqlalchemy as sa
from holidays.countries.united_states import UnitedStates

# The span the database function accepts (COR-010).
FIRST_YEAR, LAST_YEAR = 1900, 2200
# The part of it the reference covers: the holidays package computes no US year after 2100.
REFERENCE_LAST_YEAR = min(LAST_YEAR, UnitedStates.end_year)

HOLIDAYS_OF_YEARS = sa.text(
    "SELECT h.holiday, h.name FROM generate_series(CAST(:first AS integer), CAST(:last AS integer)) AS y, us_federal_holidays(y) AS h"
)
BUSINESS_DAYS_OF_RANGE = sa.text(
    "SELECT CAST(d AS date) AS day, is_us_business_day(CAST(d AS date)) AS business "
    "FROM generate_series(CAST(:first AS date), CAST(:last AS date), interval '1 day') AS d"
)


def reference_holidays(first_year: int, last_year: int) -> dict[dt.date, str]:
    """Observed US holidays from the `holidays` package: its default (public) category, no state.

    That category is the federal list; subdivisions add state days (e.g. DC's Inauguration Day)
    and the government category adds one-off executive-order closings, neither of which is a
    business-calendar rule.
    """
    return dict(holidays.country_holidays("US", years=range(first_year, last_year + 1), observed=True))


def database_holidays(conn: sa.Connection, first_year: int, last_year: int) -> dict[dt.date, str]:
    """``us_federal_holidays`` for every year of the span, in one query."""
    rows = conn.execute(HOLIDAYS_OF_YEARS, {"first": first_year, "last": last_year}).all()
    return dict(rows)


@dataclass(frozen=True)
class Difference:
    """A day the database and the reference judge differently."""

    day: dt.date
    database: bool
    reference: bool
    holiday: str | None  # the reference's holiday name that day, if any


def business_day_differences(conn: sa.Connection, first: dt.date, last: dt.date) -> list[Difference]:
    """Every day from ``first`` to ``last`` on which ``is_us_business_day`` disagrees with the
    reference (weekday and not a holiday). Empty means the two calendars agree."""
    reference = reference_holidays(first.year, last.year)
    rows = conn.execute(BUSINESS_DAYS_OF_RANGE, {"first": first, "last": last}).all()
    differences = []
    for day, business in rows:
        expected = day.isoweekday() < 6 and day not in reference
        if business != expected:
            differences.append(Difference(day, business, expected, reference.get(day)))
    return differences
