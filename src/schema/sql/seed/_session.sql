-- Session helpers of the volume generator: pg_temp functions and lookup tables, gone when the
-- generator's connection closes, so the schema itself never carries seed code.
--
-- Determinism: every draw is a hash of (seed, salt, row number), not random(): random() after
-- setseed() depends on the order in which the plan evaluates rows (joins, sorts), a hash does not,
-- so the same --seed and --as-of give the same data whatever the plan, chunk size or statistics.
-- Ids are md5(seed:table:n)::uuid for the same reason, which also lets a child compute its
-- parent's id without a lookup.
--
-- Speed: every helper below is a plain SQL expression that PostgreSQL inlines, and a subquery of
-- the generator files is pulled up into the query around it. Both copy an expression into every
-- place that names its column, and PostgreSQL does not share common subexpressions: a quote's
-- creation time (eight hash draws) was computed again in each of the dozen places that read it.
-- So the subqueries whose columns are read several times end in OFFSET 0, PostgreSQL's
-- optimisation fence: the subquery is not pulled up, and each column is computed once a row. The
-- rows are the same (the fingerprint of every table is unchanged); the time is not (at medium
-- scale, quotes 255 -> 156 us a row to generate, audit_logs 43 -> 26).
--
-- Placeholders filled in by schema.seed.volume: seed, as_of (a date), customers, users, quotes_v1.

-- A uniform draw in [0, 1) for (salt, n): 53 bits of a 64-bit hash.
CREATE FUNCTION pg_temp.u(salt text, n bigint) RETURNS float8
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT (hashtextextended(salt || '/' || n::text, {{seed}}) & 9007199254740991)::float8 / 9007199254740992.0 $$;

-- The id of row n of a generated table.
CREATE FUNCTION pg_temp.uid(tbl text, n bigint) RETURNS uuid
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT md5('{{seed}}:' || tbl || ':' || n::text)::uuid $$;

-- Weighted choice: cum holds the cumulative lower bounds in percent, starting at 0.
CREATE FUNCTION pg_temp.pick(u float8, choices text[], cum float8[]) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT choices[width_bucket(u * 100, cum)] $$;

-- An integer in [lo, hi].
CREATE FUNCTION pg_temp.between(u float8, lo bigint, hi bigint) RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT lo + floor(u * (hi - lo + 1))::bigint $$;

-- A standard normal draw (Box-Muller over two uniforms of the same row).
CREATE FUNCTION pg_temp.normal(salt text, n bigint) RETURNS float8
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT sqrt(-2.0 * ln(1.0 - pg_temp.u(salt || '.r', n))) * cos(2.0 * pi() * pg_temp.u(salt || '.t', n)) $$;

-- Money drawn log-normally around a median: premiums, claims, response times are right-skewed.
CREATE FUNCTION pg_temp.lognormal(salt text, n bigint, median numeric, sigma float8) RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT round((median::float8 * exp(sigma * pg_temp.normal(salt, n)))::numeric, 2) $$;

-- The end of the generated history: midnight UTC of --as-of; nothing is generated after it.
CREATE FUNCTION pg_temp.as_of() RETURNS timestamptz
LANGUAGE sql STABLE
AS $$ SELECT TIMESTAMPTZ '{{as_of}} 00:00:00+00' $$;

-- The calendar day of an event: over the 730 days before as_of, more recent days denser
-- (power 0.8: a growing book). Functions here are plain expressions (no FROM) so that PostgreSQL
-- inlines them: a non-inlined SQL function costs tens of microseconds a call.
CREATE FUNCTION pg_temp.uniform_day(salt text, n bigint) RETURNS date
LANGUAGE sql STABLE
AS $$ SELECT (pg_temp.as_of() AT TIME ZONE 'UTC')::date - 730 + floor(730 * power(pg_temp.u(salt || '.d', n), 0.8))::int $$;

-- ... and a weekend day moved to the Friday before 60% of the time: weekends carry 40% of a
-- weekday's traffic.
CREATE FUNCTION pg_temp.event_day(salt text, n bigint) RETURNS date
LANGUAGE sql STABLE
AS $$
SELECT pg_temp.uniform_day(salt, n)
       + CASE WHEN extract(isodow FROM pg_temp.uniform_day(salt, n)) >= 6 AND pg_temp.u(salt || '.we', n) < 0.6
              THEN (5 - extract(isodow FROM pg_temp.uniform_day(salt, n)))::int ELSE 0 END
$$;

-- A bursty event time in the 24 months before as_of: the day of event_day, and 80% of events in
-- US business hours (8:00-18:00 Central, peaking early afternoon), the rest over the clock.
CREATE FUNCTION pg_temp.event_time(salt text, n bigint) RETURNS timestamptz
LANGUAGE sql STABLE
AS $$
SELECT least(
    (pg_temp.event_day(salt, n)::timestamp
     + make_interval(secs => 3600 * CASE WHEN pg_temp.u(salt || '.bh', n) < 0.8
                                       THEN 8 + 10 * (pg_temp.u(salt || '.h1', n) + pg_temp.u(salt || '.h2', n)) / 2
                                       ELSE 24 * pg_temp.u(salt || '.h1', n) END)
    ) AT TIME ZONE 'America/Chicago',
    pg_temp.as_of() - make_interval(secs => 1 + 3600 * pg_temp.u(salt || '.cl', n)))
$$;

-- Append-only streams (audit_logs, analytics_events) are written in time order in production, and
-- their BRIN and created_at-led indexes count on it (a BRIN range then covers minutes, not the
-- whole month). So their rows come in time order here too: row n of total sits at rank
-- q = (n - 24.5) / (total - 24) of the same bursty distribution event_time draws from, its
-- inverse applied to q instead of to a random draw. Day: 730 * q^0.8 days after the start, as
-- uniform_day; time of day: the fraction of that day through the inverse of the hourly shares
-- below (stream_hour). Weekend rows still move to the Friday before 60% of the time and the last
-- hour is still clamped before as_of; those few rows fall out of order by a day at most, and each
-- chunk is inserted ORDER BY created_at.

-- The share of a day's events in each local hour 0-23: 20% spread over the clock (1/120 an
-- hour) plus 80% in business hours 8:00-18:00, triangular, peaking at 13:00 (0.8 x 0.02, 0.06,
-- 0.10, 0.14, 0.18, 0.18, ...), the shape event_time draws. hour_starts is their running sum.
CREATE FUNCTION pg_temp.hour_shares() RETURNS float8[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT ARRAY[0.008333, 0.008333, 0.008333, 0.008333, 0.008333, 0.008333, 0.008333, 0.008333,
                   0.024333, 0.056333, 0.088333, 0.120333, 0.152333, 0.152333, 0.120333, 0.088333,
                   0.056333, 0.024333, 0.008333, 0.008333, 0.008333, 0.008333, 0.008333, 0.008333]::float8[] $$;

CREATE FUNCTION pg_temp.hour_starts() RETURNS float8[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT ARRAY[0.000000, 0.008333, 0.016667, 0.025000, 0.033333, 0.041667, 0.050000, 0.058333,
                   0.066667, 0.091000, 0.147333, 0.235667, 0.356000, 0.508333, 0.660667, 0.781000,
                   0.869333, 0.925667, 0.950000, 0.958333, 0.966667, 0.975000, 0.983333, 0.991667]::float8[] $$;

-- Days after the start of the 730-day history of row n of total (n > 24), fraction included.
CREATE FUNCTION pg_temp.stream_x(n bigint, total bigint) RETURNS float8
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT 730.0::float8 * power((n - 24.5::float8) / greatest(total - 24, 1)::float8, 0.8::float8) $$;

-- The fraction [0, 1) of its day at which row n falls.
CREATE FUNCTION pg_temp.stream_f(n bigint, total bigint) RETURNS float8
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT pg_temp.stream_x(n, total) - floor(pg_temp.stream_x(n, total)) $$;

-- Row n's local hour (fractional): its fraction of the day through the inverse of the
-- piecewise-linear hourly distribution above. Every helper takes the plain (n, total): PostgreSQL
-- inlines a SQL function whose parameter is used more than once only when the argument is cheap,
-- and an inlined call costs nanoseconds where a real call costs tens of microseconds.
CREATE FUNCTION pg_temp.stream_hour(n bigint, total bigint) RETURNS float8
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT (width_bucket(pg_temp.stream_f(n, total), pg_temp.hour_starts()) - 1)
             + (pg_temp.stream_f(n, total) - (pg_temp.hour_starts())[width_bucket(pg_temp.stream_f(n, total), pg_temp.hour_starts())])
               / (pg_temp.hour_shares())[width_bucket(pg_temp.stream_f(n, total), pg_temp.hour_starts())] $$;

CREATE FUNCTION pg_temp.stream_day(x float8) RETURNS date
LANGUAGE sql STABLE
AS $$ SELECT (pg_temp.as_of() AT TIME ZONE 'UTC')::date - 730 + floor(x)::int $$;

-- Row n's time: day and hour of stream_x, then the weekend move and the as_of clamp of event_time.
CREATE FUNCTION pg_temp.stream_time(salt text, n bigint, total bigint) RETURNS timestamptz
LANGUAGE sql STABLE
AS $$
SELECT least(
    (pg_temp.stream_day(pg_temp.stream_x(n, total))::timestamp
     + make_interval(days => CASE WHEN extract(isodow FROM pg_temp.stream_day(pg_temp.stream_x(n, total))) >= 6
                                       AND pg_temp.u(salt || '.we', n) < 0.6
                                  THEN (5 - extract(isodow FROM pg_temp.stream_day(pg_temp.stream_x(n, total))))::int ELSE 0 END,
                     secs => 3600 * pg_temp.stream_hour(n, total))
    ) AT TIME ZONE 'America/Chicago',
    pg_temp.as_of() - make_interval(secs => 1 + 3600 * pg_temp.u(salt || '.cl', n)))
$$;

-- Rows 1..24 of a monthly-partitioned table: one per month back from as_of, so that the
-- partition maintenance creates the 24 monthly partitions before the bulk of the rows arrives
-- (they then go straight to their month instead of through DEFAULT). Each is its month's first
-- instant (UTC, the partition bound), so stored first it is still in time order; the month of
-- as_of itself gets the second before as_of when as_of is the 1st. The rest in time order.
CREATE FUNCTION pg_temp.spread_time(salt text, n bigint, total bigint) RETURNS timestamptz
LANGUAGE sql STABLE
AS $$
SELECT CASE WHEN n <= 24
            THEN least(date_trunc('month', (pg_temp.as_of() AT TIME ZONE 'UTC') - make_interval(months => (n - 1)::int)) AT TIME ZONE 'UTC',
                       pg_temp.as_of() - interval '1 second')
            ELSE pg_temp.stream_time(salt, n, total) END
$$;

-- States written, weighted like a national personal-lines book (CA, TX, NY, FL first): state i
-- has weight cum[i+1] - cum[i] percent, its real 3-digit ZIP prefix range, an area code, four
-- cities and a cost level (premium factor, illustrative). Arrays, not a lookup table, so that the
-- functions below stay inlinable SQL expressions.
CREATE FUNCTION pg_temp.state_index(k bigint) RETURNS int
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT width_bucket(pg_temp.u('customers.state', k) * 100,
                          ARRAY[0, 18, 31, 41, 50, 55, 60, 64, 68, 72, 76, 80, 84, 88, 92, 96]::float8[]) $$;

CREATE FUNCTION pg_temp.state_code(i int) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT (ARRAY['CA', 'TX', 'NY', 'FL', 'PA', 'IL', 'OH', 'GA', 'NC', 'MI', 'NJ', 'VA', 'WA', 'AZ', 'MA', 'CO'])[i] $$;

CREATE FUNCTION pg_temp.state_factor(i int) RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT (ARRAY[1.12, 1.05, 1.28, 1.34, 0.98, 1.00, 0.86, 1.08, 0.84, 1.30, 1.18, 0.90, 0.96, 1.02, 1.10, 1.06])[i] $$;

CREATE FUNCTION pg_temp.state_area_code(i int) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT (ARRAY['213', '512', '718', '305', '215', '312', '614', '404', '704', '313', '201', '804', '206', '602', '617', '303'])[i] $$;

CREATE FUNCTION pg_temp.state_city(i int, u float8) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT (ARRAY[['Los Angeles', 'San Diego', 'San Jose', 'Sacramento'], ['Houston', 'Dallas', 'Austin', 'San Antonio'],
                    ['New York', 'Buffalo', 'Rochester', 'Albany'], ['Miami', 'Orlando', 'Tampa', 'Jacksonville'],
                    ['Philadelphia', 'Pittsburgh', 'Allentown', 'Erie'], ['Chicago', 'Aurora', 'Naperville', 'Springfield'],
                    ['Columbus', 'Cleveland', 'Cincinnati', 'Toledo'], ['Atlanta', 'Augusta', 'Savannah', 'Macon'],
                    ['Charlotte', 'Raleigh', 'Greensboro', 'Durham'], ['Detroit', 'Grand Rapids', 'Lansing', 'Ann Arbor'],
                    ['Newark', 'Jersey City', 'Paterson', 'Trenton'], ['Virginia Beach', 'Richmond', 'Norfolk', 'Arlington'],
                    ['Seattle', 'Spokane', 'Tacoma', 'Bellevue'], ['Phoenix', 'Tucson', 'Mesa', 'Chandler'],
                    ['Boston', 'Worcester', 'Springfield', 'Cambridge'], ['Denver', 'Colorado Springs', 'Aurora', 'Boulder']])[i][1 + floor(4 * u)::int] $$;

-- Customer k's ZIP: a real 3-digit prefix of the customer's state, then two digits.
CREATE FUNCTION pg_temp.customer_zip(k bigint, i int) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT lpad((pg_temp.between(pg_temp.u('customers.zip3', k),
                                   (ARRAY[900, 750, 100, 320, 150, 600, 430, 300, 270, 480, 70, 220, 980, 850, 10, 800])[i],
                                   (ARRAY[961, 799, 149, 349, 196, 629, 458, 319, 289, 499, 89, 246, 994, 865, 27, 816])[i]) * 100
                   + pg_temp.between(pg_temp.u('customers.zip2', k), 1, 99))::text, 5, '0') $$;

CREATE FUNCTION pg_temp.first_name(salt text, n bigint) RETURNS text
LANGUAGE sql STABLE
AS $$ SELECT (ARRAY['James', 'Mary', 'Robert', 'Patricia', 'John', 'Jennifer', 'Michael', 'Linda', 'David',
                    'Elizabeth', 'William', 'Barbara', 'Richard', 'Susan', 'Jose', 'Maria', 'Wei', 'Mei',
                    'Carlos', 'Ana', 'Daniel', 'Sarah', 'Mohammed', 'Fatima', 'Kevin', 'Priya', 'Luis',
                    'Emily', 'Anthony', 'Grace'])[1 + floor(pg_temp.u(salt, n) * 30)::int] $$;

CREATE FUNCTION pg_temp.last_name(salt text, n bigint) RETURNS text
LANGUAGE sql STABLE
AS $$ SELECT (ARRAY['Smith', 'Johnson', 'Williams', 'Brown', 'Jones', 'Garcia', 'Miller', 'Davis', 'Rodriguez',
                    'Martinez', 'Hernandez', 'Lopez', 'Gonzalez', 'Wilson', 'Anderson', 'Thomas', 'Taylor',
                    'Moore', 'Jackson', 'Martin', 'Lee', 'Nguyen', 'Chen', 'Patel', 'Kim', 'Walker', 'Hall',
                    'Young', 'Allen', 'Wright'])[1 + floor(pg_temp.u(salt, n) * 30)::int] $$;

-- An IPv4 address: mostly public client ranges (documentation blocks stand in for real ones).
CREATE FUNCTION pg_temp.client_ip(salt text, n bigint) RETURNS inet
LANGUAGE sql STABLE
AS $$ SELECT ((ARRAY['203.0.113.', '198.51.100.', '192.0.2.', '10.20.'])[1 + floor(pg_temp.u(salt || '.net', n) * 4)::int]
              || CASE WHEN pg_temp.u(salt || '.net', n) >= 0.75
                      THEN pg_temp.between(pg_temp.u(salt || '.ip3', n), 0, 255)::text || '.' ELSE '' END
              || pg_temp.between(pg_temp.u(salt || '.ip4', n), 1, 254)::text)::inet $$;

CREATE FUNCTION pg_temp.user_agent(salt text, n bigint) RETURNS text
LANGUAGE sql STABLE
AS $$ SELECT (ARRAY['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/124.0 Safari/537.36',
                    'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 Version/17.4 Safari/605.1.15',
                    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148',
                    'Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0',
                    'AgencyConnect/3.2 (+https://agency.example)', 'python-httpx/0.27.0'])[1 + floor(pg_temp.u(salt, n) * 6)::int] $$;

-- User k of the staff table (users are 1..users).
CREATE FUNCTION pg_temp.user_id(salt text, n bigint) RETURNS uuid
LANGUAGE sql STABLE
AS $$ SELECT pg_temp.uid('users', pg_temp.between(pg_temp.u(salt, n), 1, {{users}})) $$;

-- Original quote n (version 1): who, what and when. Shared by quotes.sql and policies.sql, since a
-- bound quote and the policy it became must agree.
CREATE FUNCTION pg_temp.quote_plan(n bigint)
RETURNS TABLE (customer_k bigint, product_type text, created_at timestamptz, status text, base_premium numeric)
LANGUAGE sql STABLE
AS $$
SELECT k, product, created,
       CASE WHEN created > pg_temp.as_of() - interval '30 days'
            THEN pg_temp.pick(pg_temp.u('quotes.status', n), ARRAY['draft', 'calculating', 'quoted', 'bound', 'declined'],
                              ARRAY[0, 15, 22, 70, 92])
            ELSE pg_temp.pick(pg_temp.u('quotes.status', n), ARRAY['expired', 'bound', 'declined'], ARRAY[0, 62, 92]) END,
       round(pg_temp.lognormal('quotes.premium', n, CASE product WHEN 'auto' THEN 1450 WHEN 'home' THEN 1650 ELSE 190 END, 0.35)
             * pg_temp.state_factor(pg_temp.state_index(k)), 2)
FROM (SELECT pg_temp.between(pg_temp.u('quotes.customer', n), 1, {{customers}}) AS k,
             pg_temp.pick(pg_temp.u('quotes.product', n), ARRAY['auto', 'home', 'renters'], ARRAY[0, 62, 90]) AS product,
             pg_temp.event_time('quotes.created', n) AS created OFFSET 0) AS q
$$;

-- Coverages with limits and deductibles of a product (the shape validate_policy_data accepts).
CREATE FUNCTION pg_temp.coverages(product text, n bigint) RETURNS jsonb
LANGUAGE sql STABLE
AS $$
SELECT CASE product
    WHEN 'auto' THEN jsonb_build_array(
        -- bodily injury per person, and per accident twice that (split limits: the state minimums of RAT-020 name both)
        jsonb_build_object('type', 'bodily_injury', 'limit', bi, 'per_accident_limit', 2 * bi, 'deductible', 0),
        jsonb_build_object('type', 'property_damage', 'limit', (ARRAY[25000, 50000, 100000])[1 + floor(3 * pg_temp.u('cov.pd', n))::int], 'deductible', 0),
        jsonb_build_object('type', 'collision', 'limit', 35000, 'deductible', (ARRAY[250, 500, 1000])[1 + floor(3 * pg_temp.u('cov.ded', n))::int]),
        jsonb_build_object('type', 'comprehensive', 'limit', 35000, 'deductible', (ARRAY[100, 250, 500])[1 + floor(3 * pg_temp.u('cov.ded', n))::int]),
        jsonb_build_object('type', 'uninsured_motorist', 'limit', 50000, 'deductible', 0))
    WHEN 'home' THEN jsonb_build_array(
        jsonb_build_object('type', 'dwelling', 'limit', (250000 + 25000 * floor(30 * pg_temp.u('cov.dw', n)))::int, 'deductible', (ARRAY[1000, 2500, 5000])[1 + floor(3 * pg_temp.u('cov.ded', n))::int]),
        jsonb_build_object('type', 'personal_property', 'limit', 100000, 'deductible', 1000),
        jsonb_build_object('type', 'personal_liability', 'limit', (ARRAY[100000, 300000, 500000])[1 + floor(3 * pg_temp.u('cov.liab', n))::int], 'deductible', 0))
    ELSE jsonb_build_array(
        jsonb_build_object('type', 'personal_property', 'limit', (ARRAY[15000, 25000, 40000])[1 + floor(3 * pg_temp.u('cov.pp', n))::int], 'deductible', (ARRAY[250, 500, 1000])[1 + floor(3 * pg_temp.u('cov.ded', n))::int]),
        jsonb_build_object('type', 'personal_liability', 'limit', (ARRAY[100000, 300000])[1 + floor(2 * pg_temp.u('cov.liab', n))::int], 'deductible', 0))
END
FROM (SELECT (ARRAY[30000, 50000, 100000, 250000])[1 + floor(4 * pg_temp.u('cov.bi', n))::int] AS bi) AS limits
$$;
