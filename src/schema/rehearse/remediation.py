"""The operator's path for data written before the invariants: refused, remediated, upgraded.

Production databases at a released revision hold rows that later revisions' rules reject (the
006-era volume generator writes claims after a cancellation and bound quotes that disagree with
their policy, as production data would). A revision that meets such rows refuses to run with a
class-23 error naming the rule, the count and sample rows, and its docstring points at the
reviewed ``REMEDIATION_SQL`` constant. A released revision is frozen (alembic/released.toml): a
remediation written after its release is the reviewed file ``alembic/remediation/<revision>_<rule>.sql``
(``009_rat_020.sql`` for "RAT-020: revision 009 refused ..."), whose header says what it does and
why. This module rehearses that path as an operator runs it:

1. a scratch database at ``from_revision``, filled by the volume generator of that time (the
   generator's SQL files as they were then, passed in as ``scripts``: a released generator is
   data, kept beside the tests that use it at small scale);
2. ``alembic upgrade <to>``; on a refusal (SQLSTATE class 23) the revision that refused is the one
   after the database's revision (one transaction per revision); its ``REMEDIATION_SQL`` runs, or
   where it has none the remediation file for the refused rule, in one transaction (its own
   BEGIN/COMMIT, else an implicit one), then the upgrade again;
3. until the upgrade passes, or a refusal the remediation did not cure (the same remediation
   called for a second time), or one with no remediation at all, which ends the run as failed,
   naming it.

Every step is timed; the audit records the remediations wrote are counted by action.
Nothing here runs in the user's database, and no workload runs meanwhile: the lock behaviour of
the same revisions under traffic is the other rehearsal's (``runner``).
"""

from __future__ import annotations

import datetime as dt
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.script import ScriptDirectory
from rich.console import Console
from sqlalchemy.engine import URL

from schema import database, machine, migrations
from schema.rehearse.runner import Options, RehearsalError, alembic_config, chain
from schema.seed import scales, volume

# "COR-014: 12 existing row(s) of claims break ...", "RAT-020: revision 009 refused: 1703 existing row(s)
# break ...": the rule id leads every refusal message of the revisions (the convention of
# CONTRIBUTING.md), the count follows it, after the revision's name where it gives one.
REFUSAL = re.compile(r"^(?P<rule>[A-Z]{3}-\d{3}): (?:revision \w+ refused: )?(?P<count>\d+) ")
INTEGRITY_CLASS = "23"
MAX_ATTEMPTS = 20  # a chain of revisions each refusing once, and then some: a loop guard, not a policy
AUDIT_ACTIONS = "SELECT action, count(*) FROM audit_logs GROUP BY action"
# Beside versions/ in the alembic directory: remediations of released (frozen) revisions, one per rule.
REMEDIATION_FOLDER = "remediation"


@dataclass
class Refusal:
    revision: str
    rule: str | None  # None: the message does not lead with a rule id (reported as such)
    count: int | None
    sqlstate: str
    message: str
    detail: str | None
    hint: str | None
    seconds: float  # the refused upgrade attempt, until the error


@dataclass
class Remediation:
    revision: str
    seconds: float
    audit_records: dict[str, int]  # audit_logs rows it wrote, by action
    rule: str | None = None  # the refused rule a remediation file is for; None: the revision's REMEDIATION_SQL
    source: str = ""  # what ran: "REMEDIATION_SQL of <revision>" or the file, relative to the alembic directory's parent


@dataclass
class Attempt:
    target: str
    started_at: str  # revision the database was at
    seconds: float
    reached: str | None
    refusal: Refusal | None = None


@dataclass
class RemediationRun:
    from_revision: str
    to_revision: str
    scale: str
    seed: int
    as_of: dt.date
    scripts: list[str]  # generator files replaced by the era's copies
    seed_sql: str = ""  # the directory they came from, as the command named it (for the page)
    rows: dict[str, int] = field(default_factory=dict)
    seed_seconds: float = 0.0
    attempts: list[Attempt] = field(default_factory=list)
    remediations: list[Remediation] = field(default_factory=list)
    reached: str | None = None
    error: str | None = None
    machine: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def refusals(self) -> list[Refusal]:
        return [a.refusal for a in self.attempts if a.refusal is not None]

    @property
    def passed(self) -> bool:
        return self.error is None and self.reached == self.to_revision and bool(self.attempts)

    @property
    def unremediated(self) -> str | None:
        """The revision whose refusal ended the run with no remediation run for it (none given)."""
        last = self.refusals[-1] if self.refusals and not self.passed else None
        if last is None:
            return None
        cured = any(m.revision == last.revision and m.rule in (None, last.rule) for m in self.remediations)
        return None if cured else last.revision


def era_scripts(folder: Path) -> dict[str, str]:
    """Generator files of a released revision by step file name (``customers.sql`` -> ``customers``)."""
    if not folder.is_dir():
        raise RehearsalError(f"--seed-sql {folder}: not a directory of generator SQL files")
    files = {p.stem: p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.sql"))}
    if not files:
        raise RehearsalError(f"--seed-sql {folder}: holds no .sql file")
    return files


def seed_at(
    conn: sa.Connection, revision: str, scale: scales.Scale, seed: int, as_of: dt.date, scripts: dict[str, str], console: Console
) -> volume.VolumeReport:
    """The volume generator on a database deliberately at ``revision`` (not head), with the era's files."""
    migrations.require_head(conn, revision)
    conn.commit()
    steps, missing = volume.plan(conn)
    unknown = sorted(set(scripts) - {s.file for s in steps} - {"seed_policies"})
    if unknown:
        raise RehearsalError(f"generator files for no step of this schema: {', '.join(unknown)}")
    gen = volume.Generator(conn, scale, seed, as_of, console, scripts=scripts, at_revision=revision)
    gen.prepare()
    gen.load_rates()
    report = gen.run(steps)
    gen.maintain_partitions()
    conn.exec_driver_sql("ANALYZE")
    conn.commit()
    if missing:
        report.notes.append(f"tables of later revisions, not in this schema: {', '.join(missing)}")
    return report


def audit_actions(conn: sa.Connection) -> dict[str, int]:
    counts = {str(a): int(n) for a, n in conn.exec_driver_sql(AUDIT_ACTIONS)}
    conn.commit()
    return counts


def refusal_of(exc: sa.exc.DBAPIError, revision: str, seconds: float) -> Refusal | None:
    """The business refusal in ``exc`` (class 23), or None for any other failure."""
    sqlstate = getattr(exc.orig, "sqlstate", None)
    if not isinstance(sqlstate, str) or not sqlstate.startswith(INTEGRITY_CLASS):
        return None
    diag = getattr(exc.orig, "diag", None)
    message = (getattr(diag, "message_primary", None) or str(exc.orig)).strip()
    rule, found = parse_refusal(message)
    return Refusal(
        revision, rule, found, sqlstate, message, getattr(diag, "message_detail", None), getattr(diag, "message_hint", None), seconds
    )


def parse_refusal(message: str) -> tuple[str | None, int | None]:
    """(rule id, count of rows refused) of a revision's refusal message; None where it names none."""
    match = REFUSAL.match(message)
    return (match["rule"], int(match["count"])) if match else (None, None)


def next_revision(revs: list[tuple[str, str | None]], current: str | None) -> str:
    for rev, down in revs:
        if down == current:
            return rev
    raise RehearsalError(f"no revision after {current} in the rehearsed chain")


def remediation_sql(options: Options, revision: str) -> str | None:
    """The revision's reviewed ``REMEDIATION_SQL`` constant (what its docstring tells the operator to run)."""
    script = ScriptDirectory.from_config(alembic_config(options)).get_revision(revision)
    value = getattr(script.module, "REMEDIATION_SQL", None) if script is not None else None
    return value if isinstance(value, str) else None


def remediation_file(options: Options, revision: str, rule: str) -> Path:
    """Where the reviewed remediation of ``rule`` for a released ``revision`` lives:
    ``<alembic directory>/remediation/<revision>_<rule, lower case, underscores>.sql``."""
    location = alembic_config(options).get_main_option("script_location")
    if location is None:
        raise RehearsalError("the alembic configuration names no script_location")
    return Path(location) / REMEDIATION_FOLDER / f"{revision}_{rule.lower().replace('-', '_')}.sql"


@dataclass(frozen=True)
class FoundRemediation:
    """A reviewed remediation for one refusal, and where it came from."""

    source: str  # "REMEDIATION_SQL of <revision>" or the file, relative to the alembic directory's parent
    rule: str | None  # the refused rule a remediation file is for; None: the revision's REMEDIATION_SQL
    sql: str


def shown(path: Path) -> str:
    """A remediation file as a reader of the report finds it: relative to the alembic directory's parent."""
    return f"{path.parent.parent.name}/{REMEDIATION_FOLDER}/{path.name}"


def find_remediation(options: Options, refusal: Refusal) -> FoundRemediation | None:
    """The remediation for ``refusal``: the refusing revision's ``REMEDIATION_SQL``, else the
    remediation file of the rule it names; None when there is neither (the caller fails the run)."""
    constant = remediation_sql(options, refusal.revision)
    if constant is not None:
        return FoundRemediation(f"REMEDIATION_SQL of {refusal.revision}", None, constant)
    if refusal.rule is None:
        return None
    path = remediation_file(options, refusal.revision, refusal.rule)
    if not path.is_file():
        return None
    return FoundRemediation(shown(path), refusal.rule, path.read_text(encoding="utf-8"))


def run_remediation(url: URL, sql: str) -> float:
    """Run a reviewed remediation as written: on an autocommit session, so its own BEGIN/COMMIT
    hold (and a script without them is one implicit transaction: the simple query protocol)."""
    eng = database.engine(url)
    raw = eng.raw_connection()
    try:
        driver = raw.driver_connection
        driver.autocommit = True  # type: ignore[union-attr]
        started = time.perf_counter()
        driver.execute(sql)  # type: ignore[union-attr]
        return time.perf_counter() - started
    finally:
        raw.close()
        eng.dispose()


def rehearse_remediation(
    options: Options, scripts: dict[str, str], server: URL | None = None, console: Console | None = None
) -> RemediationRun:
    """Seed at ``options.from_revision`` with the era's generator, then upgrade, remediating each refusal."""
    console = console or Console(stderr=True)
    start, to, revs = chain(options)
    as_of = options.as_of or dt.datetime.now(dt.UTC).date()
    run = RemediationRun(start, to, options.scale, options.seed, as_of, sorted(scripts))
    if server is None:
        server = database.resolve().url
    with migrations.temporary_database(server, "wb_remediate") as url:
        cfg = alembic_config(options)
        eng = database.engine(url)
        try:
            with eng.connect() as conn:
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, start)
                run.machine = machine.describe(conn)
                conn.commit()
                console.print(f"remediation rehearsal: seeding at {start} ({options.scale})")
                started = time.perf_counter()
                report = seed_at(conn, start, scales.get(options.scale), options.seed, as_of, scripts, console)
                run.seed_seconds = time.perf_counter() - started
                run.rows = report.counts()
                run.notes.extend(report.notes)
            attempt_all(run, options, revs, eng, url, console)
        finally:
            eng.dispose()
    return run


def attempt_all(
    run: RemediationRun, options: Options, revs: list[tuple[str, str | None]], eng: sa.Engine, url: URL, console: Console
) -> None:
    remediated: set[str] = set()  # the sources (FoundRemediation.source) already run
    for _ in range(MAX_ATTEMPTS):
        with eng.connect() as conn:
            before = migrations.current_revision(conn)
            conn.commit()
            cfg = alembic_config(options)
            cfg.attributes["connection"] = conn
            console.print(f"  alembic upgrade {run.to_revision} (at {before})", highlight=False)
            started = time.perf_counter()
            failure: sa.exc.DBAPIError | None = None
            try:
                command.upgrade(cfg, run.to_revision)
            except sa.exc.DBAPIError as exc:  # a refusal is the measurement; anything else ends the run below
                failure = exc
                if conn.in_transaction():
                    conn.rollback()
            seconds = time.perf_counter() - started
            reached = migrations.current_revision(conn)
            conn.commit()
        attempt = Attempt(run.to_revision, str(before), seconds, reached)
        run.attempts.append(attempt)
        run.reached = reached
        if failure is None:
            return
        refusing = next_revision(revs, reached)
        attempt.refusal = refusal_of(failure, refusing, seconds)
        if attempt.refusal is None:
            run.error = f"revision {refusing} failed, not a business refusal: {str(failure.orig).strip().splitlines()[0]}"
            return
        console.print(f"    refused by {refusing}: {attempt.refusal.message[:160]}", highlight=False)
        found = find_remediation(options, attempt.refusal)
        if found is None:
            where = remediation_file(options, refusing, attempt.refusal.rule or "<rule>")
            run.error = (
                f"revision {refusing} refused and has no REMEDIATION_SQL, nor a remediation file {shown(where)}: {attempt.refusal.message}"
            )
            return
        if found.source in remediated:
            run.error = f"revision {refusing} still refuses after its remediation ({found.source}) ran: {attempt.refusal.message}"
            return
        with eng.connect() as conn:
            audit_before = audit_actions(conn)
        console.print(f"  {found.source}", highlight=False)
        seconds = run_remediation(url, found.sql)
        with eng.connect() as conn:
            audit_after = audit_actions(conn)
        written = {a: n - audit_before.get(a, 0) for a, n in sorted(audit_after.items()) if n != audit_before.get(a, 0)}
        run.remediations.append(Remediation(refusing, seconds, written, found.rule, found.source))
        remediated.add(found.source)
    run.error = f"still refused after {MAX_ATTEMPTS} attempts"
