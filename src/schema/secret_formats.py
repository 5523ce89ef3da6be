"""The declared formats of stored secrets (SEC-025, SEC-026), one source for models, lint and docs.

- ``*_hash`` columns hold a password hash in a recognised standard encoding (SEC-025): argon2id in
  the PHC string format (``$argon2id$v=19$m=..,t=..,p=..$<salt>$<hash>``), bcrypt in modular crypt
  format (``$2a$``/``$2b$``/``$2y$``, cost, 53 characters of salt and hash), scrypt in the PHC/passlib
  format (``$scrypt$ln=..,r=..,p=..$<salt>$<hash>``) and PBKDF2-SHA256/512 in the PHC/passlib format
  (``$pbkdf2-sha256$[i=]<iterations>[,l=..]$<salt>$<hash>``); salts of at least 8 bytes and hashes of
  at least 16 (11 and 22 base64 characters). A plaintext secret or a bare digest matches none.
- ``*_encrypted`` columns hold application-side ciphertext in the envelope ``v1:<key id>:<base64>``
  (SEC-026): ``v1`` the envelope version, the key id the KMS key (lower-case letters, digits,
  hyphens) that wraps the data key, and standard padded base64 of nonce || ciphertext || tag
  (AES-256-GCM: at least 12 + 1 + 16 bytes, so at least 40 base64 characters).

Revision 010 writes the same patterns into its CHECKs as constants (revisions import nothing from
``schema``); tests/test_security_invariants.py checks they agree.
"""

from __future__ import annotations

PASSWORD_HASH_PATTERN = (
    r"^(\$argon2id\$v=19\$m=[0-9]+,t=[0-9]+,p=[0-9]+\$[A-Za-z0-9+/]{11,}\$[A-Za-z0-9+/]{22,}"
    r"|\$2[aby]\$[0-9]{2}\$[./A-Za-z0-9]{53}"
    r"|\$scrypt\$ln=[0-9]+,r=[0-9]+,p=[0-9]+\$[A-Za-z0-9+/.]{11,}\$[A-Za-z0-9+/.]{22,}"
    r"|\$pbkdf2-sha(256|512)\$(i=)?[0-9]+(,l=[0-9]+)?\$[A-Za-z0-9+/.]{11,}\$[A-Za-z0-9+/.]{22,})$"
)
ENVELOPE_PATTERN = r"^v1:[a-z0-9][a-z0-9-]{0,62}:([A-Za-z0-9+/]{4}){10,}([A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$"

HASH_SUFFIX = "_hash"
ENCRYPTED_SUFFIX = "_encrypted"


def hash_check(column: str) -> str:
    """CHECK text: ``column`` holds a recognised password hash (SEC-025)."""
    return f"{column} ~ '{PASSWORD_HASH_PATTERN}'"


def envelope_check(column: str) -> str:
    """CHECK text: ``column`` holds ciphertext in the v1 envelope (SEC-026)."""
    return f"{column} ~ '{ENVELOPE_PATTERN}'"


def envelope_array_check(column: str) -> str:
    """CHECK text: every element of the JSON array ``column`` is a v1 envelope string (SEC-026)."""
    return f'NOT jsonb_path_exists({column}, \'$[*] ? (@.type() != "string" || !(@ like_regex "{ENVELOPE_PATTERN}"))\')'


def hash_constraint_name(column: str) -> str:
    return f"{column}_format"


def envelope_constraint_name(column: str) -> str:
    return f"{column}_envelope"
