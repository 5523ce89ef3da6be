#!/usr/bin/env bash
# Run the server-dependent suite on several PostgreSQL major versions at once, each on its own
# throw-away server (scripts/with_postgres.sh):
#   scripts/test_versions.sh VERSION...
# where the args of each version come from the environment variable ARGS_<VERSION> (set by make).
# The runs are concurrent because each one waits mostly on its server, not on a core: on 2 cores
# three at once take little more than the longest alone, and make test stays under 30 minutes.
# Every output line is prefixed with its version; the script fails if any run failed, naming it.
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
python=${PYTHON:-$root/.venv/bin/python}
# with_postgres.sh creates the unprivileged server user when missing: do it once here, before the
# concurrent runs race to create it.
if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --home-dir /nonexistent --shell /usr/sbin/nologin postgres
fi

declare -A pids
for v in "$@"; do
    var="ARGS_$v"
    read -r -a args <<<"${!var:?$var is not set: the pytest arguments of PostgreSQL $v}"
    (
        "$root/scripts/with_postgres.sh" "$v" "$python" -m pytest "${args[@]}" 2>&1 | sed -u "s/^/[pg$v] /"
        exit "${PIPESTATUS[0]}"
    ) &
    pids[$v]=$!
done

failed=()
for v in "$@"; do
    wait "${pids[$v]}" || failed+=("$v")
done
if [ ${#failed[@]} -gt 0 ]; then
    echo "test_versions: the suite failed on PostgreSQL ${failed[*]}" >&2
    exit 1
fi
echo "test_versions: the suite passed on PostgreSQL $*"
