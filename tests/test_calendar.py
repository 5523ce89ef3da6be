"""The US business calendar in the database (COR-010..COR-012), day by day against `holidays`.

Runs on the session's head database; each test reads only (immutable functions), in a transaction
that is rolled back.
"""

from __future__ import annotations

import datetime as dt

import psycopg.errors
import pytest
import sqlalchemy as sa

from schema import calendar
from schema.samples import refused

D = dt.date


def _scalar(conn: sa.Connection, sql: str, **params: object) -> object:
    return conn.execute(sa.text(sql), params).scalar_one()


def _holidays(conn: sa.Connection, year: int) -> dict[dt.date, str]:
    return calendar.database_holidays(conn, year, year)


def _business(conn: sa.Connection, day: dt.date) -> bool:
    return _scalar(conn, "SELECT is_us_business_day(:d)", d=day)


def _refused(conn: sa.Connection, sql: str, **params: object) -> str:
    error = refused(conn, sql, params)
    assert isinstance(error, psycopg.errors.InvalidParameterValue), error
    return str(error)


# --- the acceptance comparison ---------------------------------------------------------------


@pytest.mark.slow
def test_business_days_1990_to_2100_match_the_holidays_package(head_conn: sa.Connection) -> None:
    """Every one of the 40,542 days: weekday-and-not-a-holiday by `holidays` == is_us_business_day."""
    differences = calendar.business_day_differences(head_conn, D(1990, 1, 1), D(2100, 12, 31))
    assert differences == []


def test_holiday_names_and_dates_match_the_holidays_package(head_conn: sa.Connection) -> None:
    """Every (date, name) of every year the package covers, observed days included: also the
    pre-1990 rules (Feb 22, May 30, Oct 12, Armistice Day, Veterans Day in October 1971-1977)."""
    last = calendar.REFERENCE_LAST_YEAR
    database = calendar.database_holidays(head_conn, calendar.FIRST_YEAR, last)
    reference = calendar.reference_holidays(calendar.FIRST_YEAR, last)
    assert sorted(set(database.items()) ^ set(reference.items())) == []


# --- observed-date edge cases ----------------------------------------------------------------


def test_new_years_day_on_saturday_is_observed_on_december_31_of_the_year_before(head_conn: sa.Connection) -> None:
    assert D(2022, 1, 1).isoweekday() == 6
    assert _holidays(head_conn, 2021)[D(2021, 12, 31)] == "New Year's Day (observed)"
    assert D(2021, 12, 31) not in _holidays(head_conn, 2022)  # attributed to the year it falls in
    assert _holidays(head_conn, 2022)[D(2022, 1, 1)] == "New Year's Day"
    assert _business(head_conn, D(2021, 12, 31)) is False


def test_holiday_on_sunday_is_observed_on_monday(head_conn: sa.Connection) -> None:
    assert _holidays(head_conn, 2023)[D(2023, 1, 2)] == "New Year's Day (observed)"
    assert _holidays(head_conn, 2022)[D(2022, 6, 20)] == "Juneteenth National Independence Day (observed)"
    assert _business(head_conn, D(2023, 1, 2)) is False
    assert _business(head_conn, D(2022, 6, 20)) is False


def test_holiday_on_saturday_is_observed_on_friday(head_conn: sa.Connection) -> None:
    assert _holidays(head_conn, 2020)[D(2020, 7, 3)] == "Independence Day (observed)"
    assert _business(head_conn, D(2020, 7, 3)) is False


def test_christmas_on_saturday_is_observed_on_friday_the_24th(head_conn: sa.Connection) -> None:
    assert D(2027, 12, 25).isoweekday() == 6
    assert _holidays(head_conn, 2027)[D(2027, 12, 24)] == "Christmas Day (observed)"
    assert _business(head_conn, D(2027, 12, 24)) is False
    assert _business(head_conn, D(2027, 12, 23)) is True


def test_juneteenth_starts_in_2021(head_conn: sa.Connection) -> None:
    assert _business(head_conn, D(2020, 6, 19)) is True  # a Friday, not yet a holiday
    assert _holidays(head_conn, 2021)[D(2021, 6, 18)] == "Juneteenth National Independence Day (observed)"
    assert "Juneteenth National Independence Day" not in _holidays(head_conn, 2020).values()


def test_martin_luther_king_jr_day_starts_in_1986(head_conn: sa.Connection) -> None:
    assert _business(head_conn, D(1985, 1, 21)) is True  # third Monday of January 1985
    assert _holidays(head_conn, 1986)[D(1986, 1, 20)] == "Martin Luther King Jr. Day"
    assert _business(head_conn, D(1986, 1, 20)) is False


def test_veterans_day_was_in_october_from_1971_to_1977(head_conn: sa.Connection) -> None:
    assert _holidays(head_conn, 1975)[D(1975, 10, 27)] == "Veterans Day"
    assert _business(head_conn, D(1975, 11, 11)) is True
    assert _holidays(head_conn, 1978)[D(1978, 11, 10)] == "Veterans Day (observed)"


def test_observance_rules_before_1966_move_sundays_only(head_conn: sa.Connection) -> None:
    """Saturday holidays were not moved before 1966 (P.L. 89-554), nor anything before 1953."""
    assert D(1965, 7, 4).isoweekday() == 7 and D(1965, 7, 5) in _holidays(head_conn, 1965)
    assert D(1959, 7, 4).isoweekday() == 6 and _business(head_conn, D(1959, 7, 3)) is True
    assert D(1948, 7, 4).isoweekday() == 7 and _business(head_conn, D(1948, 7, 5)) is True


# --- next_business_day: strictly after (COR-012) ---------------------------------------------


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (D(2024, 8, 30), D(2024, 9, 3)),  # Friday before Labor Day -> Tuesday
        (D(2021, 12, 23), D(2021, 12, 27)),  # Christmas observed Friday 24th, then the weekend
        (D(2021, 12, 30), D(2022, 1, 3)),  # New Year's observed Friday 31st, then the weekend
        (D(2024, 9, 3), D(2024, 9, 4)),  # a business day itself: the next one, never the same day
        (D(2024, 11, 27), D(2024, 11, 29)),  # over Thanksgiving
    ],
)
def test_next_business_day_is_strictly_after(head_conn: sa.Connection, day: dt.date, expected: dt.date) -> None:
    assert _scalar(head_conn, "SELECT next_business_day(:d)", d=day) == expected


# --- NULL and out of range -------------------------------------------------------------------


def test_null_gives_null_and_no_rows(head_conn: sa.Connection) -> None:
    assert _scalar(head_conn, "SELECT is_us_business_day(NULL)") is None
    assert _scalar(head_conn, "SELECT next_business_day(NULL)") is None
    assert head_conn.execute(sa.text("SELECT * FROM us_federal_holidays(NULL)")).all() == []


@pytest.mark.parametrize("year", [1899, 2201, -1])
def test_years_out_of_range_raise(head_conn: sa.Connection, year: int) -> None:
    message = _refused(head_conn, "SELECT * FROM us_federal_holidays(:y)", y=year)
    assert "out of the supported range 1900..2200" in message and "COR-010" in message


@pytest.mark.parametrize("day", [D(1899, 12, 29), D(1899, 12, 30), D(2201, 1, 5)])  # a Friday, a Saturday, a Monday
def test_business_day_out_of_range_raises_weekend_or_not(head_conn: sa.Connection, day: dt.date) -> None:
    assert "COR-010" in _refused(head_conn, "SELECT is_us_business_day(:d)", d=day)


def test_next_business_day_raises_when_the_answer_leaves_the_range(head_conn: sa.Connection) -> None:
    assert "COR-010" in _refused(head_conn, "SELECT next_business_day(:d)", d=D(2200, 12, 31))


def test_edge_years_are_answered(head_conn: sa.Connection) -> None:
    assert _holidays(head_conn, 1900)[D(1900, 12, 25)] == "Christmas Day"
    assert _holidays(head_conn, 2200)[D(2200, 11, 27)] == "Thanksgiving Day"


def test_calendar_functions_are_immutable_and_strict(head_conn: sa.Connection) -> None:
    rows = head_conn.execute(
        sa.text(
            "SELECT proname, provolatile, proisstrict FROM pg_proc WHERE pronamespace = 'public'::regnamespace AND proname = ANY(:names)"
        ),
        {"names": ["us_federal_holidays", "is_us_business_day", "next_business_day"]},
    ).all()
    assert sorted(rows) == [
        ("is_us_business_day", "i", True),
        ("next_business_day", "i", True),
        ("us_federal_holidays", "i", True),
    ]
