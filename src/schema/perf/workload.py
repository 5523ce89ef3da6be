"""The quote workload: many clients creating quotes through the database's quote-number generator.

Each transaction is what the quote service does when a customer starts a quote: one INSERT of a
draft, whose QUOT-YYYY-NNNNNN number the database issues (QUO-003: the row-locked per-year counter
up to revision 011, a sequence per year from 012), returning the number. Up to 011 every insert of
the year went through that one counter row, the contention the seed worried about: the throughput
at 64 connections, and what 10,000 clients behind PgBouncer see.

Clients are asyncio tasks on psycopg AsyncConnections: one Python process holds thousands of
connections. All clients connect first and wait at a barrier, so "N concurrent connections" is
true while the transactions run. Prepared statements are off (PgBouncer transaction pooling hands
a client a different server connection per transaction). With ``think_s`` each client pauses
between transactions like a person (offered load = clients / think_s); without it every client
fires at once, which measures the saturated throughput and the queueing it causes. The run is bounded: a fixed number of
transactions per client and a deadline after which clients stop and the rest count as not run.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import psycopg

QUOTE_INSERT = (
    "INSERT INTO quotes (customer_id, status, product_type, state, zip_code, effective_date, expires_at, "
    "created_by, updated_by) VALUES (%(customer_id)s, 'draft', %(product_type)s, %(state)s, %(zip_code)s, "
    "current_date + 7, now() + interval '30 days', %(user_id)s, %(user_id)s) RETURNING quote_number"
)
# The physical baseline of issue 21: the same INSERT with a number the client supplies (unique by
# construction), run with trg_quotes_assign_quote_number disabled, so only the numbering differs.
QUOTE_INSERT_NUMBERED = (
    "INSERT INTO quotes (customer_id, status, product_type, state, zip_code, effective_date, expires_at, "
    "created_by, updated_by, quote_number) VALUES (%(customer_id)s, 'draft', %(product_type)s, %(state)s, "
    "%(zip_code)s, current_date + 7, now() + interval '30 days', %(user_id)s, %(user_id)s, %(quote_number)s) "
    "RETURNING quote_number"
)
PARENTS = "SELECT c.id, c.state, c.zip_code FROM customers c ORDER BY c.id"
USERS = "SELECT id FROM users WHERE is_active ORDER BY id"
CONNECT_CONCURRENCY = 200  # connection attempts in flight at once: a burst of 10,000 SYNs overflows the backlog


@dataclass
class Stats:
    clients: int
    connected: int = 0
    committed: int = 0
    errors: list[str] = field(default_factory=list)
    latencies_ms: list[float] = field(default_factory=list)
    connect_seconds: float = 0.0
    run_seconds: float = 0.0
    numbers: set[str] = field(default_factory=set)
    not_run: int = 0
    observed: object = None

    @property
    def tps(self) -> float:
        return self.committed / self.run_seconds if self.run_seconds else 0.0


def parents(conninfo: str) -> tuple[list[tuple[Any, ...]], list[Any]]:
    with psycopg.connect(conninfo) as conn:
        customers = conn.execute(PARENTS).fetchall()
        users = [r[0] for r in conn.execute(USERS).fetchall()]
    if not customers or not users:
        raise RuntimeError("the quote workload needs seeded customers and active users (schema seed volume)")
    return customers, users


async def _client(
    conninfo: str,
    stats: Stats,
    transactions: int,
    customers: list[tuple[Any, ...]],
    users: list[Any],
    gate: asyncio.Semaphore,
    barrier: asyncio.Barrier,
    deadline: list[float],
    rng: random.Random,
    think_s: float,
    numbers: Iterator[str] | None,
) -> None:
    conn = None
    try:
        async with gate:
            conn = await psycopg.AsyncConnection.connect(
                conninfo, autocommit=True, prepare_threshold=None, cursor_factory=psycopg.AsyncClientCursor
            )
        stats.connected += 1
    except psycopg.Error as exc:
        stats.errors.append(f"connect: {str(exc).strip().splitlines()[0]}")
    await barrier.wait()  # everyone connected (or failed) before the first transaction
    if conn is None:
        stats.not_run += transactions
        return
    try:
        for i in range(transactions):
            if think_s:  # a user between two quotes: uniform 0..2x the mean, so arrivals spread out
                await asyncio.sleep(rng.uniform(0, 2 * think_s))
            if time.monotonic() > deadline[0]:
                stats.not_run += transactions - i
                return
            customer_id, state, zip_code = rng.choice(customers)
            params = {
                "customer_id": customer_id,
                "state": state,
                "zip_code": zip_code,
                "product_type": rng.choice(("auto", "home", "renters")),
                "user_id": rng.choice(users),
            }
            statement = QUOTE_INSERT
            if numbers is not None:  # the baseline: the client brings the number
                params["quote_number"] = next(numbers)
                statement = QUOTE_INSERT_NUMBERED
            started = time.perf_counter()
            try:
                cur = await conn.execute(statement, params)
                row = await cur.fetchone()
            except psycopg.Error as exc:
                stats.errors.append(f"insert: {str(exc).strip().splitlines()[0]}")
                continue
            if row is None:
                raise RuntimeError("the quote insert returned no row (RETURNING quote_number)")
            stats.latencies_ms.append((time.perf_counter() - started) * 1000)
            stats.committed += 1
            stats.numbers.add(row[0])
    finally:
        await conn.close()


async def run_async(
    conninfo: str,
    clients: int,
    transactions: int,
    timeout_s: float,
    seed: int = 7,
    on_connected: Callable[[], object] | None = None,
    think_s: float = 0.0,
    numbers: Iterator[str] | None = None,
) -> Stats:
    customers, users = await asyncio.to_thread(parents, conninfo)
    stats = Stats(clients)
    gate = asyncio.Semaphore(CONNECT_CONCURRENCY)
    barrier = asyncio.Barrier(clients + 1)
    deadline = [float("inf")]
    rng = random.Random(seed)
    tasks = [
        asyncio.create_task(_client(conninfo, stats, transactions, customers, users, gate, barrier, deadline, rng, think_s, numbers))
        for _ in range(clients)
    ]
    started = time.perf_counter()
    await barrier.wait()
    stats.connect_seconds = time.perf_counter() - started
    if on_connected is not None:  # e.g. read PgBouncer's SHOW POOLS while every client holds its connection
        stats.observed = await asyncio.to_thread(on_connected)
    deadline[0] = time.monotonic() + timeout_s
    started = time.perf_counter()
    await asyncio.gather(*tasks)
    stats.run_seconds = time.perf_counter() - started
    return stats


def run(
    conninfo: str,
    clients: int,
    transactions: int,
    timeout_s: float = 300.0,
    on_connected: Callable[[], object] | None = None,
    think_s: float = 0.0,
    numbers: Iterator[str] | None = None,
) -> Stats:
    """Connect ``clients`` at once, then each runs ``transactions`` quote inserts; stops at the deadline.

    ``numbers``: the client supplies each quote's number from this iterator (the physical baseline,
    run with the numbering trigger disabled); without it the database issues them (QUO-003).
    """
    return asyncio.run(run_async(conninfo, clients, transactions, timeout_s, on_connected=on_connected, think_s=think_s, numbers=numbers))
