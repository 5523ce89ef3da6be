"""Key rotation of every ``*_encrypted`` value of a seeded database (schema.keyrotation).

The seed's values are placeholders no key decrypts: the rotation refuses them by name (never a
silent skip). The test then seals every value under an old key (remembering the plaintexts),
rotates to a new key in small batches, interrupts the run, resumes it, and decrypts under the new
key: every value, and the sample, equal the originals; a second run changes nothing.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import URL
from typer.testing import CliRunner

from schema import database, keyrotation, migrations
from schema.cli import app
from schema.seed import volume

OLD, NEW = "kms-2026-01", "kms-2026-12"


@pytest.fixture(scope="module")
def keyring() -> keyrotation.Keyring:
    return keyrotation.Keyring({OLD: os.urandom(32), NEW: os.urandom(32)})


@pytest.fixture(scope="module")
def seeded(server_url: URL) -> Iterator[URL]:
    with migrations.temporary_database(server_url, "wb_rotate", revision="head") as url:
        volume.seed_small(url, dt.datetime.now(dt.UTC).date())
        yield url


@pytest.fixture
def conn(seeded: URL) -> Iterator[sa.Connection]:
    eng = database.engine(seeded)
    with eng.connect() as c:
        yield c
    eng.dispose()


def _values(conn: sa.Connection, col: keyrotation.EncryptedColumn) -> dict[tuple, object]:
    keys = ", ".join(col.key_columns)
    rows = conn.execute(sa.text(f"SELECT {keys}, {col.column} AS value FROM {col.table} WHERE {col.column} IS NOT NULL")).all()
    conn.commit()
    return {tuple(getattr(r, k) for k in col.key_columns): r.value for r in rows}


def _adopt(conn: sa.Connection, keyring: keyrotation.Keyring) -> dict[tuple[str, tuple], object]:
    """Seal every stored value under OLD with a random plaintext; the plaintexts by (column, key)."""
    plain: dict[tuple[str, tuple], object] = {}
    for col in keyrotation.encrypted_columns(conn):
        match = " AND ".join(f"{k} = :k{i}" for i, k in enumerate(col.key_columns))
        for key, value in _values(conn, col).items():
            params = {f"k{i}": v for i, v in enumerate(key)}
            if col.is_array:
                texts = [base64.b16encode(os.urandom(8)).decode() for _ in value]
                sealed: object = json.dumps([keyrotation.seal(keyring, OLD, t.encode()) for t in texts])
                plain[(col.name, key)] = texts
                conn.execute(sa.text(f"UPDATE {col.table} SET {col.column} = CAST(:v AS jsonb) WHERE {match}"), {**params, "v": sealed})
            else:
                text = base64.b16encode(os.urandom(12)).decode()
                plain[(col.name, key)] = text
                conn.execute(
                    sa.text(f"UPDATE {col.table} SET {col.column} = :v WHERE {match}"),
                    {**params, "v": keyrotation.seal(keyring, OLD, text.encode())},
                )
    conn.commit()
    return plain


class Interrupted(RuntimeError):
    pass


def test_envelope_round_trip_and_tamper_detection(keyring: keyrotation.Keyring) -> None:
    envelope = keyrotation.seal(keyring, OLD, b"JBSWY3DPEHPK3PXP")
    assert envelope.startswith(f"v1:{OLD}:") and keyrotation.key_id_of(envelope) == OLD
    assert keyrotation.unseal(keyring, envelope) == b"JBSWY3DPEHPK3PXP"
    tampered = envelope[:-6] + ("A" if envelope[-6] != "A" else "B") + envelope[-5:]
    with pytest.raises(ValueError, match="does not authenticate"):
        keyrotation.unseal(keyring, tampered)


def test_rotation_refuses_values_no_key_decrypts_naming_the_row(conn: sa.Connection, keyring: keyrotation.Keyring) -> None:
    columns = {c.name for c in keyrotation.encrypted_columns(conn)}
    assert {
        "sso_providers.client_secret_encrypted",
        "user_mfa_settings.totp_secret_encrypted",
        "user_mfa_settings.recovery_codes_encrypted",
        "admin_users.two_factor_secret_encrypted",
    } <= columns
    with pytest.raises(keyrotation.RotationError, match=r"\.\w+_encrypted of row \w+=.*cannot decrypt the stored value"):
        keyrotation.rotate(conn, keyring, NEW)


def test_rotation_is_batched_resumable_and_decrypts_under_the_new_key(conn: sa.Connection, keyring: keyrotation.Keyring) -> None:
    plain = _adopt(conn, keyring)
    assert len(plain) > 50
    seen: list[int] = []

    def interrupt(progress: keyrotation.ColumnProgress) -> None:
        seen.append(progress.rotated)
        if len(seen) == 3:
            raise Interrupted("operator pressed Ctrl-C")

    with pytest.raises(Interrupted):
        keyrotation.rotate(conn, keyring, NEW, batch_size=7, on_batch=interrupt)
    prefixes = {keyrotation.key_id_of(v) for col in keyrotation.encrypted_columns(conn) for v in _flatten(_values(conn, col).values())}
    assert prefixes == {OLD, NEW}  # part done, part pending: three batches committed
    done = sum(
        all(keyrotation.key_id_of(v) == NEW for v in _flatten([value]))
        for col in keyrotation.encrypted_columns(conn)
        for value in _values(conn, col).values()
    )
    assert 0 < done <= 21

    progress: list[str] = []
    report = keyrotation.rotate(conn, keyring, NEW, batch_size=7, on_batch=lambda p: progress.append(p.column))
    assert report.pending == 0 and report.rotated == len(plain) - done
    assert progress  # progress was reported batch by batch
    for col in keyrotation.encrypted_columns(conn):
        for key, value in _values(conn, col).items():
            expected = plain[(col.name, key)]
            if col.is_array:
                assert [keyrotation.unseal(keyring, v).decode() for v in value] == expected
                assert all(v.startswith(f"v1:{NEW}:") for v in value)
            else:
                assert value.startswith(f"v1:{NEW}:")
                assert keyrotation.unseal(keyring, value).decode() == expected
    # Decrypt a sample with the new key alone: the old key is no longer needed.
    new_only = keyrotation.Keyring({NEW: keyring.keys[NEW]})
    sample = (
        conn.execute(sa.text("SELECT totp_secret_encrypted FROM user_mfa_settings WHERE totp_secret_encrypted IS NOT NULL LIMIT 5"))
        .scalars()
        .all()
    )
    conn.commit()
    assert sample and all(keyrotation.unseal(new_only, v) for v in sample)
    again = keyrotation.rotate(conn, keyring, NEW)
    assert again.rotated == 0 and again.pending == 0


def test_cli_rotates_and_refuses_an_unknown_key(
    seeded: URL, conn: sa.Connection, keyring: keyrotation.Keyring, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _adopt(conn, keyring)
    monkeypatch.setenv(database.ENV_VAR, seeded.render_as_string(hide_password=False))
    ring = tmp_path / "keyring.json"
    ring.write_text(json.dumps({k: base64.b64encode(v).decode() for k, v in keyring.keys.items()}))
    unknown = CliRunner().invoke(app, ["keys", "rotate", "--to", "kms-2027-01", "--keyring", str(ring)])
    assert unknown.exit_code == 2 and "kms-2027-01 is not in the keyring" in unknown.output
    back = CliRunner().invoke(app, ["keys", "rotate", "--to", NEW, "--keyring", str(ring), "--batch-size", "50"])
    assert back.exit_code == 0, back.output
    assert "user_mfa_settings.totp_secret_encrypted: " in back.output and "0 pending" in back.output
    assert "re-encrypted under " + NEW in back.output


def _flatten(values) -> list[str]:
    out: list[str] = []
    for v in values:
        out.extend(v if isinstance(v, list) else [v])
    return out
