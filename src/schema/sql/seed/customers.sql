-- customers: policyholders and prospects, spread over the states of seed_states (CA, TX, NY, FL
-- first), created before the 24 months of activity, living at a ZIP of their state, aged 18 to 90 (normal around 46), 85% with a phone.
-- COR-021: 4% are agency-written with no e-mail on file (NULL), and 3% share the e-mail of the
-- customer before them (a household). COR-022: every age is within 16..120.
INSERT INTO customers (id, customer_number, first_name, last_name, email, phone, date_of_birth,
                       address_line1, city, state, zip_code, created_at, updated_at)
SELECT pg_temp.uid('customers', g),
       'CUST-' || lpad(g::text, 8, '0'),
       fn, ln,
       CASE WHEN pg_temp.u('customers.no_email', g) < 0.04 THEN NULL
            WHEN g > 1 AND pg_temp.u('customers.household', g) < 0.03
            THEN lower(pg_temp.first_name('customers.first', g - 1) || '.' || pg_temp.last_name('customers.last', g - 1)) || (g - 1)::text
                 || (ARRAY['@gmail.example', '@yahoo.example', '@outlook.example', '@mail.example'])[1 + ((g - 1) % 4)::int]
            ELSE lower(fn || '.' || ln) || g::text || (ARRAY['@gmail.example', '@yahoo.example', '@outlook.example', '@mail.example'])[1 + (g % 4)::int] END,
       CASE WHEN pg_temp.u('customers.phone', g) < 0.85
            THEN '+1' || pg_temp.state_area_code(s) || lpad(pg_temp.between(pg_temp.u('customers.phone.n', g), 2000000, 9999999)::text, 7, '0') END,
       ((pg_temp.as_of() AT TIME ZONE 'UTC')::date
        - make_interval(years => greatest(18, least(90, round(46 + 14 * pg_temp.normal('customers.age', g))))::int,
                        days => floor(365 * pg_temp.u('customers.birthday', g))::int))::date,
       pg_temp.between(pg_temp.u('customers.house', g), 1, 9899)::text || ' '
         || (ARRAY['Oak', 'Maple', 'Cedar', 'Pine', 'Elm', 'Main', 'Park', 'Lake', 'Hill', 'Washington', 'Lincoln', 'Sunset'])[1 + floor(12 * pg_temp.u('customers.street', g))::int]
         || (ARRAY[' St', ' Ave', ' Blvd', ' Dr', ' Ln', ' Rd'])[1 + floor(6 * pg_temp.u('customers.suffix', g))::int],
       pg_temp.state_city(s, pg_temp.u('customers.city', g)),
       pg_temp.state_code(s),
       pg_temp.customer_zip(g, s),
       created, created + make_interval(days => floor(90 * pg_temp.u('customers.updated', g))::int)
FROM generate_series(CAST(:lo AS bigint), CAST(:hi AS bigint)) AS g
CROSS JOIN LATERAL (SELECT pg_temp.state_index(g) AS s, pg_temp.first_name('customers.first', g) AS fn,
                           pg_temp.last_name('customers.last', g) AS ln,
                           pg_temp.as_of() - make_interval(days => 730 + floor(365 * pg_temp.u('customers.created', g))::int) AS created) AS p
