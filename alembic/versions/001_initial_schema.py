"""Initial schema: users, customers, policies, claims.

Business purpose: the core every later revision references. Staff accounts (users), the people
we insure (customers), their contracts (policies) and losses (claims). Designed to the NO SILENT
FALLBACKS conventions: policies cannot exist without a customer (COR-001), money is
NUMERIC(12,2), statuses are named CHECKs, and updated_at is kept true by trigger (COR-002).

Two pieces of business logic live in the database from the start: the US business calendar that
policy effective dates follow (us_federal_holidays, is_us_business_day, next_business_day:
COR-010..COR-012), and validate_policy_data, which guards policies.coverage_data through
ck_policies_coverage_data_valid (COR-013). The validator runs a self-test right after it is
created: if it misjudges a known document the migration raises and nothing of 001 is created.
Function bodies are inlined below as constants on purpose: a revision is history and must not
change when a file of the package changes.

Revision ID: 001
Revises:
Create Date: 2026-11-28
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from schema.revision_ops import Grant, create_group_roles, grant, guard_data_loss

revision: str = "001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# What each kind of table this revision creates grants to each group role (SEC-002), as decided
# when the revision was released: today's policy lives in schema.privileges and may move on.
SECRET_SUFFIXES = ("_hash", "_encrypted")  # never granted: SELECT goes column by column on the rest
GRANT_PROFILES: dict[str, tuple[Grant, ...]] = {
    # business data the application changes
    "operational": (Grant("app_rw", ("SELECT", "INSERT", "UPDATE")), Grant("app_ro", ("SELECT",)), Grant("auditor", ("SELECT",)), Grant("admin_rw", ("SELECT",))),
}

# COR-002: updated_at kept true by set_updated_at() (created by 001) on every UPDATE.
UPDATED_AT_TRIGGER = "CREATE TRIGGER trg_{table}_set_updated_at BEFORE UPDATE ON {table} FOR EACH ROW EXECUTE FUNCTION set_updated_at()"
DROP_UPDATED_AT_TRIGGER = "DROP TRIGGER trg_{table}_set_updated_at ON {table}"

# SEC-002: the four NOLOGIN group roles; login roles of people and services are members of them.
# Roles are cluster-wide: created idempotently, never dropped (another database may use them).
GROUP_ROLES: dict[str, str] = {
    "app_rw": "the application's writing services: read and write business data, append to audit trails",
    "app_ro": "reporting and read-only services: read business data, write nothing",
    "auditor": "SOC 2 and regulatory auditors: read everything that is not a secret, including audit trails",
    "admin_rw": "the admin console: manage admin tables and system settings",
}

TABLES = ("users", "customers", "policies", "claims")

US_STATES = (
    "'AK', 'AL', 'AR', 'AZ', 'CA', 'CO', 'CT', 'DC', 'DE', 'FL', 'GA', 'HI', 'IA', 'ID', 'IL', "
    "'IN', 'KS', 'KY', 'LA', 'MA', 'MD', 'ME', 'MI', 'MN', 'MO', 'MS', 'MT', 'NC', 'ND', 'NE', "
    "'NH', 'NJ', 'NM', 'NV', 'NY', 'OH', 'OK', 'OR', 'PA', 'RI', 'SC', 'SD', 'TN', 'TX', 'UT', "
    "'VA', 'VT', 'WA', 'WI', 'WV', 'WY'"
)

SET_UPDATED_AT_FUNCTION = """
CREATE FUNCTION set_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    -- COR-002: updated_at tells the truth because the database, not the caller, sets it.
    NEW.updated_at := clock_timestamp();
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION set_updated_at() IS
    'COR-002: BEFORE UPDATE trigger function that sets updated_at to the current time on every changed row.';
"""

US_FEDERAL_HOLIDAYS_FUNCTION = """
CREATE FUNCTION us_federal_holidays(year integer)
RETURNS TABLE (holiday date, name text)
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $function$
BEGIN
    -- COR-010: outside 1900..2200 the calendar is not defined; refuse rather than guess.
    IF year < 1900 OR year > 2200 THEN
        RAISE EXCEPTION 'us_federal_holidays(%): year out of the supported range 1900..2200 (COR-010)', year
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'The US business calendar (us_federal_holidays, is_us_business_day, next_business_day) covers 1900-01-01 to 2200-12-31.';
    END IF;
    RETURN QUERY
    WITH rules (label, month, fixed_day, weekday, nth, observable, since, until) AS (
        -- One row per legal rule. weekday is ISO (1 = Monday, 4 = Thursday); nth -1 = last in month.
        -- observable: moved to a weekday when it falls on a weekend (fixed-date holidays only).
        VALUES
            ('New Year''s Day',                      1,  1,    NULL, NULL, true,  1900, 2200),
            ('Martin Luther King Jr. Day',           1,  NULL, 1,    3,    false, 1986, 2200),
            ('Washington''s Birthday',               2,  22,   NULL, NULL, false, 1900, 1970),
            ('Washington''s Birthday',               2,  NULL, 1,    3,    false, 1971, 2200),
            ('Memorial Day',                         5,  30,   NULL, NULL, false, 1900, 1970),
            ('Memorial Day',                         5,  NULL, 1,    -1,   false, 1971, 2200),
            ('Juneteenth National Independence Day', 6,  19,   NULL, NULL, true,  2021, 2200),
            ('Independence Day',                     7,  4,    NULL, NULL, true,  1900, 2200),
            ('Labor Day',                            9,  NULL, 1,    1,    false, 1900, 2200),
            ('Columbus Day',                         10, 12,   NULL, NULL, false, 1937, 1970),
            ('Columbus Day',                         10, NULL, 1,    2,    false, 1971, 2200),
            ('Armistice Day',                        11, 11,   NULL, NULL, true,  1938, 1953),
            ('Veterans Day',                         11, 11,   NULL, NULL, true,  1954, 1970),
            ('Veterans Day',                         10, NULL, 1,    4,    false, 1971, 1977),
            ('Veterans Day',                         11, 11,   NULL, NULL, true,  1978, 2200),
            ('Thanksgiving Day',                     11, NULL, 4,    -1,   false, 1900, 1938),
            ('Thanksgiving Day',                     11, 23,   NULL, NULL, false, 1939, 1939),
            ('Thanksgiving Day',                     11, 21,   NULL, NULL, false, 1940, 1940),
            ('Thanksgiving Day',                     11, 20,   NULL, NULL, false, 1941, 1941),
            ('Thanksgiving Day',                     11, NULL, 4,    4,    false, 1942, 2200),
            ('Christmas Day',                        12, 25,   NULL, NULL, true,  1900, 2200)
    ),
    legal AS (
        SELECT r.label, r.observable,
               CASE
                   WHEN r.fixed_day IS NOT NULL THEN make_date(year, r.month, r.fixed_day)
                   WHEN r.nth > 0 THEN first_day + (r.weekday - extract(isodow FROM first_day)::int + 7) % 7 + 7 * (r.nth - 1)
                   ELSE last_day - (extract(isodow FROM last_day)::int - r.weekday + 7) % 7
               END AS day
        FROM rules AS r
        CROSS JOIN LATERAL (SELECT make_date(year, r.month, 1) AS first_day) AS f
        CROSS JOIN LATERAL (SELECT (f.first_day + interval '1 month' - interval '1 day')::date AS last_day) AS l
        WHERE year BETWEEN r.since AND r.until
    ),
    observed AS (
        -- Sunday -> Monday since 1953 (B-112525), Saturday -> Friday since 1966 (P.L. 89-554).
        SELECT g.label || ' (observed)' AS label,
               g.day + CASE extract(isodow FROM g.day)::int
                           WHEN 7 THEN CASE WHEN year >= 1953 THEN 1 END
                           WHEN 6 THEN CASE WHEN year >= 1966 THEN -1 END
                       END AS day
        FROM legal AS g
        WHERE g.observable
        UNION ALL
        -- Next year's New Year's Day on a Saturday is observed on Dec 31 of this year (since 1967).
        SELECT 'New Year''s Day (observed)', make_date(year, 12, 31)
        WHERE year >= 1967 AND extract(isodow FROM make_date(year + 1, 1, 1)) = 6
    )
    SELECT g.day, g.label FROM legal AS g
    UNION ALL
    -- An observed day that falls in another year (Jan 1 on a Saturday) belongs to that year's list.
    SELECT o.day, o.label FROM observed AS o
    WHERE o.day IS NOT NULL AND o.day BETWEEN make_date(year, 1, 1) AND make_date(year, 12, 31)
    ORDER BY 1;
END
$function$;

COMMENT ON FUNCTION us_federal_holidays(integer) IS
    'COR-010: US federal holidays of one year (1900..2200) with their names: each legal date, and, when it falls on a weekend, '
    'the weekday it is observed on, named "<holiday> (observed)" (Saturday -> Friday since 1966, Sunday -> Monday since 1953). '
    'An observed day belongs to the year it falls in: New Year''s Day 2022 (a Saturday) is observed 2021-12-31, listed by '
    'us_federal_holidays(2021). Matches the holidays package (US, observed) for every year it covers (1900..2100); '
    'before 1971 it follows the older dates (Feb 22, May 30, Oct 12 from 1937, Armistice Day Nov 11 from 1938), '
    'Veterans Day is the 4th Monday of October 1971-1977, MLK Day starts 1986, Juneteenth 2021. '
    'Years outside 1900..2200 raise invalid_parameter_value; NULL gives no rows (STRICT). Rows come ordered by date.';
"""

IS_US_BUSINESS_DAY_FUNCTION = """
CREATE FUNCTION is_us_business_day(d date) RETURNS boolean
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $function$
DECLARE
    is_holiday boolean;
BEGIN
    -- Asked first, even for a weekend, so that an out-of-range date always raises (COR-010).
    is_holiday := EXISTS (SELECT 1 FROM us_federal_holidays(date_part('year', d)::int) AS h WHERE h.holiday = d);
    RETURN extract(isodow FROM d) < 6 AND NOT is_holiday;
END
$function$;

COMMENT ON FUNCTION is_us_business_day(date) IS
    'COR-011: true when the date is a Monday-Friday that is not an observed US federal holiday (us_federal_holidays). '
    'NULL gives NULL (STRICT); a date outside 1900..2200 raises (COR-010), weekend or not.';
"""

NEXT_BUSINESS_DAY_FUNCTION = """
CREATE FUNCTION next_business_day(d date) RETURNS date
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $function$
DECLARE
    candidate date := d + 1;
BEGIN
    -- COR-012: strictly after d. Terminates: no run of non-business days is longer than four.
    WHILE NOT is_us_business_day(candidate) LOOP
        candidate := candidate + 1;
    END LOOP;
    RETURN candidate;
END
$function$;

COMMENT ON FUNCTION next_business_day(date) IS
    'COR-012: the first US business day STRICTLY AFTER the given date (Friday before Labor Day -> Tuesday), the date a policy '
    'approved on that day becomes effective. For "this day if it is a business day" use is_us_business_day first. '
    'NULL gives NULL (STRICT); raises when the answer would leave 1900..2200 (COR-010).';
"""

# The state list is the one ck_policies_state_is_us_state uses (US_STATES above), spliced in once.
VALIDATE_POLICY_DATA_FUNCTION = (
    """
CREATE FUNCTION validate_policy_data(data jsonb) RETURNS boolean
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $function$
DECLARE
    key text;
    value text;
    y integer;
    m integer;
    d integer;
    dates date[] := '{}';
    coverage jsonb;
BEGIN
    -- COR-013: every check returns false (the CHECK then names its constraint); nothing raises.
    IF jsonb_typeof(data) <> 'object' THEN
        RETURN false;
    END IF;

    IF jsonb_typeof(data -> 'state') IS DISTINCT FROM 'string'
       OR NOT (data ->> 'state') = ANY (ARRAY["""
    + US_STATES
    + """]) THEN
        RETURN false;
    END IF;

    -- ISO dates checked by arithmetic, not by a cast: a cast raises on 2026-02-30 and reads
    -- other formats according to DateStyle.
    FOREACH key IN ARRAY ARRAY['effective_date', 'expiration_date'] LOOP
        IF jsonb_typeof(data -> key) IS DISTINCT FROM 'string' THEN
            RETURN false;
        END IF;
        value := data ->> key;
        IF value !~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' THEN
            RETURN false;
        END IF;
        y := substr(value, 1, 4)::integer;
        m := substr(value, 6, 2)::integer;
        d := substr(value, 9, 2)::integer;
        IF y < 1 OR m < 1 OR m > 12 THEN
            RETURN false;
        END IF;
        IF d < 1 OR d > extract(day FROM make_date(y, m, 1) + interval '1 month' - interval '1 day') THEN
            RETURN false;
        END IF;
        dates := dates || make_date(y, m, d);
    END LOOP;
    IF dates[2] <= dates[1] THEN
        RETURN false;
    END IF;

    IF jsonb_typeof(data -> 'coverages') IS DISTINCT FROM 'array' THEN
        RETURN false;
    END IF;
    IF jsonb_array_length(data -> 'coverages') = 0 THEN
        RETURN false;
    END IF;
    FOR coverage IN SELECT jsonb_array_elements(data -> 'coverages') LOOP
        IF jsonb_typeof(coverage) <> 'object' THEN
            RETURN false;
        END IF;
        IF jsonb_typeof(coverage -> 'type') IS DISTINCT FROM 'string' OR btrim(coverage ->> 'type') = '' THEN
            RETURN false;
        END IF;
        FOREACH key IN ARRAY ARRAY['limit', 'deductible'] LOOP
            IF jsonb_typeof(coverage -> key) IS DISTINCT FROM 'number' THEN
                RETURN false;
            END IF;
            IF (coverage -> key)::numeric < 0 THEN
                RETURN false;
            END IF;
        END LOOP;
    END LOOP;
    RETURN true;
END
$function$;

COMMENT ON FUNCTION validate_policy_data(jsonb) IS
    'COR-013: true when a policy payload is a JSON object with state (a USPS code of ck_policies_state_is_us_state), '
    'effective_date and expiration_date (ISO YYYY-MM-DD strings of real days, expiration after effective) and coverages '
    '(a non-empty array of objects, each with a non-blank string type and numeric limit and deductible >= 0). Other keys are '
    'allowed. Returns false, never raises, so ck_policies_coverage_data_valid names the refusal. NULL gives NULL (STRICT). '
    'Revision 001 runs a self-test of known good and bad documents right after creating it.';
"""
)

# COR-013: the validator validated. Known documents and the verdict each must get; one misjudgement
# raises, and the whole of revision 001 rolls back (one transaction per migration, env.py).
VALIDATE_POLICY_DATA_SELF_TEST = """
DO $self_test$
DECLARE
    good CONSTANT jsonb := '{"state": "CA", "effective_date": "2026-01-15", "expiration_date": "2027-01-15",
        "coverages": [{"type": "bodily_injury", "limit": 100000, "deductible": 0},
                      {"type": "collision", "limit": 25000.50, "deductible": 500}]}';
    probe record;
    verdict boolean;
BEGIN
    -- COR-013: the validator is trusted only after it judges known documents right.
    FOR probe IN
        SELECT * FROM (VALUES
            ('a complete payload', good, true),
            ('extra keys next to the required ones', good || '{"vehicle": {"vin": "1HGCM82633A004352"}}', true),
            ('a leap day', good || '{"effective_date": "2028-02-29"}' || '{"expiration_date": "2028-08-29"}', true),
            ('DC counts as a state', good || '{"state": "DC"}', true),
            ('zero limit and deductible', jsonb_set(good, '{coverages}', '[{"type": "rental", "limit": 0, "deductible": 0}]'), true),
            ('an array, not an object', '[]'::jsonb, false),
            ('JSON null', 'null'::jsonb, false),
            ('the seed''s own test document (only a state)', '{"state": "CA"}'::jsonb, false),
            ('state missing', good - 'state', false),
            ('state not a US state code', good || '{"state": "XX"}', false),
            ('state in lower case', good || '{"state": "ca"}', false),
            ('state as a number', good || '{"state": 6}', false),
            ('effective_date missing', good - 'effective_date', false),
            ('effective_date not ISO', good || '{"effective_date": "01/15/2026"}', false),
            ('effective_date on a day that does not exist', good || '{"effective_date": "2026-02-30"}', false),
            ('effective_date in month 13', good || '{"effective_date": "2026-13-01"}', false),
            ('effective_date in year 0', good || '{"effective_date": "0000-01-15"}', false),
            ('expiration_date as a number', good || '{"expiration_date": 20270115}', false),
            ('expiration equal to effective', good || '{"expiration_date": "2026-01-15"}', false),
            ('expiration before effective', good || '{"expiration_date": "2025-01-15"}', false),
            ('coverages missing', good - 'coverages', false),
            ('coverages empty', good || '{"coverages": []}', false),
            ('coverages an object', good || '{"coverages": {"type": "collision", "limit": 1, "deductible": 0}}', false),
            ('a coverage that is not an object', good || '{"coverages": ["collision"]}', false),
            ('coverage type missing', good || '{"coverages": [{"limit": 1000, "deductible": 0}]}', false),
            ('coverage type blank', good || '{"coverages": [{"type": " ", "limit": 1000, "deductible": 0}]}', false),
            ('coverage type a number', good || '{"coverages": [{"type": 7, "limit": 1000, "deductible": 0}]}', false),
            ('limit as a string', good || '{"coverages": [{"type": "collision", "limit": "1000", "deductible": 0}]}', false),
            ('limit negative', good || '{"coverages": [{"type": "collision", "limit": -1, "deductible": 0}]}', false),
            ('deductible missing', good || '{"coverages": [{"type": "collision", "limit": 1000}]}', false),
            ('deductible negative', good || '{"coverages": [{"type": "collision", "limit": 1000, "deductible": -0.01}]}', false),
            ('deductible null', good || '{"coverages": [{"type": "collision", "limit": 1000, "deductible": null}]}', false),
            ('one bad coverage among good ones', jsonb_insert(good, '{coverages, 0}', '{"type": "towing", "limit": -5, "deductible": 0}'), false)
        ) AS cases (label, document, expected)
    LOOP
        verdict := validate_policy_data(probe.document);
        IF verdict IS DISTINCT FROM probe.expected THEN
            RAISE EXCEPTION 'validate_policy_data self-test failed (COR-013): % should be judged %, the validator said %',
                probe.label,
                CASE WHEN probe.expected THEN 'valid' ELSE 'invalid' END,
                CASE WHEN verdict THEN 'valid' WHEN NOT verdict THEN 'invalid' ELSE 'NULL' END
                USING HINT = 'Fix the validator in revision 001; the migration was rolled back and created nothing.';
        END IF;
    END LOOP;
    IF validate_policy_data(NULL) IS NOT NULL THEN
        RAISE EXCEPTION 'validate_policy_data self-test failed (COR-013): NULL should give NULL (STRICT)';
    END IF;
END
$self_test$
"""

# Mirror order: downgrade drops them in reverse, after the tables whose CHECK uses the validator.
FUNCTIONS = ("us_federal_holidays(integer)", "is_us_business_day(date)", "next_business_day(date)", "validate_policy_data(jsonb)")

CREATED_AT = "When the row was inserted (technical default: transaction time)."
UPDATED_AT = "When the row last changed; COR-002: maintained by trigger set_updated_at on every UPDATE."
PK = "Technical surrogate key, generated by the database."


def _id() -> sa.Column:
    return sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False, comment=PK)


def _timestamps() -> list[sa.Column]:
    return [
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("CURRENT_TIMESTAMP"), nullable=False, comment=CREATED_AT),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("CURRENT_TIMESTAMP"), nullable=False, comment=UPDATED_AT),
    ]


def upgrade() -> None:
    create_group_roles(GROUP_ROLES)
    op.execute(SET_UPDATED_AT_FUNCTION)
    op.execute(US_FEDERAL_HOLIDAYS_FUNCTION)
    op.execute(IS_US_BUSINESS_DAY_FUNCTION)
    op.execute(NEXT_BUSINESS_DAY_FUNCTION)
    op.execute(VALIDATE_POLICY_DATA_FUNCTION)
    op.execute(VALIDATE_POLICY_DATA_SELF_TEST)

    users = op.create_table(
        "users",
        _id(),
        sa.Column("email", sa.String(255), nullable=False, comment="Login e-mail, stored lower-case (COR-005) so uniqueness is case-blind."),
        sa.Column("password_hash", sa.Text(), nullable=False, comment="Password hash (argon2/bcrypt); SEC-001: never the password itself."),
        sa.Column("full_name", sa.String(200), nullable=False, comment="Display name of the account holder."),
        sa.Column("role", sa.String(30), nullable=False, comment="Platform role; one of the values of ck_users_role_allowed."),
        sa.Column("is_active", sa.Boolean(), server_default=sa.text("true"), nullable=False, comment="COR-006: accounts are active from creation until an administrator deactivates them."),
        *_timestamps(),
        sa.CheckConstraint("email = lower(email)", name=op.f("ck_users_email_lowercase")),
        sa.CheckConstraint(
            "role IN ('agent', 'underwriter', 'claims_adjuster', 'customer_service', 'system')",
            name=op.f("ck_users_role_allowed"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
        comment="Staff and service accounts of the carrier's platform (not policyholders; see customers).",
    )

    customers = op.create_table(
        "customers",
        _id(),
        sa.Column("customer_number", sa.String(20), nullable=False, comment="Business key shown to the customer, e.g. CUST-000123."),
        sa.Column("first_name", sa.String(100), nullable=False, comment="Legal first name."),
        sa.Column("last_name", sa.String(100), nullable=False, comment="Legal last name."),
        sa.Column("email", sa.String(255), nullable=False, comment="Contact e-mail, lower-case (COR-005); unique per customer."),
        sa.Column("phone", sa.String(20), nullable=True, comment="Contact phone in E.164; NULL when the customer gave none (e-mail is the required channel)."),
        sa.Column("date_of_birth", sa.Date(), nullable=False, comment="Date of birth: age is a rating factor (RAT-004) and proves majority to contract."),
        sa.Column("address_line1", sa.String(200), nullable=False, comment="Street address of the residence."),
        sa.Column("city", sa.String(100), nullable=False, comment="City of the residence."),
        sa.Column("state", sa.String(2), nullable=False, comment="COR-003: USPS state code of the residence."),
        sa.Column("zip_code", sa.String(10), nullable=False, comment="COR-004: ZIP or ZIP+4 of the residence."),
        *_timestamps(),
        sa.CheckConstraint(f"state IN ({US_STATES})", name=op.f("ck_customers_state_is_us_state")),
        sa.CheckConstraint("zip_code ~ '^[0-9]{5}(-[0-9]{4})?$'", name=op.f("ck_customers_zip_code_format")),
        sa.CheckConstraint("email = lower(email)", name=op.f("ck_customers_email_lowercase")),
        sa.CheckConstraint("date_of_birth > DATE '1900-01-01'", name=op.f("ck_customers_date_of_birth_plausible")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customers")),
        sa.UniqueConstraint("customer_number", name=op.f("uq_customers_customer_number")),
        sa.UniqueConstraint("email", name=op.f("uq_customers_email")),
        comment="Policyholders and prospects: the people quotes and policies are written for.",
    )

    policies = op.create_table(
        "policies",
        _id(),
        sa.Column("policy_number", sa.String(20), nullable=False, comment="Business key POL-YYYY-NNNNNN printed on the declarations page."),
        sa.Column("customer_id", sa.Uuid(), nullable=False, comment="COR-001: every policy has a policyholder; RESTRICT, a customer with policies cannot be deleted."),
        sa.Column("product_type", sa.String(20), nullable=False, comment="Line of business: auto, home or renters."),
        sa.Column("state", sa.String(2), nullable=False, comment="COR-003: state whose regulator governs the policy."),
        sa.Column("status", sa.String(20), nullable=False, comment="Lifecycle status; set explicitly at bind (no default: a policy is never silently active)."),
        sa.Column("effective_date", sa.Date(), nullable=False, comment="First day of coverage (a calendar date in the policy's state)."),
        sa.Column("expiration_date", sa.Date(), nullable=False, comment="Day coverage ends; COR-007: after effective_date."),
        sa.Column("premium_amount", sa.Numeric(12, 2), nullable=False, comment="Written premium for the term in USD, penny precision."),
        sa.Column("coverage_data", postgresql.JSONB(), nullable=False, comment="Coverages with limits and deductibles, as bound; COR-013: a payload validate_policy_data accepts."),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True, comment="NULL unless status is cancelled; then when the cancellation took effect (COR-008)."),
        *_timestamps(),
        sa.CheckConstraint(f"state IN ({US_STATES})", name=op.f("ck_policies_state_is_us_state")),
        sa.CheckConstraint("product_type IN ('auto', 'home', 'renters')", name=op.f("ck_policies_product_type_allowed")),
        sa.CheckConstraint("status IN ('pending', 'active', 'cancelled', 'expired')", name=op.f("ck_policies_status_allowed")),
        sa.CheckConstraint("expiration_date > effective_date", name=op.f("ck_policies_expiration_after_effective")),
        sa.CheckConstraint("premium_amount >= 0", name=op.f("ck_policies_premium_amount_non_negative")),
        sa.CheckConstraint("(status = 'cancelled') = (cancelled_at IS NOT NULL)", name=op.f("ck_policies_cancelled_at_iff_cancelled")),
        sa.CheckConstraint("policy_number ~ '^POL-[0-9]{4}-[0-9]{6}$'", name=op.f("ck_policies_policy_number_format")),
        sa.CheckConstraint("jsonb_typeof(coverage_data) = 'object'", name=op.f("ck_policies_coverage_data_is_object")),
        # COR-013; ck_policies_coverage_data_is_object stays: CHECKs run in name order, so a non-object
        # is refused by the more precise name.
        sa.CheckConstraint("validate_policy_data(coverage_data)", name=op.f("ck_policies_coverage_data_valid")),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], name=op.f("fk_policies_customer_id_customers"), ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_policies")),
        sa.UniqueConstraint("policy_number", name=op.f("uq_policies_policy_number")),
        comment="Bound insurance contracts. A legal record: never deleted while claims or quotes refer to it.",
    )
    # Query pattern: a customer's policies (and the FK's own lookups on customer delete).
    op.create_index("ix_policies_customer_id", "policies", ["customer_id"])

    claims = op.create_table(
        "claims",
        _id(),
        sa.Column("claim_number", sa.String(20), nullable=False, comment="Business key CLM-YYYY-NNNNNN given to the claimant."),
        sa.Column("policy_id", sa.Uuid(), nullable=False, comment="Policy the loss is claimed under; RESTRICT, claims are legal records that outlive nothing they cite."),
        sa.Column("status", sa.String(20), nullable=False, comment="Claim workflow status; set explicitly at first notice of loss."),
        sa.Column("loss_date", sa.Date(), nullable=False, comment="Calendar date the loss occurred."),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=False, comment="When the loss was reported to the carrier."),
        sa.Column("description", sa.Text(), nullable=False, comment="Claimant's account of the loss."),
        sa.Column("claimed_amount", sa.Numeric(12, 2), nullable=False, comment="Amount claimed in USD."),
        sa.Column("approved_amount", sa.Numeric(12, 2), nullable=True, comment="NULL until an adjuster approves an amount; required once approved or paid (COR-009)."),
        *_timestamps(),
        sa.CheckConstraint(
            "status IN ('submitted', 'under_review', 'approved', 'denied', 'paid', 'closed')", name=op.f("ck_claims_status_allowed")
        ),
        sa.CheckConstraint("claimed_amount >= 0", name=op.f("ck_claims_claimed_amount_non_negative")),
        sa.CheckConstraint("approved_amount >= 0", name=op.f("ck_claims_approved_amount_non_negative")),
        sa.CheckConstraint(
            "(status IN ('approved', 'paid')) <= (approved_amount IS NOT NULL)", name=op.f("ck_claims_approved_amount_when_approved")
        ),
        sa.CheckConstraint("claim_number ~ '^CLM-[0-9]{4}-[0-9]{6}$'", name=op.f("ck_claims_claim_number_format")),
        sa.ForeignKeyConstraint(["policy_id"], ["policies.id"], name=op.f("fk_claims_policy_id_policies"), ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_claims")),
        sa.UniqueConstraint("claim_number", name=op.f("uq_claims_claim_number")),
        comment="First notices of loss and their settlement, against one policy.",
    )
    # Query pattern: a policy's claims (and the FK's own lookups on policy delete).
    op.create_index("ix_claims_policy_id", "claims", ["policy_id"])

    created = (users, customers, policies, claims)
    for table in TABLES:
        op.execute(UPDATED_AT_TRIGGER.format(table=table))
    for table in created:
        grant(table, GRANT_PROFILES["operational"], SECRET_SUFFIXES)


def downgrade() -> None:
    guard_data_loss(*TABLES)
    for table in reversed(TABLES):
        op.execute(DROP_UPDATED_AT_TRIGGER.format(table=table))

    op.drop_index("ix_claims_policy_id", table_name="claims")
    op.drop_table("claims")
    op.drop_index("ix_policies_customer_id", table_name="policies")
    op.drop_table("policies")
    op.drop_table("customers")
    op.drop_table("users")

    for function in reversed(FUNCTIONS):
        op.execute(f"DROP FUNCTION {function}")
    op.execute("DROP FUNCTION set_updated_at()")
