#!/usr/bin/env python
"""10,000 concurrent client connections through PgBouncer (transaction pooling) running the quote workload.

PostgreSQL gives every connection a process; 10,000 of them would exhaust memory and
max_connections. PgBouncer in transaction mode lends a small pool of server connections to
whichever client is inside a transaction. This script proves that shape on this machine: it
starts its own PgBouncer (Debian package, installed when missing) on 127.0.0.1 at a free port in
front of a scratch database, connects 10,000 clients from one Python process (asyncio), checks
PgBouncer's SHOW POOLS while all are connected, runs the quote workload (a few quote inserts per
client), reports TPS, p50/p99 latency and errors, and stops PgBouncer. Bounded: a fixed number
of transactions per client and a deadline; nothing listens beyond 127.0.0.1.
Baseline, same run: the same workload from a few clients connected to PostgreSQL directly.
"""

from __future__ import annotations

import datetime as dt
import os
import pwd
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg
from sqlalchemy.engine import URL

from schema import database, migrations
from schema.perf import bench, workload
from schema.seed import volume

PGBOUNCER = "/usr/sbin/pgbouncer"
CONFIG = """[databases]
bench = {server} dbname={dbname} user={user}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = trust
auth_file = {dir}/userlist.txt
admin_users = {user}
pool_mode = transaction
max_client_conn = {max_client_conn}
default_pool_size = {pool_size}
reserve_pool_size = 0
max_db_connections = {pool_size}
listen_backlog = 4096
ignore_startup_parameters = extra_float_digits,options
logfile = {dir}/pgbouncer.log
log_connections = 0
log_disconnections = 0
pidfile = {dir}/pgbouncer.pid
"""


def raise_fd_limit(needed: int) -> int:
    """One socket per client here, and as many in PgBouncer (which inherits this limit)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if os.geteuid() == 0 and hard < needed:
        hard = needed
    target = min(max(soft, needed), hard)
    resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    if target < needed:
        raise SystemExit(f"need {needed} open files, the hard limit is {hard}: raise it (ulimit -Hn) or run as root")
    return target


def ensure_pgbouncer() -> None:
    if Path(PGBOUNCER).exists():
        return
    print("bench_pgbouncer: installing the Debian package pgbouncer", file=sys.stderr)
    subprocess.run(
        ["apt-get", "install", "-y", "-qq", "pgbouncer"],
        check=True,
        env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
        stdout=subprocess.DEVNULL,
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_and_user(url: URL) -> tuple[str, str]:
    """How PgBouncer reaches PostgreSQL, and the OS user it runs as (it refuses to run as root).

    A unix-socket server (the embedded one) is reached by its socket folder, which only its owner
    may enter, so PgBouncer runs as that owner; a TCP server by host and port, as user postgres.
    """
    socket_dir = url.query.get("host")
    if socket_dir and str(socket_dir).startswith("/"):
        owner = pwd.getpwuid(os.stat(str(socket_dir)).st_uid).pw_name
        return f"host={socket_dir} port={url.port or 5432}", owner
    return f"host={url.host} port={url.port or 5432}", "postgres"


def start_pgbouncer(workdir: Path, url: URL, clients: int, pool_size: int) -> tuple[subprocess.Popen, int]:
    server, os_user = server_and_user(url)
    port = free_port()
    db_user = url.username or "postgres"
    (workdir / "userlist.txt").write_text(f'"{db_user}" ""\n')
    (workdir / "pgbouncer.ini").write_text(
        CONFIG.format(
            server=server, dbname=url.database, user=db_user, port=port, dir=workdir, max_client_conn=clients + 100, pool_size=pool_size
        )
    )
    os.chmod(workdir, 0o755)
    args = [PGBOUNCER, str(workdir / "pgbouncer.ini")]
    if os.geteuid() == 0:
        shutil.chown(workdir, user=os_user)
        args[1:1] = ["-u", os_user]
    # stderr to a file, never a pipe nobody reads: a full pipe would block PgBouncer's logging and so PgBouncer.
    stderr = (workdir / "pgbouncer.stderr").open("wb")
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=stderr)
    for _ in range(100):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return proc, port
        except OSError:
            if proc.poll() is not None:
                log = (workdir / "pgbouncer.log").read_text() if (workdir / "pgbouncer.log").exists() else ""
                err = (workdir / "pgbouncer.stderr").read_text()
                raise SystemExit(f"pgbouncer exited ({proc.returncode}): {err} {log}") from None
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("pgbouncer did not start listening within 10 s")


def pools(port: int, user: str) -> dict[str, int]:
    """PgBouncer's own count of clients and server connections for the bench database.

    The admin console speaks only the simple query protocol, so the query goes through libpq's
    PQexec rather than psycopg's extended-protocol cursor.
    """
    with psycopg.connect(f"host=127.0.0.1 port={port} dbname=pgbouncer user={user}", autocommit=True, connect_timeout=10) as conn:
        res = conn.pgconn.exec_(b"SHOW POOLS")
        names = [res.fname(i).decode() for i in range(res.nfields)]
        for r in range(res.ntuples):
            rec = {names[i]: (res.get_value(r, i) or b"").decode() for i in range(res.nfields)}
            if rec["database"] == "bench":
                return {k: int(rec[k]) for k in ("cl_active", "cl_waiting", "sv_active", "sv_idle")}
    raise RuntimeError("SHOW POOLS has no row for database bench")


def main() -> int:
    p = bench.parser(__doc__.splitlines()[0])
    p.add_argument("--clients", type=int, default=10_000)
    p.add_argument("--transactions", type=int, default=3, help="quote inserts per client")
    p.add_argument("--pool-size", type=int, default=20, help="PgBouncer server connections for the database")
    p.add_argument("--baseline-clients", type=int, default=20)
    p.add_argument("--timeout", type=float, default=400.0, help="seconds after which clients stop")
    p.add_argument("--think", type=float, default=0.0, help="mean seconds a client pauses before each quote (0: all at once, saturation)")
    args = p.parse_args()
    limit = raise_fd_limit(args.clients + 1000)
    ensure_pgbouncer()
    with migrations.temporary_database(database.resolve().url, "bench_pgbouncer", "head") as url, tempfile.TemporaryDirectory() as tmp:
        volume.seed_small(url, dt.datetime.now(dt.UTC).date())
        base = workload.run(bench.libpq_url(url), args.baseline_clients, args.transactions * 20, args.timeout)
        proc, port = start_pgbouncer(Path(tmp), url, args.clients, args.pool_size)
        user = url.username or "postgres"
        try:
            through = workload.run(
                f"host=127.0.0.1 port={port} dbname=bench user={user}",
                args.clients,
                args.transactions,
                args.timeout,
                on_connected=lambda: pools(port, user),
                think_s=args.think,
            )
        finally:
            proc.terminate()  # PgBouncer 1.18: SIGTERM is an immediate shutdown; our clients are gone by now
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        result = bench.Result(
            f"{args.clients:,} concurrent clients through PgBouncer (transaction pooling, {args.pool_size} server connections)",
            [
                "path",
                "clients",
                "server connections",
                "quotes",
                "TPS",
                "TPS vs direct",
                "p50 ms",
                "p99 ms",
                "errors",
                "not run",
                "connect s",
            ],
        )
        observed = through.observed or {}
        for label, s, servers in (
            ("direct to PostgreSQL", base, str(args.baseline_clients)),
            ("through PgBouncer", through, str(args.pool_size)),
        ):
            result.rows.append(
                [
                    label,
                    f"{s.clients:,}",
                    servers,
                    f"{s.committed:,}",
                    f"{s.tps:,.0f}",
                    bench.ratio(s.tps, base.tps),
                    f"{bench.percentile(s.latencies_ms, 50):.1f}",
                    f"{bench.percentile(s.latencies_ms, 99):.1f}",
                    str(len(s.errors)),
                    str(s.not_run),
                    f"{s.connect_seconds:.1f}",
                ]
            )
        result.notes += [
            f"PgBouncer SHOW POOLS with every client connected, before the first transaction: {observed}",
            f"{through.connected:,} of {args.clients:,} clients connected at once; each ran {args.transactions} quote "
            "inserts (INSERT a draft, RETURNING the QUOT number the database issues, QUO-003)"
            + (
                f", pausing 0..{2 * args.think:g} s before each (offered load {args.clients / args.think:,.0f}/s)"
                if args.think
                else ", all at once: latency is mostly the wait in PgBouncer's queue at saturation"
            ),
            f"quote numbers issued through PgBouncer: {len(through.numbers):,} distinct for {through.committed:,} commits",
            f"open-files limit {limit:,}; clients are asyncio tasks with psycopg AsyncConnection (no prepared statements)",
            *(f"error: {e}" for e in sorted(set(base.errors + through.errors))[:5]),
        ]
        bench.finish(result, args.markdown, url)
        failed = (
            through.errors
            or base.errors
            or through.not_run
            or through.connected != args.clients
            or len(through.numbers) != through.committed
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
