-- analytics_events: the dashboards' event stream over 24 months (pg_temp.spread_time: bursty, in time order;
-- rows 1-24 one per month for the partitions). Quote funnel events dominate; policy events point
-- at generated policies (seed_policies), quote events at original quotes; money and durations
-- where the event has them.
INSERT INTO analytics_events (id, event_type, event_category, event_data, user_id, session_id, quote_id, policy_id,
                              value, duration_ms, created_at)
SELECT pg_temp.uid('analytics_events', g), event_type, category,
       jsonb_build_object('channel', (ARRAY['web', 'agent', 'api', 'mobile'])[1 + floor(4 * pg_temp.u('ae.channel', g))::int],
                          'state', pg_temp.state_code(pg_temp.state_index(g))),
       CASE WHEN category IN ('user', 'policy') OR pg_temp.u('ae.staff', g) < 0.4 THEN pg_temp.user_id('ae.user', g) END,
       CASE WHEN category <> 'system' THEN pg_temp.uid('sessions', g / 25) END,
       CASE WHEN category = 'quote' THEN pg_temp.uid('quotes.v1', pg_temp.between(pg_temp.u('ae.quote', g), 1, :quotes_v1)) END,
       sp.id,
       CASE WHEN event_type IN ('quote_priced', 'quote_bound', 'payment_received')
            THEN pg_temp.lognormal('ae.value', g, 1200, 0.5) END,
       CASE WHEN event_type IN ('quote_priced', 'page_view', 'rate_refresh')
            THEN least(60000, round(pg_temp.lognormal('ae.ms', g, 240, 0.9)))::int END,
       ts.at
-- Rows in time order: sorted here, on (g, at) only, and every other column computed after.
FROM (SELECT g, pg_temp.spread_time('ae.at', g, CAST(:total AS bigint)) AS at
      FROM generate_series(CAST(:lo AS bigint), CAST(:hi AS bigint)) AS g ORDER BY at) AS ts
CROSS JOIN LATERAL (SELECT pg_temp.pick(pg_temp.u('ae.cat', g), ARRAY['quote', 'policy', 'claim', 'customer', 'user', 'system'],
                                        ARRAY[0, 55, 68, 74, 80, 97]) AS category,
                           pg_temp.u('ae.type', g) AS t OFFSET 0) AS c
CROSS JOIN LATERAL (SELECT CASE category
                               WHEN 'quote' THEN (ARRAY['quote_started', 'quote_priced', 'quote_priced', 'quote_bound', 'quote_abandoned'])[1 + floor(5 * t)::int]
                               WHEN 'policy' THEN (ARRAY['policy_issued', 'payment_received', 'payment_received'])[1 + floor(3 * t)::int]
                               WHEN 'claim' THEN (ARRAY['claim_filed', 'claim_status_viewed'])[1 + floor(2 * t)::int]
                               WHEN 'customer' THEN (ARRAY['customer_signed_up', 'page_view'])[1 + floor(2 * t)::int]
                               WHEN 'user' THEN (ARRAY['login', 'dashboard_viewed', 'page_view'])[1 + floor(3 * t)::int]
                               ELSE 'rate_refresh' END AS event_type) AS e
LEFT JOIN seed_policies AS sp ON category = 'policy' AND sp.k = pg_temp.between(pg_temp.u('ae.policy', g), 1, :policies)
