#!/usr/bin/env bash
# Run a command against a throw-away Debian PostgreSQL 15 server:
#   scripts/with_postgres15.sh <command> [args...]
# The server is initialised in a temporary directory, owned by the unprivileged 'postgres' user
# (PostgreSQL refuses to run as root), listens on 127.0.0.1 at a free port, and is stopped and
# deleted when the command ends, whatever its outcome. DATABASE_URL points the command at it.
# Installs the postgresql-15 Debian package when its binaries are missing.
set -euo pipefail

PGBIN=/usr/lib/postgresql/15/bin
if [ ! -x "$PGBIN/postgres" ]; then
    echo "with_postgres15: installing Debian's postgresql-15" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-15 >/dev/null
fi
id postgres >/dev/null 2>&1 || useradd --system --home-dir /nonexistent --shell /usr/sbin/nologin postgres

as_postgres() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

dir=$(mktemp -d /tmp/pg15.XXXXXX)
chmod 755 "$dir"
[ "$(id -u)" = 0 ] && chown postgres: "$dir"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')

cleanup() {
    as_postgres "$PGBIN/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$dir"
}
trap cleanup EXIT

as_postgres "$PGBIN/initdb" -D "$dir/data" -U postgres --auth=trust --encoding=UTF8 >/dev/null
as_postgres "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
    -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir -c max_connections=200" start >/dev/null \
    || { cat "$dir/server.log" >&2; exit 1; }

export DATABASE_URL="postgresql://postgres@127.0.0.1:$port/postgres"
echo "with_postgres15: PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$port" >&2
"$@"
