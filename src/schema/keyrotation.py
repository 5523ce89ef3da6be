"""Key rotation of the application-encrypted columns: every ``*_encrypted`` value under a new key id.

What is encrypted by whom (the handbook's security page says the same):

- **by the application**: every ``*_encrypted`` column (SSO client secrets, TOTP secrets, MFA phone
  numbers, recovery codes, admin 2FA secrets). The database only stores the envelope
  ``v1:<key id>:<base64 of nonce || ciphertext || tag>`` (SEC-026, declared by revision 010):
  AES-256-GCM with a 96-bit random nonce, no associated data, the key id naming the key that
  sealed it. Changing the key (a compromised key, a compliance-mandated period, a new KMS) is this
  module: re-encrypt every value under the new key id.
- **by storage**: everything else (the data files, WAL, backups) relies on the disk or volume
  encryption of the host and the backup store; it changes with the host (a new volume key, a
  re-encrypted snapshot), not with the schema.

The rotation is batched and resumable, and never holds a table lock: each batch selects at most
``batch_size`` rows still not under the new key (``FOR UPDATE SKIP LOCKED``: rows the application
holds are left for the next pass rather than waited on), re-encrypts them in Python and commits.
Progress is the count of values still pending, read from the data itself, so an interrupted run
is resumed by running it again; a second run on a rotated database changes nothing. A value that
is not a v1 envelope, or sealed under a key the keyring lacks, stops the rotation naming the table,
column and row: it is never skipped silently (revision 010's docstring has the remediation of
legacy ``kms:v1:`` values).
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from schema import catalog
from schema.secret_formats import ENCRYPTED_SUFFIX

ENVELOPE_VERSION = "v1"
KEY_ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
ENVELOPE = re.compile(r"^v1:([a-z0-9][a-z0-9-]{0,62}):([A-Za-z0-9+/]+={0,2})$")
NONCE_BYTES = 12
KEY_BYTES = 32  # AES-256
DEFAULT_BATCH = 200


class RotationError(RuntimeError):
    """The rotation cannot go on; the message names the table, column and row, or the key."""


@dataclass(frozen=True)
class Keyring:
    """The data keys by key id (32 bytes each), as the KMS hands them to the rotation job."""

    keys: dict[str, bytes]

    def __post_init__(self) -> None:
        for key_id, key in self.keys.items():
            if not KEY_ID_PATTERN.match(key_id):
                raise RotationError(f"key id {key_id!r} is not lower-case letters, digits and hyphens (SEC-026)")
            if len(key) != KEY_BYTES:
                raise RotationError(f"key {key_id} has {len(key)} bytes; AES-256-GCM needs {KEY_BYTES}")

    def key(self, key_id: str) -> bytes:
        try:
            return self.keys[key_id]
        except KeyError:
            raise RotationError(f"key {key_id} is not in the keyring (known: {', '.join(sorted(self.keys))})") from None

    @classmethod
    def from_file(cls, path: Path) -> Keyring:
        """A JSON object ``{"<key id>": "<base64 of 32 bytes>"}`` (a file the KMS export writes)."""
        raw = json.loads(path.read_text())
        return cls({key_id: base64.b64decode(value, validate=True) for key_id, value in raw.items()})


def seal(keyring: Keyring, key_id: str, plaintext: bytes) -> str:
    """The v1 envelope of ``plaintext`` under ``key_id`` (a fresh random nonce each time)."""
    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(keyring.key(key_id)).encrypt(nonce, plaintext, None)
    return f"{ENVELOPE_VERSION}:{key_id}:{base64.b64encode(nonce + sealed).decode('ascii')}"


def key_id_of(envelope: str) -> str:
    match = ENVELOPE.match(envelope)
    if not match:
        raise ValueError("not a v1 envelope")
    return match.group(1)


def unseal(keyring: Keyring, envelope: str) -> bytes:
    """The plaintext of a v1 envelope; ValueError when it is not one or does not authenticate."""
    match = ENVELOPE.match(envelope)
    if not match:
        raise ValueError("not a v1 envelope (v1:<key id>:<base64>)")
    try:
        blob = base64.b64decode(match.group(2), validate=True)
    except binascii.Error as exc:
        raise ValueError(f"bad base64: {exc}") from None
    if len(blob) < NONCE_BYTES + 16:
        raise ValueError("too short for nonce and tag")
    try:
        return AESGCM(keyring.key(match.group(1))).decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], None)
    except InvalidTag:
        raise ValueError(f"does not authenticate under key {match.group(1)}") from None


@dataclass(frozen=True)
class EncryptedColumn:
    """A ``*_encrypted`` column: text holding one envelope, or a JSON array of envelopes."""

    table: str
    column: str
    key_columns: tuple[str, ...]
    is_array: bool

    @property
    def name(self) -> str:
        return f"{self.table}.{self.column}"

    def pending_where(self) -> str:
        """Rows holding a value not (entirely) under the new key, whose prefix is bound as :prefix."""
        if self.is_array:
            return (
                f"{self.column} IS NOT NULL AND jsonb_path_exists({self.column}, "
                "'$[*] ? (!(@ starts with $p))', jsonb_build_object('p', CAST(:prefix AS text)))"
            )
        return f"{self.column} IS NOT NULL AND NOT starts_with({self.column}, :prefix)"


def encrypted_columns(conn: sa.Connection) -> list[EncryptedColumn]:
    """Every ``*_encrypted`` column of the application schema, from the live catalog (schema.catalog,
    the one reader of pg_catalog)."""
    out = []
    for table in sorted(catalog.read(conn).tables.values(), key=lambda t: t.name):
        for col in sorted((c for c in table.columns if c.name.endswith(ENCRYPTED_SUFFIX)), key=lambda c: c.name):
            if table.primary_key is None:
                raise RotationError(f"{table.name}.{col.name}: the table has no primary key to update rows by")
            out.append(EncryptedColumn(table.name, col.name, table.primary_key.columns, col.data_type == "jsonb"))
    return out


@dataclass
class ColumnProgress:
    column: str
    pending_at_start: int
    rotated: int = 0
    batches: int = 0
    pending_now: int = 0


@dataclass
class RotationReport:
    new_key_id: str
    columns: list[ColumnProgress] = field(default_factory=list)

    @property
    def rotated(self) -> int:
        return sum(c.rotated for c in self.columns)

    @property
    def pending(self) -> int:
        """Values still not under the new key (rows the application held locked: run again)."""
        return sum(c.pending_now for c in self.columns)


def _reseal(keyring: Keyring, new_key_id: str, value: str, where: str) -> str:
    if value.startswith(f"{ENVELOPE_VERSION}:{new_key_id}:"):
        return value
    try:
        plaintext = unseal(keyring, value)
    except (ValueError, RotationError) as exc:
        raise RotationError(
            f"{where}: cannot decrypt the stored value ({exc}); nothing of this row was changed. "
            "A legacy or clear value is remediated by hand (revision 010's docstring), never skipped"
        ) from None
    return seal(keyring, new_key_id, plaintext)


def _pending(conn: sa.Connection, col: EncryptedColumn, prefix: str) -> int:
    return int(conn.execute(sa.text(f"SELECT count(*) FROM {col.table} WHERE {col.pending_where()}"), {"prefix": prefix}).scalar_one())


def rotate(
    conn: sa.Connection,
    keyring: Keyring,
    new_key_id: str,
    *,
    batch_size: int = DEFAULT_BATCH,
    on_batch: Callable[[ColumnProgress], None] | None = None,
) -> RotationReport:
    """Re-encrypt every ``*_encrypted`` value under ``new_key_id``, one committed batch at a time.

    ``on_batch`` is called after each commit with the column's progress (the CLI prints it; a test
    interrupts the run from it). Run it again after an interruption: it resumes where the data says.
    """
    keyring.key(new_key_id)  # refuse an unknown target key before touching anything
    prefix = f"{ENVELOPE_VERSION}:{new_key_id}:"
    report = RotationReport(new_key_id)
    if conn.in_transaction():
        conn.commit()
    for col in encrypted_columns(conn):
        progress = ColumnProgress(col.name, _pending(conn, col, prefix))
        report.columns.append(progress)
        keys = ", ".join(col.key_columns)
        select = sa.text(
            f"SELECT {keys}, {col.column} AS value FROM {col.table} WHERE {col.pending_where()} "
            f"ORDER BY {keys} LIMIT :limit FOR UPDATE SKIP LOCKED"
        )
        match = " AND ".join(f"{k} = :k_{k}" for k in col.key_columns)
        target = "CAST(:value AS jsonb)" if col.is_array else ":value"
        update = sa.text(f"UPDATE {col.table} SET {col.column} = {target} WHERE {match}")
        while True:
            try:
                rows, params = _batch(conn, col, select, keyring, new_key_id, prefix, batch_size)
                if rows:
                    conn.execute(update, params)
                conn.commit()
            except BaseException:
                conn.rollback()  # the batch's row locks go with it; committed batches stay rotated
                raise
            if not rows:
                break
            progress.rotated += rows
            progress.batches += 1
            if on_batch is not None:
                on_batch(progress)
        progress.pending_now = _pending(conn, col, prefix)
        conn.commit()
    return report


def _batch(
    conn: sa.Connection,
    col: EncryptedColumn,
    select: sa.TextClause,
    keyring: Keyring,
    new_key_id: str,
    prefix: str,
    batch_size: int,
) -> tuple[int, list[dict[str, object]]]:
    """Lock and re-encrypt one batch of pending rows: (row count, UPDATE parameters)."""
    rows = conn.execute(select, {"prefix": prefix, "limit": batch_size}).all()
    params: list[dict[str, object]] = []
    for row in rows:
        ident = {f"k_{k}": getattr(row, k) for k in col.key_columns}
        where = f"{col.name} of row {', '.join(f'{k}={v}' for k, v in zip(col.key_columns, ident.values(), strict=True))}"
        if col.is_array:
            value = json.dumps([_reseal(keyring, new_key_id, v, where) for v in row.value])
        else:
            value = _reseal(keyring, new_key_id, row.value, where)
        params.append({**ident, "value": value})
    return len(rows), params
