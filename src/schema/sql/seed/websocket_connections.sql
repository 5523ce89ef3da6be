-- websocket_connections: staff dashboard sockets; every 20th is still open (connected in the last
-- hours, pinging), the rest closed after a log-normal session length.
INSERT INTO websocket_connections (connection_id, user_id, connected_at, disconnected_at, last_ping_at, subscribed_channels,
                                   ip_address, user_agent)
SELECT pg_temp.uid('websocket_connections', g), pg_temp.user_id('ws.user', g), connected,
       CASE WHEN NOT open THEN connected + make_interval(secs => session_s) END,
       CASE WHEN open THEN least(pg_temp.as_of() - interval '5 seconds', connected + make_interval(secs => session_s))
            WHEN pg_temp.u('ws.ping', g) < 0.9 THEN connected + make_interval(secs => session_s * 0.9) END,
       (ARRAY['[]', '["quotes"]', '["quotes", "policies"]', '["claims"]', '["dashboards.quote-funnel", "quotes"]',
              '["system"]'])[1 + floor(6 * pg_temp.u('ws.channels', g))::int]::jsonb,
       CASE WHEN pg_temp.u('ws.ip', g) < 0.95 THEN pg_temp.client_ip('ws.ip', g) END,
       CASE WHEN pg_temp.u('ws.ua', g) < 0.97 THEN pg_temp.user_agent('ws.ua', g) END
FROM generate_series(CAST(:lo AS bigint), CAST(:hi AS bigint)) AS g
CROSS JOIN LATERAL (SELECT g % 20 = 0 AS open,
                           least(20000, round(pg_temp.lognormal('ws.len', g, 900, 1.1)))::float8 AS session_s) AS o
CROSS JOIN LATERAL (SELECT CASE WHEN open THEN pg_temp.as_of() - make_interval(secs => 60 + 8 * 3600 * pg_temp.u('ws.open', g))
                                ELSE pg_temp.event_time('ws.at', g) - make_interval(secs => session_s) END AS connected) AS c
