"""Rows per monthly partition of the streams at a scale, computed from the generator's own time function.

A full-scale seed takes over an hour on the shared machines, and the question "how big is each
monthly partition of audit_logs at full scale" does not need one: the volume generator places row n
of a stream at a deterministic time, ``pg_temp.spread_time(salt, n, total)`` (``sql/seed/_session.sql``),
a function of the seed, the as-of date, the row number and the stream's total only. So the rows
of each month are counted by evaluating that same function over ``generate_series(1, total)``
grouped by month (UTC, the partition bounds of maintain_partitions), inserting nothing. The salt
of each stream is read from its generator SQL file, and the session helpers are the generator's
own (``volume.session_sql``), so the computation cannot drift from what the seed does;
tests/test_seed_volume.py proves it equal to the per-partition counts of a seeded small database.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from schema.seed import scales, volume

PARTITIONS_JSON = "reports/partitions.json"
# The stream's time in its generator file: pg_temp.spread_time('<salt>', g, CAST(:total AS bigint)).
SPREAD_TIME = re.compile(r"pg_temp\.spread_time\('([^']+)', g, CAST\(:total AS bigint\)\)")
# Rows of each UTC month (the partitions' bounds), evaluated, never inserted.
ROWS_PER_MONTH = sa.text(
    "SELECT to_char(date_trunc('month', pg_temp.spread_time(:salt, g, CAST(:total AS bigint)) AT TIME ZONE 'UTC'), 'YYYY-MM') AS month, "
    "count(*) AS n FROM generate_series(1, CAST(:total AS bigint)) AS g GROUP BY 1 ORDER BY 1"
)
# How many rows of each stream a scale generates (the generator's own step parameters).
STREAM_TOTALS = {"audit_logs": lambda s: s.audit_logs, "analytics_events": lambda s: s.analytics_events}


class PartitionCountError(RuntimeError):
    """The computation cannot run (a generator file no longer names its time function), or a
    committed partitions file is not what ``schema seed partitions`` writes."""


@dataclass(frozen=True)
class StreamMonths:
    table: str
    rows: int
    months: dict[str, int]  # "YYYY-MM" -> rows, in month order


def salt(table: str) -> str:
    """The salt the generator draws ``table``'s row times with, from its SQL file."""
    found = SPREAD_TIME.findall(volume.sql(table))
    if len(found) != 1:
        raise PartitionCountError(
            f"sql/seed/{table}.sql must place its rows with exactly one pg_temp.spread_time('<salt>', g, CAST(:total AS bigint)), "
            f"found {found}: the partition counts would no longer be the generator's"
        )
    return str(found[0])


def rows_per_month(conn: sa.Connection, scale: scales.Scale, seed: int, as_of: dt.date) -> list[StreamMonths]:
    """Each partitioned stream's rows per UTC month at ``scale``, as the generator would place them.

    Installs the generator's session helpers (pg_temp, gone with the session) on ``conn``; reads
    nothing from and writes nothing to the schema's tables."""
    missing = set(volume.PARTITIONED) - set(STREAM_TOTALS)
    if missing:
        raise PartitionCountError(f"no row total known for the partitioned streams {sorted(missing)}")
    conn.exec_driver_sql(volume.session_sql(seed, as_of, scale).replace("%", "%%"))
    out = []
    for table in volume.PARTITIONED:
        total = STREAM_TOTALS[table](scale)
        months = {r.month: int(r.n) for r in conn.execute(ROWS_PER_MONTH, {"salt": salt(table), "total": total})}
        out.append(StreamMonths(table, total, months))
    return out


def to_json(streams: list[StreamMonths], *, scale: str, seed: int, as_of: dt.date, command: str, machine: dict[str, str]) -> str:
    """The committed file (``docs/reports/partitions.json``) the handbook's page and chart are drawn from."""
    data = {
        "title": f"Rows per monthly partition at {scale} scale",
        "method": "computed from the volume generator's time function (pg_temp.spread_time) over generate_series: "
        "no row was inserted, nothing was counted in a seeded database",
        "command": command,
        "computed_at": dt.datetime.now(dt.UTC).date().isoformat(),
        "machine": machine,
        "scale": scale,
        "seed": seed,
        "as_of": as_of.isoformat(),
        "tables": {s.table: {"rows": s.rows, "months": s.months} for s in streams},
    }
    return json.dumps(data, indent=2) + "\n"


@dataclass(frozen=True)
class PartitionsReport:
    title: str
    method: str
    command: str
    computed_at: dt.date
    machine: dict[str, str]
    scale: str
    seed: int
    as_of: dt.date
    streams: list[StreamMonths]

    @property
    def months(self) -> list[str]:
        return sorted({m for s in self.streams for m in s.months})


def load(path: Path) -> PartitionsReport:
    """The committed partitions file, or PartitionCountError naming it and what is wrong."""
    if not path.is_file():
        raise PartitionCountError(
            f"{path} is missing: run `schema seed partitions --scale full --json docs/{PARTITIONS_JSON}` and commit it"
        )
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        streams = [
            StreamMonths(str(table), int(t["rows"]), {str(m): int(n) for m, n in t["months"].items()})
            for table, t in data["tables"].items()
        ]
        report = PartitionsReport(
            str(data["title"]),
            str(data["method"]),
            str(data["command"]),
            dt.date.fromisoformat(data["computed_at"]),
            {str(k): str(v) for k, v in data["machine"].items()},
            str(data["scale"]),
            int(data["seed"]),
            dt.date.fromisoformat(data["as_of"]),
            streams,
        )
    except (json.JSONDecodeError, KeyError, TypeError, ValueError, AttributeError) as exc:
        raise PartitionCountError(f"{path} is not what `schema seed partitions --json` writes: {exc!r}") from None
    for s in streams:
        if sum(s.months.values()) != s.rows:
            raise PartitionCountError(f"{path}: the months of {s.table} add up to {sum(s.months.values()):,}, not its {s.rows:,} rows")
    if not streams:
        raise PartitionCountError(f"{path} holds no table")
    return report
