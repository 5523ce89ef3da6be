"""The second session: pg_locks and pg_stat_activity sampled every few milliseconds.

It sees what the migrating session cannot report about itself: locks taken and released inside
one statement (CREATE INDEX CONCURRENTLY, autocommit steps), and the workload's backends that
wait for a lock, with the pids blocking them (pg_blocking_pids), the relation and mode they
wait for, and how long they have waited (server clock). A waiter counts as blocked by the
migration when the migrating pid blocks it directly or through other waiters queued behind it
(the lock queue: an ACCESS EXCLUSIVE request waiting behind one reader stalls every later reader).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import sqlalchemy as sa

from schema import catalog
from schema.rehearse import queries

DEFAULT_PERIOD_S = 0.015


@dataclass
class LockSample:
    at_s: float
    relation: str
    relkind: str
    table: str
    mode: str
    granted: bool


@dataclass
class WaitSample:
    at_s: float
    pid: int
    query: str
    waited_s: float
    query_started: float  # server epoch of the waiting query's start: identifies it across samples
    relation: str | None
    table: str | None
    mode: str
    direct: bool  # the migrating pid itself is among the blockers


@dataclass
class Samples:
    period_s: float
    locks: list[LockSample] = field(default_factory=list)
    waits: list[WaitSample] = field(default_factory=list)
    count: int = 0
    busy_s: float = 0.0  # time spent in the sampling queries


def _blocked_by(pid: int, waiters: dict[int, list[int]]) -> dict[int, bool]:
    """Waiters blocked by ``pid`` directly (True) or transitively through other waiters (False)."""
    out: dict[int, bool] = {w: True for w, blockers in waiters.items() if pid in blockers}
    frontier = set(out)
    while frontier:
        nxt = {w for w, blockers in waiters.items() if w not in out and frontier & set(blockers)}
        out.update(dict.fromkeys(nxt, False))
        frontier = nxt
    return out


class Sampler(threading.Thread):
    """Samples until stopped; ``pid`` may change between revisions (one migrating session here)."""

    def __init__(
        self, engine: sa.Engine, pid: int, clock: Callable[[], float], period_s: float = DEFAULT_PERIOD_S, watch_migrator: bool = True
    ) -> None:
        super().__init__(name="rehearse-sampler", daemon=True)
        self.engine = engine
        self.pid = pid
        self.clock = clock
        self.samples = Samples(period_s)
        self.watch_migrator = watch_migrator
        self.stopping = threading.Event()
        self.paused = threading.Event()  # set: no sampling (the overhead measurement's "alone" windows)
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("SET application_name = 'schema-rehearse-sampler'")
                while not self.stopping.is_set():
                    if self.paused.is_set():
                        self.stopping.wait(self.samples.period_s)
                        continue
                    started = time.perf_counter()
                    self.sample(conn)
                    busy = time.perf_counter() - started
                    self.samples.busy_s += busy
                    self.stopping.wait(max(0.0, self.samples.period_s - busy))
        except BaseException as exc:  # noqa: BLE001 - re-raised by stop() in the rehearsing thread
            self.error = exc

    def sample(self, conn: sa.Connection) -> None:
        at = self.clock()
        params = {"pid": self.pid, "schema": catalog.SCHEMA}
        if self.watch_migrator:
            for r in conn.exec_driver_sql(queries.SAMPLE_MIGRATOR, params).all():
                self.samples.locks.append(LockSample(at, r.relname, r.relkind, r.root, r.mode, r.granted))
        rows = conn.exec_driver_sql(queries.SAMPLE_WAITERS).all()
        blocked = _blocked_by(self.pid, {r.pid: list(r.blockers or []) for r in rows})
        for r in rows:
            if r.pid in blocked:
                self.samples.waits.append(
                    WaitSample(
                        at,
                        r.pid,
                        r.query,
                        float(r.waited_s or 0.0),
                        float(r.query_started or 0.0),
                        r.relname,
                        r.root,
                        r.mode,
                        blocked[r.pid],
                    )
                )
        self.samples.count += 1

    def stop(self) -> Samples:
        self.stopping.set()
        self.join()
        if self.error is not None:
            raise RuntimeError(f"the lock sampler failed: {self.error}") from self.error
        return self.samples
